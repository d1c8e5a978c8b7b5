# fakegpu.sh - sourced by the tests that run the GPU path on the testbed: stand-in
# NVIDIA GPUs on a node and a stand-in NVIDIA Container Toolkit .deb, both made of
# the TEST STAND-INS in tests/standin/nvidia (shell scripts, not NVIDIA's software).
# Needs test-lib.sh's tb_exec and ROOT (the repository).

# fake_gpus NODE N: N stand-in NVIDIA GPUs on NODE, a driver "installed and loaded":
# fake_gpu_devices, and the stand-in nvidia-smi in /usr/local/bin.
fake_gpus() {
    tb_exec "$1" sh -c 'cat >/usr/local/bin/nvidia-smi && chmod 0755 /usr/local/bin/nvidia-smi' \
        <"$ROOT/tests/standin/nvidia/nvidia-smi" &&
    fake_gpu_devices "$1" "$2"
}

# fake_gpu_devices NODE N: display-class PCI devices of vendor 0x10de (what the setup
# facts' gpuforge_gpus and the nvidia roles look for) on a tmpfs over
# /sys/bus/pci/devices (in the node's own mount namespace: this machine's sysfs is
# untouched), the character devices /dev/nvidia0..N-1 and /dev/nvidiactl (major 195).
# No nvidia-smi: a driver package may bring it.
fake_gpu_devices() {
    tb_exec "$1" sh -c '
        mountpoint -q /sys/bus/pci/devices ||
            mount -t tmpfs -o size=1m,mode=0755 gpuforge-standin-pci /sys/bus/pci/devices || exit 1
        i=0
        while [ "$i" -lt "$1" ]; do
            d=/sys/bus/pci/devices/0000:$(printf %02x $((10 + i))):00.0
            mkdir -p "$d" && echo 0x030200 >"$d/class" && echo 0x10de >"$d/vendor" &&
                echo 0x2330 >"$d/device" || exit 1
            [ -e "/dev/nvidia$i" ] || mknod "/dev/nvidia$i" c 195 "$i" || exit 1
            i=$((i + 1))
        done
        [ -e /dev/nvidiactl ] || mknod /dev/nvidiactl c 195 255' fake-gpus "$2"
}

# fake_nvswitches NODE N: N stand-in NVSwitch PCI devices on NODE, as an HGX H100
# board shows them: vendor 0x10de, class 0x068000 (bridge, other), device 0x22a3.
fake_nvswitches() {
    tb_exec "$1" sh -c '
        mountpoint -q /sys/bus/pci/devices ||
            mount -t tmpfs -o size=1m,mode=0755 gpuforge-standin-pci /sys/bus/pci/devices || exit 1
        i=0
        while [ "$i" -lt "$1" ]; do
            d=/sys/bus/pci/devices/0000:$(printf %02x $((0x40 + i))):00.0
            mkdir -p "$d" && echo 0x068000 >"$d/class" && echo 0x10de >"$d/vendor" &&
                echo 0x22a3 >"$d/device" || exit 1
            i=$((i + 1))
        done' fake-nvswitches "$2"
}

# secure_boot NODE enabled|disabled [CERT...]: the stand-in mokutil on NODE
# (/usr/local/bin), Secure Boot in that state and the certificates CERT (files on
# the node) enrolled as Machine Owner Keys.
secure_boot() {
    _n=$1 _st=$2
    shift 2
    tb_exec "$_n" sh -c 'cat >/usr/local/bin/mokutil && chmod 0755 /usr/local/bin/mokutil' \
        <"$ROOT/tests/standin/mokutil" &&
    tb_exec "$_n" sh -c 'mkdir -p /run/gpuforge-standin && echo "$1" >/run/gpuforge-standin/sb-state &&
        shift && : >/run/gpuforge-standin/mok-enrolled &&
        for c in "$@"; do sha256sum <"$c" | cut -d" " -f1 >>/run/gpuforge-standin/mok-enrolled || exit 1; done' \
        secure-boot "$_st" "$@"
}

