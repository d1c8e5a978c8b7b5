#!/bin/sh
# t0632-nvidia-driver: the driver choices of the nvidia_driver role on 2 real
# nodes with stand-in NVIDIA GPUs (PCI devices and /dev/nvidia*, no driver) and
# stand-in driver .debs (tests/e2e/lib/fakegpu.sh; the real driver cannot be
# installed here): node1 an NVSwitch system (4 stand-in NVSwitch PCI devices),
# node2 with Secure Boot on (a stand-in mokutil). A bundle with the proprietary
# kernel modules is refused under the default (open), naming both; the open one
# is installed and held on node1, with Fabric Manager and persistenced running;
# node2 is refused until a Machine Owner Key enrolled there is given, then DKMS
# is set to sign with it; a second run changes nothing; reset gives both nodes
# back, holds and services included.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib/stack.sh"
. "$TEST_DIR/lib/fakegpu.sh"
ROOT=$(cd "$TEST_DIR/../.." && pwd)
GF=${GF_BIN:-$ROOT/gpuforge}

# drv BUNDLE [ARGS]: the bundle's air-gap copy and the nvidia_driver role only
drv() {
    _b=$1
    shift
    "$GF" run -i "$INV" "$ROOT/playbooks/site.yml" -t airgap,nvidia_driver \
        -e gpuforge_bundle="$PWD/$_b/gpuforge-stack.gfb" -e gpuforge_bundle_pubkey="$PWD/key.pub" \
        -e nvidia_driver_reboot=false "$@"
}
# bundle OUT FLAVOUR: a bundle of stand-in driver .debs of FLAVOUR and the NVSwitch extras
bundle() {
    driver_debs "deb-$2" "$2" nvswitch &&
    "$ROOT/artifacts/fetch" --out "$1" --with nvidia-driver,nvidia-nvswitch --nvidia-driver-debs "deb-$2" \
        --nvidia-nvswitch-debs "deb-$2/nvswitch" --version 1.35.6 --key key --gpuforge "$GF" >"$1.out" 2>&1 ||
        { tail -5 "$1.out"; return 1; }
}

test_begin "NVIDIA driver choices: kernel module flavour, Secure Boot, holds, NVSwitch"
tb_up 2 || exit 1
mkdir -p "$(dirname "$INV")/host_vars"
HV=$(dirname "$INV")/host_vars/node2.yml

expect_success 'stand-in GPUs on both nodes, NVSwitches on node1, Secure Boot on node2; pristine state' '
    fake_gpu_devices node1 2 && fake_nvswitches node1 4 && fake_gpu_devices node2 1 &&
    secure_boot node2 enabled && tb_exec node2 mokutil --sb-state | grep -qx "SecureBoot enabled" &&
    tb_exec node2 sh -c "head -c 64 /dev/urandom >/root/mok.key && head -c 64 /dev/urandom >/root/mok.der" &&
    for n in node1 node2; do snap $n pristine.$n || exit 1; done
'

expect_success 'the bundles: open and proprietary kernel modules, each with Fabric Manager and persistenced' '
    "$GF" bundle keygen -o key >/dev/null && bundle open open && bundle prop proprietary &&
    grep -q "nvidia-driver: copied the .debs" open.out
'

expect_success 'proprietary modules in the bundle, open asked for (the default): refused, both named, nothing installed' '
    drv prop >prop.run 2>&1; rc=$?
    grep "^fatal" prop.run | head -3
    test $rc != 0 &&
    grep -q "^fatal: \[node1\].*nvidia_driver_kernel_modules=open (NVIDIA.s default from R560) but the bundle carries the proprietary kernel modules (nvidia-kernel-dkms)" prop.run &&
    ! tb_exec node1 dpkg -s nvidia-driver >/dev/null 2>&1
'

expect_success 'open modules: node1 installed, held, Fabric Manager and persistenced running; node2 refused for Secure Boot' '
    drv open >open.run 2>&1; rc=$?
    grep "^fatal" open.run | head -3; sed -n "/^PLAY RECAP/,\$p" open.run
    test $rc != 0 &&
    grep -q "node1: NVIDIA driver with the open kernel modules: nvidia-driver nvidia-open-kernel-dkms" open.run &&
    grep -q "^fatal: \[node2\].*node2: Secure Boot is enabled (mokutil --sb-state): the NVIDIA kernel modules DKMS builds would be unsigned" open.run &&
    tb_exec node1 dpkg --get-selections >sel1 && grep -E "^(nvidia|libnvidia)" sel1 &&
    test "$(grep -E "^nvidia-(driver|open-kernel-dkms)[[:space:]]+hold\$" sel1 | wc -l)" = 2 &&
    grep -qE "^nvidia-fabricmanager[[:space:]]+install\$" sel1 &&
    tb_exec node1 sh -c "systemctl is-active nvidia-fabricmanager nvidia-persistenced && systemctl is-enabled nvidia-fabricmanager nvidia-persistenced && nvidia-smi -L" &&
    ! tb_exec node2 dpkg -s nvidia-driver >/dev/null 2>&1
'

expect_success 'node2 with a key not enrolled: refused; enrolled: DKMS signs with it, driver installed and held' '
    printf "nvidia_driver_mok_key: /root/mok.key\nnvidia_driver_mok_cert: /root/mok.der\n" >"$HV" &&
    drv open -l node2 >mok1.run 2>&1; rc=$?
    grep "^fatal" mok1.run | head -3
    test $rc != 0 && grep -q "the certificate /root/mok.der is not enrolled as a Machine Owner Key" mok1.run &&
    ! tb_exec node2 dpkg -s nvidia-driver >/dev/null 2>&1 &&
    secure_boot node2 enabled /root/mok.der &&
    drv open >mok2.run 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" mok2.run
    test $rc = 0 && tb_exec node2 cat /etc/dkms/framework.conf.d/gpuforge-mok.conf >mok.conf &&
    grep -qx "mok_signing_key=/root/mok.key" mok.conf && grep -qx "mok_certificate=/root/mok.der" mok.conf &&
    tb_exec node2 dpkg --get-selections | grep -qE "^nvidia-driver[[:space:]]+hold\$" &&
    ! tb_exec node2 systemctl is-enabled nvidia-fabricmanager >/dev/null 2>&1
'

expect_success 'second run: changed=0 on both nodes' '
    drv open >again.run 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" again.run
    test $rc = 0 && test "$(recap_changed again.run | sort -u)" = 0
'

expect_success 'reset: both nodes equal their pristine state, no hold left, services gone' '
    "$GF" reset -i "$INV" --yes >reset.out 2>&1 || { tail -20 reset.out; exit 1; }
    for n in node1 node2; do
        snap $n after.$n && test_cmp pristine.$n after.$n || exit 1
        ! tb_exec $n sh -c "dpkg --get-selections | grep -E \"^(nvidia|libnvidia)\"" || exit 1
    done
'

test_done
