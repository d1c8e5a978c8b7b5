# fakegpu.sh - sourced by the tests that run the GPU path on the testbed: stand-in
# NVIDIA GPUs on a node and a stand-in NVIDIA Container Toolkit .deb, both made of
# the TEST STAND-INS in tests/standin/nvidia (shell scripts, not NVIDIA's software).
# Needs test-lib.sh's tb_exec and ROOT (the repository).

# fake_gpus NODE N: N stand-in NVIDIA GPUs on NODE, a driver "installed and loaded":
# display-class PCI devices of vendor 0x10de (what the setup facts' gpuforge_gpus and
# the nvidia roles look for) on a tmpfs over /sys/bus/pci/devices (in the node's own
# mount namespace: this machine's sysfs is untouched), the character devices
# /dev/nvidia0..N-1 and /dev/nvidiactl (major 195), and the stand-in nvidia-smi in
# /usr/local/bin.
fake_gpus() {
    tb_exec "$1" sh -c 'cat >/usr/local/bin/nvidia-smi && chmod 0755 /usr/local/bin/nvidia-smi' \
        <"$ROOT/tests/standin/nvidia/nvidia-smi" &&
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
