#!/bin/sh
# t0220-playbook-features: variable precedence and magic variables, serial,
# run_once, delegate_to, until/retries, environment, tags, no_log, --json
# events, --list-hosts/--list-tasks, failures with max_fail_percentage, an
# unreachable host and the retry file; strategy free.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
PB=$TEST_DIR/playbooks/features

test_begin "playbook features on a 3-node testbed"
tb_up 3 || exit 1

expect_success 'an inventory with host and group vars' '
    sed -e "/^node1 /s/\$/ inv_var=from-node1 level=inventory/" "$INV" >inv.ini &&
    printf "[worker:vars]\nforced=inventory\n" >>inv.ini
'

expect_success 'precedence: play < task vars < set_fact < extra vars; magic variables' '
    "$GF" run -i inv.ini -e forced=extra "$PB/vars.yml" >out 2>&1 || { cat out; exit 1; }
    tb_exec node2 cat /tmp/gf-vars >got &&
    printf "host=node2\ngroups=node2,node3\nnames=worker\nplay=node1,node2,node3\nother=from-node1\nresults=play,task,set_fact,extra\ncheck=False\n" >want &&
    test_cmp want got
'

expect_success 'serial 2, run_once, delegate_to, until, environment' '
    tb_exec node1 rm -f /tmp/gf-count; tb_exec node2 rm -f /tmp/gf-count; tb_exec node3 rm -f /tmp/gf-count
    "$GF" run -i "$INV" "$PB/control.yml" >out 2>&1; rc=$?
    cat out
    test $rc = 0 &&
    # serial: two batches, so the task banners show twice and run_once ran twice
    test "$(grep -c "^TASK \[once for all\]" out)" = 2 &&
    a=$(tb_exec node1 cat /tmp/gf-once) && b=$(tb_exec node2 cat /tmp/gf-once) &&
    c=$(tb_exec node3 cat /tmp/gf-once) && test "$a" = "$b" && test "$a" != "$c" &&
    for n in node1 node2 node3; do
        test "$(tb_exec node1 cat /tmp/gf-delegated-$n)" = "from $n" || exit 1
        ! tb_exec $n test -e /tmp/gf-delegated-$n || test $n = node1 || exit 1
    done &&
    grep -Eq "^(ok|changed): \[node2 -> node1\]" out &&
    test "$(grep -c "^FAILED - RETRYING: \[node1\]: retry until the third attempt (5 retries left)" out)" = 1 &&
    test "$(tb_exec node3 cat /tmp/gf-count)" = 3
'

expect_success 'no_log hides a result even at -v, where other results show' '
    "$GF" run -v -i "$INV" -l node1 "$PB/control.yml" >out 2>&1 &&
    grep -q "^changed: \[node1\] => {.*\"stdout\": \"teal\"" out &&
    grep -q "^changed: \[node1\] => {\"censored\": \"the output has been hidden" out &&
    ! grep -q not-for-eyes out
'

expect_success 'strategy free: other hosts do not wait for a slow one' '
    "$GF" run -i "$INV" "$PB/free.yml" >out 2>&1; rc=$?
    cat out
    test $rc = 0 &&
    s1=$(tb_exec node1 cat /tmp/gf-stamp) && s2=$(tb_exec node2 cat /tmp/gf-stamp) &&
    test $((s1 - s2)) -ge 1 &&
    # each result follows its own task banner, as in Ansible
    grep -B1 "^changed: \[node1\]" out | grep -q "^TASK \[slow on node1\]"
'

expect_success 'tags: --tags special runs only that task; --skip-tags skips it' '
    tb_exec node1 rm -f /tmp/gf-tagged &&
    "$GF" run -i "$INV" -l node1 --skip-tags special "$PB/control.yml" >out 2>&1 &&
    ! tb_exec node1 test -e /tmp/gf-tagged &&
    "$GF" run -i "$INV" -l node1 -t special "$PB/control.yml" >out 2>&1 &&
    tb_exec node1 test -e /tmp/gf-tagged &&
    test "$(grep -c "^TASK" out)" = 1
'

expect_success '--list-hosts and --list-tasks contact nobody' '
    "$GF" run -i "$INV" --list-hosts -l node2,node3 "$PB/control.yml" >out &&
    grep -q "hosts (2):" out && grep -qx "      node3" out &&
    "$GF" run -i "$INV" --list-tasks "$PB/control.yml" >out &&
    grep -q "a tagged task	TAGS: \[special\]" out
'

expect_success '--json: one JSON object per line, a stats event at the end' '
    "$GF" run -i inv.ini -l node1 --json "$PB/vars.yml" -e forced=x >out &&
    python3 -c "
import json, sys
ev = [json.loads(l) for l in open(\"out\")]
assert ev[0][\"event\"] == \"play_start\", ev[0]
assert any(e[\"event\"] == \"runner_result\" and e[\"host\"] == \"node1\" for e in ev)
assert ev[-1][\"event\"] == \"stats\" and ev[-1][\"hosts\"][\"node1\"][\"failed\"] == 0, ev[-1]
"
'

expect_code 2 'a failing host stops, the others go on; the retry file names it' '
    for n in node1 node2 node3; do tb_exec $n rm -f /tmp/gf-went-on; done
    "$GF" run -i "$INV" --retry-file retry "$PB/fail.yml" >out 2>&1; rc=$?
    cat out
    grep -q "^fatal: \[node2\]: FAILED!" out && test "$(cat retry)" = node2 &&
    tb_exec node1 test -e /tmp/gf-went-on && ! tb_exec node2 test -e /tmp/gf-went-on || exit 9
    exit $rc
'

expect_code 3 'an unreachable host is reported, the others finish' '
    tb_fault node3 stop-sshd
    "$GF" run -T 3 -i inv.ini --retry-file retry2 "$PB/vars.yml" -e forced=x >out 2>&1; rc=$?
    tb_fault node3 start-sshd
    cat out
    grep -q "^fatal: \[node3\]: UNREACHABLE!" out && grep -q "^node3 .*unreachable=1" out &&
    grep -q "^node1 .*failed=0" out && test "$(cat retry2)" = node3 || exit 9
    exit $rc
'

expect_code 3 'a node blackholed between tasks is unreachable, and the message says why' '
    printf "%s\n" "- hosts: node3" "  gather_facts: false" "  tasks:" \
        "    - command: \"true\"" "    - pause: { seconds: 3 }" "    - command: \"true\"" >bh.yml
    "$GF" run -T 3 -i "$INV" bh.yml >out 2>&1 &
    pid=$!
    sleep 1.5
    tb_fault node3 blackhole
    wait $pid; rc=$?
    tb_fault node3 heal
    cat out
    grep -q "^fatal: \[node3\]: UNREACHABLE!" out || exit 9
    # a reason after the colon, never an empty one
    ! grep -q "the command: \"" out || exit 9
    exit $rc
'

test_done