# driver_debs DIR FLAVOUR [nvswitch]: stand-ins for a driver closure in DIR, as
# artifacts/fetch --nvidia-driver-debs takes it: nvidia-driver (it brings the
# stand-in nvidia-smi, /usr/bin) and, for FLAVOUR open, nvidia-open-kernel-dkms, for
# proprietary nvidia-kernel-dkms, for both, both; with nvswitch, DIR/nvswitch gets
# nvidia-fabricmanager and nvidia-persistenced with their systemd units.
driver_debs() {
    mkdir -p "$1" &&
    stand_in_deb "$1" nvidia-driver usr/bin/nvidia-smi="$ROOT/tests/standin/nvidia/nvidia-smi" &&
    case $2 in
        open) stand_in_deb "$1" nvidia-open-kernel-dkms ;;
        proprietary) stand_in_deb "$1" nvidia-kernel-dkms ;;
        both) stand_in_deb "$1" nvidia-open-kernel-dkms && stand_in_deb "$1" nvidia-kernel-dkms ;;
    esac || return 1
    [ "${3:-}" = nvswitch ] || return 0
    _u=$(mktemp -d) || return 1
    printf '#!/bin/sh\n# stand-in daemon (gpuforge tests)\nexec sleep infinity\n' >"$_u/daemon" &&
    for _s in nvidia-fabricmanager:nv-fabricmanager nvidia-persistenced:nvidia-persistenced; do
        printf '[Unit]\nDescription=TEST STAND-IN %s (gpuforge tests)\n[Service]\nExecStart=/usr/bin/%s\n[Install]\nWantedBy=multi-user.target\n' \
            "${_s%%:*}" "${_s#*:}" >"$_u/${_s%%:*}.service" &&
        stand_in_deb "$1/nvswitch" "${_s%%:*}" "usr/bin/${_s#*:}=$_u/daemon" \
            "lib/systemd/system/${_s%%:*}.service=$_u/${_s%%:*}.service" || { rm -rf "$_u"; return 1; }
    done
    rm -rf "$_u"
}

# stand_in_deb DIR PACKAGE [PATH=FILE...]: DIR/PACKAGE_580.95.05-1_all.deb, a TEST
# STAND-IN package of that name (its description says so) holding FILE at each /PATH
# (mode 0755 under bin/, else 0644).
stand_in_deb() {
    _d=$1 _pkg=$2
    shift 2
    _p=$(mktemp -d) || return 1
    chmod 0755 "$_p" && mkdir -p "$_p/DEBIAN" "$_d" &&
    for _f in "$@"; do
        mkdir -p "$_p/$(dirname "${_f%%=*}")" && cp "${_f#*=}" "$_p/${_f%%=*}" || { rm -rf "$_p"; return 1; }
        case ${_f%%=*} in */bin/*) chmod 0755 "$_p/${_f%%=*}" ;; *) chmod 0644 "$_p/${_f%%=*}" ;; esac
    done &&
    printf '%s\n' "Package: $_pkg" 'Version: 580.95.05-1' 'Architecture: all' \
        'Maintainer: gpuforge tests <tests@gpuforge.invalid>' \
        "Description: TEST STAND-IN for NVIDIA's $_pkg (gpuforge tests)" \
        " Not NVIDIA's package: an empty or shell-script stand-in for the" ' end-to-end tests.' \
        >"$_p/DEBIAN/control" &&
    dpkg-deb --root-owner-group -b "$_p" "$_d/${_pkg}_580.95.05-1_all.deb" >/dev/null
    _rc=$?
    rm -rf "$_p"
    return $_rc
}

# toolkit_deb DIR VERSION: DIR/nvidia-container-toolkit_VERSION-1_all.deb, a stand-in
# for NVIDIA's package of that name: the stand-ins nvidia-container-runtime and
# nvidia-ctk in /usr/bin; its description says what it is.
toolkit_deb() {
    _p=$(mktemp -d) || return 1
    mkdir -p "$_p/DEBIAN" "$_p/usr/bin" "$1" &&
        cp "$ROOT/tests/standin/nvidia/nvidia-ctk" "$ROOT/tests/standin/nvidia/nvidia-container-runtime" \
            "$_p/usr/bin/" &&
        printf '%s\n' 'Package: nvidia-container-toolkit' "Version: $2-1" 'Architecture: all' \
            'Maintainer: gpuforge tests <tests@gpuforge.invalid>' \
            'Description: TEST STAND-IN for the NVIDIA Container Toolkit (gpuforge tests)' \
            " Not NVIDIA's package: shell scripts imitating nvidia-ctk and" \
            ' nvidia-container-runtime for the end-to-end tests.' >"$_p/DEBIAN/control" &&
        dpkg-deb --root-owner-group -b "$_p" "$1/nvidia-container-toolkit_$2-1_all.deb" >/dev/null
    _rc=$?
    rm -rf "$_p"
    return $_rc
}
