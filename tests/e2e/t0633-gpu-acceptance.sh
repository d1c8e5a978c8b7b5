#!/bin/sh
# t0633-gpu-acceptance: tests/gpu/acceptance.sh (the acceptance run for a machine
# with a real NVIDIA GPU) where there is none: on a testbed node whose PCI devices
# are hidden it says SKIP and exits 0; on a node with a stand-in NVIDIA GPU but no
# driver it prints its table with the driver row FAIL and exits 1.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib/fakegpu.sh"
ROOT=$(cd "$TEST_DIR/../.." && pwd)
ACC=$ROOT/tests/gpu/acceptance.sh

test_begin "the GPU acceptance script without a GPU: SKIP, and FAIL without a driver"
tb_up 2 || exit 1

expect_success 'no NVIDIA PCI device: "1..0 # SKIP", exit 0, nothing done' '
    fake_gpu_devices node1 0 &&
    tb_exec node1 sh -s <"$ACC" >skip.out 2>&1; rc=$?
    cat skip.out
    test $rc = 0 && test "$(cat skip.out)" = "1..0 # SKIP no NVIDIA GPU on this machine (no PCI display device of vendor 10de): the GPU acceptance needs one" &&
    ! tb_exec node1 test -e /var/lib/gpuforge
'

expect_success 'an NVIDIA GPU without a driver: the table, driver FAIL, exit 1' '
    fake_gpu_devices node2 1 &&
    tb_exec node2 sh -s <"$ACC" >nodrv.out 2>&1; rc=$?
    cat nodrv.out
    test $rc = 1 && grep -q "^1   FAIL   NVIDIA GPU and driver (nvidia-smi -L) .*1 NVIDIA GPUs on PCI but nvidia-smi -L fails" nodrv.out &&
    grep -qx "0 passed, 1 failed" nodrv.out
'

expect_success 'not root: refused with exit 2 (after the GPU check)' '
    tb_exec node2 setpriv --reuid=65534 --regid=65534 --clear-groups sh -s <"$ACC" >user.out 2>&1; rc=$?
    cat user.out
    test $rc = 2 && grep -q "run it as root" user.out
'

test_done
