#!/bin/sh
# t0360-modules-more: replace, find, getent, ini_file, pam_limits,
# kernel_blacklist, timezone, authorized_key, validate (copy, template,
# lineinfile, blockinfile, replace), copy remote_src, stat attributes and
# file times side by side with
# ansible-playbook: the same playbook run by gpuforge on node1 (its Python
# removed) and by ansible-playbook on node2 leaves the same files, modes
# and owners, and both print the same (every task's ok/changed, the
# diffs); a second run changes nothing on either; --check --diff changes
# nothing and prints the same diffs. The user module's SSH keys and
# password ages are compared the same way.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
PB=$TEST_DIR/playbooks/more/site.yml

printf '[defaults]\ninterpreter_python = auto_silent\nretry_files_enabled = False\n' >ansible.cfg
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1

test_begin "replace, find, getent, ini_file, pam_limits, kernel_blacklist, timezone, authorized_key"
tb_up 2 || exit 1

# What a node holds after the playbook: the files with modes, owners and
# contents, the keys of keyuser and the time zone.
node_state() {
    tb_exec "$1" sh -c 'cd /srv/more && find . -printf "%p %y %m %u %g %s\n" | sort &&
        for f in $(find . -type f | sort); do echo "== $f"; cat "$f"; done &&
        stat -c "%n %a %U %G" /home/keyuser/.ssh /home/keyuser/.ssh/authorized_keys &&
        stat -c "%n %Y %X" stamped &&
        if [ "$(stat -c %Y app.ini)" = "$(stat -c %Y app.ini.copy)" ]; then
            echo "the copy has the times of its source"; fi &&
        cat /home/keyuser/.ssh/authorized_keys && readlink /etc/localtime; cat /etc/timezone'
}
# What each prints differs only in host names.
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

expect_success 'gpuforge runs the playbook on node1' '
    "$GF" run -i "$INV" -l node1 "$PB" >gf1.out 2>&1; rc=$?
    cat gf1.out
    test $rc = 0 && test "$(recap_field gf1.out failed)" = 0
'

expect_success 'ansible-playbook runs the same playbook on node2' '
    ansible-playbook -i "$INV" -l node2 "$PB" >an1.out 2>&1; rc=$?
    cat an1.out
    test $rc = 0
'

expect_success 'both print the same, task by task' '
    normalize an1.out >n2 && normalize gf1.out >n1 &&
    test "$(grep -c "^changed" n2)" -gt 15 && test_cmp n2 n1
'

expect_success 'both nodes hold the same files, modes, owners, keys and zone' '
    node_state node1 >s1 && node_state node2 >s2 &&
    grep -q "listen 127.0.0.1:8080" s2 && grep -q "^blacklist nouveau" s2 &&
    grep -q "^err 2 7 " s2 && grep -q Europe/Paris s2 && grep -q "^stamped 1577966645 " s2 &&
    grep -q "^the copy has the times of its source" s2 &&
    test "$(wc -l <s1)" -gt 40 && test_cmp s2 s1
'

expect_success 'a second run changes nothing, on both' '
    "$GF" run -i "$INV" -l node1 "$PB" >gf2.out 2>&1 &&
    ansible-playbook -i "$INV" -l node2 "$PB" >an2.out 2>&1 &&
    test "$(recap_field an2.out changed)" = 0 && test "$(recap_field gf2.out changed)" = 0 &&
    normalize an2.out >n2 && normalize gf2.out >n1 && test_cmp n2 n1
'

# (timedated would answer with the zone it read before: it is stopped)
expect_success '--check --diff changes nothing and prints what ansible-playbook prints' '
    for n in node1 node2; do
        tb_exec $n sh -c "printf \"listen 80\\n\" >>/srv/more/app.conf &&
            sed -i s/8080/9/ /srv/more/app.ini && : >/srv/more/blacklist.conf &&
            sed -i s/65536/5/ /srv/more/limits.conf && rm /srv/more/new.ini &&
            : >/home/keyuser/.ssh/authorized_keys &&
            ln -sf /usr/share/zoneinfo/Europe/Berlin /etc/localtime &&
            { systemctl stop systemd-timedated.service 2>/dev/null; true; }" || return 1
    done &&
    node_state node1 >before1 && node_state node2 >before2 &&
    "$GF" run -i "$INV" -l node1 --check --diff "$PB" >gfc.out 2>&1 &&
    ansible-playbook -i "$INV" -l node2 --check --diff "$PB" >anc.out 2>&1 &&
    test "$(recap_field gfc.out changed)" = 12 && grep -q "^+    .name.: .Europe/Paris" gfc.out &&
    grep -q "^+listen 127.0.0.1:80" gfc.out && grep -q "^+port = 8080" gfc.out &&
    normalize anc.out >n2 && normalize gfc.out >n1 && test_cmp n2 n1 &&
    node_state node1 >after1 && node_state node2 >after2 &&
    test_cmp before1 after1 && test_cmp before2 after2
'

expect_success 'a normal run repairs node1 to the state of node2' '
    "$GF" run -i "$INV" -l node1 "$PB" >gf3.out 2>&1 &&
    ansible-playbook -i "$INV" -l node2 "$PB" >an3.out 2>&1 &&
    normalize an3.out >n2 && normalize gf3.out >n1 && test_cmp n2 n1 &&
    node_state node1 >s1 && node_state node2 >s2 && test_cmp s2 s1
'

# The module warnings ansible-playbook prints (an SSH key that exists) are
# no part of gpuforge's output yet: they are left out of the comparison.
nowarn() {
    sed -e 's/node[12]/NODE/g' -e '/^\[WARNING\]: Found existing ssh key/,/generation$/d' "$1"
}
user_state() {
    tb_exec "$1" sh -c 'getent shadow agekey | cut -d: -f4,5 &&
        cd /home/agekey/.ssh && stat -c "%n %a %U %G" . id_ed25519 id_ed25519.pub deploy deploy.pub &&
        cut -d" " -f1,3 id_ed25519.pub && ssh-keygen -l -f deploy | cut -d" " -f1'
}

expect_success 'user: an SSH key and password ages, as ansible-playbook makes them' '
    UPB=$TEST_DIR/playbooks/more/users.yml &&
    "$GF" run -i "$INV" -l node1 "$UPB" >gfu1.out 2>&1 &&
    ansible-playbook -i "$INV" -l node2 "$UPB" >anu1.out 2>&1 &&
    nowarn anu1.out >n2 && nowarn gfu1.out >n1 && test_cmp n2 n1 &&
    grep -q "^changed" n1 &&
    user_state node1 >u1 && user_state node2 >u2 && test_cmp u2 u1 &&
    grep -q "^1:90$" u1 && grep -q "^ssh-ed25519 agekey@test$" u1 && grep -q "^2048$" u1 &&
    "$GF" run -i "$INV" -l node1 "$UPB" >gfu2.out 2>&1 &&
    ansible-playbook -i "$INV" -l node2 "$UPB" >anu2.out 2>&1 &&
    test "$(recap_field gfu2.out changed)" = 0 && test "$(recap_field anu2.out changed)" = 0 &&
    nowarn anu2.out >n2 && nowarn gfu2.out >n1 && test_cmp n2 n1
'

test_done
