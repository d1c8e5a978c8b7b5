#!/bin/sh
# t0200-playbook-side-by-side: the same playbook (roles, templates, handlers,
# loops, blocks, includes, facts, systemd, users) run by gpuforge on node1 (its
# Python removed) and by ansible-playbook on node2 leaves both nodes in the same
# state; a second run changes nothing and prints what ansible-playbook prints;
# --check changes nothing on the node.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
PB=$TEST_DIR/playbooks/sbs/site.yml

# ansible-playbook with nothing from this machine's configuration
printf '[defaults]\ninterpreter_python = auto_silent\nretry_files_enabled = False\n' >ansible.cfg
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1

test_begin "the same playbook through gpuforge and ansible-playbook"
tb_up 2 || exit 1

# What a node holds after the playbook: the tree with types, modes, owners,
# sizes and link targets; file hashes; the unit; the user and group.
node_state() {
    tb_exec "$1" sh -c 'cd /srv/sbs && find . -printf "%p %y %m %u %g %s %l\n" | sort &&
        find . -type f -exec sha256sum {} + | sort -k2 &&
        systemctl is-enabled gf-sbs.service; systemctl is-active gf-sbs.service;
        getent passwd sbsuser; getent group sbsgroup;
        stat -c "%a %U %G %s" /etc/systemd/system/gf-sbs.service &&
        sha256sum </etc/systemd/system/gf-sbs.service'
}
# Results differ only in timings and host names.
normalize() {
    sed -e 's/node[12]/NODE/g' -e 's/"delta": "[^"]*"/"delta": D/g' \
        -e 's/"start": "[^"]*"/"start": S/g' -e 's/"end": "[^"]*"/"end": E/g' "$1"
}
recap_field() { # FILE FIELD -> the number in the recap line
    sed -n "s/.* $2=\([0-9]*\).*/\1/p" "$1" | tail -1
}

expect_success 'node1 has no Python at all' '
    tb_exec node1 sh -c "for p in /usr/bin/python3*; do mv \"\$p\" \"\$p.hidden\"; done" &&
    ! tb_exec node1 sh -c "command -v python3 || command -v python"
'

expect_success 'gpuforge runs the playbook on node1' '
    "$GF" run -i "$INV" -l node1 "$PB" >gf1.out 2>&1; rc=$?
    cat gf1.out
    test $rc = 0 && test "$(recap_field gf1.out changed)" -gt 10 &&
    test "$(recap_field gf1.out failed)" = 0 && test "$(recap_field gf1.out rescued)" = 1
'

expect_success 'ansible-playbook runs the same playbook on node2' '
    ansible-playbook -i "$INV" -l node2 "$PB" >an1.out 2>&1; rc=$?
    tail -4 an1.out
    test $rc = 0
'

expect_success 'both report the same counts' '
    grep "^node1 " gf1.out | sed "s/node1/NODE /" >c1 &&
    grep "^node2 " an1.out | sed "s/node2/NODE /" >c2 &&
    test_cmp c2 c1
'

expect_success 'both nodes hold the same files, modes, owners, unit and user' '
    node_state node1 >s1 && node_state node2 >s2 &&
    test "$(wc -l <s1)" -gt 25 && test_cmp s2 s1
'

expect_success 'a second run changes nothing, on both' '
    "$GF" run -i "$INV" -l node1 "$PB" >gf2.out 2>&1 &&
    ansible-playbook -i "$INV" -l node2 "$PB" >an2.out 2>&1 &&
    test "$(recap_field gf2.out changed)" = 0 && test "$(recap_field an2.out changed)" = 0
'

expect_success 'the second run prints what ansible-playbook prints' '
    normalize an2.out >n2 && normalize gf2.out >n1 && test_cmp n2 n1
'

expect_success '--check reports changes and changes nothing on the node' '
    tb_exec node1 sh -c "rm /srv/sbs/colour-blue /srv/sbs/base/static.txt &&
        echo port=1 >/srv/sbs/app.conf && chmod 0644 /srv/sbs/base/motd" &&
    node_state node1 >before &&
    "$GF" run -i "$INV" -l node1 --check "$PB" >check.out 2>&1; rc=$?
    cat check.out
    test $rc = 0 && test "$(recap_field check.out changed)" -ge 4 &&
    node_state node1 >after && test_cmp before after
'

expect_success 'a normal run repairs it, to the same state as node2' '
    "$GF" run -i "$INV" -l node1 "$PB" >gf3.out 2>&1 &&
    node_state node1 >s1 && test_cmp s2 s1
'

expect_success 'a role argument spec fails the same way under both' '
    "$GF" run -i "$INV" -l node1 "$TEST_DIR/playbooks/sbs/argspec-bad.yml" >gfa.out 2>&1
    test $? = 2 &&
    ansible-playbook -i "$INV" -l node2 "$TEST_DIR/playbooks/sbs/argspec-bad.yml" >ana.out 2>&1
    test $? = 2 &&
    grep -A1 "^TASK" gfa.out | normalize /dev/stdin >a1 &&
    grep -A1 "^TASK" ana.out | normalize /dev/stdin >a2 &&
    grep -q "Validation of arguments failed" a1 && test_cmp a2 a1
'

test_done
