#!/bin/sh
# t0351-reboot: the reboot module through `gpuforge exec -m reboot` on a real
# node. A testbed node is a systemd-nspawn container: when it reboots, nspawn
# exits (exit status 133) and nothing starts it again, so the test powers it
# back on with `testbed up` once it has stopped, as a machine's firmware
# would. The module must see a new boot id (nspawn gives each boot its own)
# on a new SSH session and run test_command there.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}

boot_id() { tb_exec node1 cat /proc/sys/kernel/random/boot_id; }

# wait_stopped SECS: waits until node1 has stopped (it went down to reboot).
wait_stopped() {
    _n=0
    until "$TESTBED" status --dir "$TB" | grep -q "^node1 .* stopped"; do
        _n=$((_n + 1))
        [ "$_n" -le "$(($1 * 10))" ] || return 1
        sleep 0.1
    done
}

test_begin "reboot on a 1-node testbed"
tb_up 1 || exit 1

expect_success 'reboot --check: changed, no reboot' '
    boot_id >before &&
    "$GF" exec -i "$INV" node1 -b -m reboot -C >out && cat out &&
    grep -q "^node1 | CHANGED" out && grep -q "\"rebooted\": true" out &&
    sleep 3 && boot_id >after && test_cmp before after
'

expect_success 'reboot: the node goes down, comes back with a new boot id' '
    boot_id >before &&
    "$GF" exec -i "$INV" node1 -b -m ansible.builtin.reboot \
        -a "reboot_timeout=120 msg=\"gpuforge e2e\" test_command=\"test -d /run/systemd/system\"" \
        >out 2>&1 &
    pid=$!
    wait_stopped 30 || { kill $pid; exit 1; }
    tb_up 1 >/dev/null || { kill $pid; exit 1; }
    wait $pid; rc=$?
    cat out
    test $rc = 0 && grep -q "^node1 | CHANGED" out && grep -q "\"rebooted\": true" out &&
    grep -q "\"elapsed\": [0-9]" out &&
    boot_id >after && ! cmp -s before after
'

expect_code 2 'a node that stays down fails after reboot_timeout with the reason' '
    "$GF" exec -i "$INV" node1 -b -m reboot -a "reboot_timeout=10" >out 2>&1; rc=$?
    cat out
    grep -q "host did not come back within 10 s" out || exit 9
    "$TESTBED" status --dir "$TB" | grep -q "^node1 .* stopped" || exit 9
    tb_up 1 >/dev/null || exit 9
    exit $rc
'

expect_code 2 'a reboot_command that does not reboot times out on the unchanged boot id' '
    "$GF" exec -i "$INV" node1 -b -m reboot -a "reboot_timeout=6 reboot_command=true" >out 2>&1
    rc=$?
    cat out
    grep -q "the boot id did not change" out || exit 9
    exit $rc
'

test_done
