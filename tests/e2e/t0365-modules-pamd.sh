#!/bin/sh
# t0365-modules-pamd: community.general.pamd side by side with
# ansible-playbook: the playbook of tests/e2e/playbooks/pamd runs through
# gpuforge on node1 (its Python removed) and ansible-playbook on node2;
# --check first (nothing may change, both print the same), then for real
# (same output task by task, the same files byte for byte once the
# module's "# Updated by Ansible - TIME" line and the backups' time stamps
# are set aside), then again (changed=0 on both, same output).
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
PB=$TEST_DIR/playbooks/pamd/site.yml

printf '[defaults]\ninterpreter_python = auto_silent\nretry_files_enabled = False\n' >ansible.cfg
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1

test_begin "pamd through gpuforge and ansible-playbook"
tb_up 2 || exit 1

# The service files with modes and owners, their contents (the time of the
# mark line left out), and the backups (named FILE.PID.TIME~) by content.
node_state() {
    tb_exec "$1" sh -c '[ -d /srv/pamd ] || exit 0; cd /srv/pamd &&
        find . -printf "%p %y %m %u %g\n" | sed "s/\.[0-9]*\.[0-9-]*@[0-9:]*~ / BACKUP /" | sort &&
        for f in $(find . -type f | sort); do echo "== $f" | sed "s/\.[0-9]*\.[0-9-]*@[0-9:]*~$/ BACKUP/"
            sed "s/^# Updated by Ansible - .*/# Updated by Ansible - TIME/" "$f"; done'
}
normalize() {
    sed -e 's/node[12]/NODE/g' "$1"
}
recap_field() {
    sed -n "s/.* $2=\([0-9]*\).*/\1/p" "$1" | tail -1
}

expect_success 'node1 has no Python at all' '
    tb_exec node1 sh -c "for p in /usr/bin/python3*; do mv \"\$p\" \"\$p.hidden\"; done" &&
    ! tb_exec node1 sh -c "command -v python3 || command -v python"
'

expect_success 'the service files, put there by both tools' '
    "$GF" run -i "$INV" -l node1 --tags fixtures "$PB" >gf0.out 2>&1 &&
    ansible-playbook -i "$INV" -l node2 --tags fixtures "$PB" >an0.out 2>&1 &&
    node_state node1 >s1 && node_state node2 >s2 && test_cmp s2 s1 &&
    grep -q "^== ./sshd" s1
'

expect_success '--check --diff changes nothing and prints what ansible-playbook prints' '
    node_state node1 >before1 &&
    "$GF" run -i "$INV" -l node1 --check --diff "$PB" >gfc.out 2>&1
    ansible-playbook -i "$INV" -l node2 --check --diff "$PB" >anc.out 2>&1
    cat gfc.out
    normalize anc.out >n2 && normalize gfc.out >n1 && test_cmp n2 n1 &&
    test "$(recap_field gfc.out changed)" = 8 && test "$(recap_field gfc.out ignored)" = 3 &&
    node_state node1 >after1 && test_cmp before1 after1
'

expect_success 'a run edits the files as ansible-playbook does, and prints the same' '
    "$GF" run -i "$INV" -l node1 "$PB" >gf1.out 2>&1
    ansible-playbook -i "$INV" -l node2 "$PB" >an1.out 2>&1
    cat gf1.out
    normalize an1.out >n2 && normalize gf1.out >n1 && test_cmp n2 n1 &&
    test "$(recap_field gf1.out changed)" = 8 &&
    grep -q "Unable to open/read PAM module file /srv/pamd/missing" n1 &&
    grep -q "Rule is not valid   # an indented comment" n1 &&
    grep -q "state is before but all of the following are missing: new_control, new_module_path" n1 &&
    node_state node1 >s1 && node_state node2 >s2 && test_cmp s2 s1 &&
    grep -q "^./sshd BACKUP f 644 root root" s1 &&
    sed -n "/^== .\/sshd$/,/^== /p" s1 >sshd && grep -q "^# Updated by Ansible - TIME$" sshd &&
    ! grep -q pam_motd sshd &&
    grep -q "^password   requisite pam_pwquality.so retry=3$" s1 &&
    grep -q "^-session   optional pam_systemd.so$" s1 && ! grep -q "tail comment" s1
'

expect_success 'a second run changes nothing, on both' '
    "$GF" run -i "$INV" -l node1 "$PB" >gf2.out 2>&1
    ansible-playbook -i "$INV" -l node2 "$PB" >an2.out 2>&1
    test "$(recap_field an2.out changed)" = 0 && test "$(recap_field gf2.out changed)" = 0 &&
    normalize an2.out >n2 && normalize gf2.out >n1 && test_cmp n2 n1 &&
    node_state node1 >s1b && test_cmp s1 s1b
'

test_done
