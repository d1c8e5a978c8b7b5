#!/bin/sh
# t0150-local: the local connection (-c local, ansible_connection=local) as
# the tier that needs no root and no testbed node: the same playbook (blocks,
# rescue, handlers, loops, until, serial, register, check mode, and the file
# modules) run by ansible-playbook and by gpuforge on this machine as the
# user running the tests, each in a directory of its own, with tasks delegated
# to the implicit localhost: --check, a run, a
# second run and --check again print the same recaps, and the trees end
# alike (types, modes, sizes, contents).
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
PB=$TEST_DIR/playbooks/local/site.yml

test_begin "the local connection, side by side with ansible-playbook"
test_require ANSIBLE

printf '[defaults]\nretry_files_enabled = False\ninterpreter_python = auto_silent\n' >ansible.cfg
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1
# a user whose home is not writable (a CI user, nobody) still runs it
export ANSIBLE_REMOTE_TMP="$PWD/.ansible-remote" ANSIBLE_LOCAL_TEMP="$PWD/.ansible-local"
printf 'h1 ansible_connection=local\nh2 ansible_connection=local\n' >inv.ini
mkdir -p ans gf

# recap TOOL OUT: the recap lines of a run
recap() {
    sed -n '/^PLAY RECAP/,$p' "$1" | grep -E '^h[12] '
}

# tree DIR: every path with its type, mode, size and content hash
tree() {
    (cd "$1" && find . -mindepth 1 -printf '%P %y %m %s %l\n' | sort &&
        find . -type f -exec sha256sum {} + | sort -k2)
}

phase() {
    _name=$1
    shift
    ansible-playbook -i inv.ini "$@" -e root_dir="$PWD/ans" "$PB" >"ans.$_name" 2>&1
    echo $? >"ans.$_name.rc"
    "$GF" run -i inv.ini "$@" -e root_dir="$PWD/gf" "$PB" >"gf.$_name" 2>&1
    echo $? >"gf.$_name.rc"
    cat "gf.$_name"
    test_cmp "ans.$_name.rc" "gf.$_name.rc" &&
    recap "ans.$_name" >ra && recap "gf.$_name" >rg && test_cmp ra rg
}

expect_success '--check on an empty directory: the same recap, nothing written' '
    phase check1 --check &&
    test -z "$(ls -A gf)" && test -z "$(ls -A ans)"
'

expect_success 'a run: the same recap and the same tree' '
    phase run1 && tree ans >ta && tree gf >tg && test_cmp ta tg &&
    grep -q "^h1 .*changed=[1-9]" gf.run1 &&
    grep -q "RUNNING HANDLER \[note the change\]" gf.run1 &&
    for f in ans.run1 gf.run1; do
        grep -q "^changed: \[h1 -> localhost\]" $f && grep -q "^ok: \[h2 -> 127.0.0.1\]" $f || exit 1
    done
'

expect_success 'the second run changes nothing, as ansible-playbook says' '
    phase run2 && grep -Eq "^h1 +: ok=[0-9]+ +changed=0 " gf.run2 &&
    tree ans >ta && tree gf >tg && test_cmp ta tg
'

expect_success '--check after the runs: the same recap, nothing changed' '
    tree gf >before && phase check2 --check && tree gf >after && test_cmp before after
'

expect_success 'the debug output of both runs is the same' '
    grep -A2 "TASK \[the found files\]" ans.run2 >da && grep -A2 "TASK \[the found files\]" gf.run2 >dg &&
    test_cmp da dg
'

expect_success 'a command on the local connection: no stdin of ours, stderr, exit status, timeout' '
    echo in | "$GF" exec -i inv.ini h1 -a "cat; echo out; echo err >&2; exit 3" >out 2>&1; rc=$?
    cat out
    test $rc = 2 && grep -q "h1 | FAILED | rc=3" out && grep -q "^out" out && grep -q "^err" out &&
    ! grep -q "^in" out &&
    "$GF" exec -i inv.ini h1 --command-timeout 1 -- sleep 30 >out 2>&1; rc=$?
    cat out
    test $rc = 2 && grep -q "timed out after 1 s" out
'

cat >early-exit.yml <<'EOF'
- hosts: h1
  gather_facts: false
  tasks:
    - name: a command that exits before it reads its 1 MiB of stdin
      shell: exit 0
      args:
        stdin: "{{ 'x' * 1048576 }}"
    - debug: { msg: after the early exit }
EOF

# writing the rest of its stdin to a command that has exited once killed
# gpuforge with SIGPIPE (exit 141) more often than not
expect_success 'a command that exits before reading its stdin: the run goes on' '
    for i in 1 2 3; do
        "$GF" run -i inv.ini early-exit.yml >out 2>&1; rc=$?
        test $rc = 0 && grep -q "after the early exit" out &&
        grep -Eq "^h1 +: ok=2 +changed=1 .*failed=0" out || { cat out; echo "rc=$rc"; exit 1; }
    done
'

expect_success '-c local without an inventory entry for it' '
    "$GF" exec -i h9, -c local h9 -- id -un >out 2>&1 &&
    grep -q "^$(id -un)\$" out
'

# same PLAYBOOK: both tools' whole outputs and exit statuses alike (blank
# lines and trailing spaces aside; the one-line results of a task's hosts in
# name order, as both tools print them in the order the hosts finish)
same() {
    ansible-playbook -i inv.ini "$1" >same.ans 2>&1
    echo "rc $?" >>same.ans
    "$GF" run -i inv.ini "$1" >same.gf 2>&1
    echo "rc $?" >>same.gf
    for f in same.ans same.gf; do
        grep -v '^[[:space:]]*$' "$f" | sed 's/[[:space:]]*$//' |
            awk '/^(ok|changed|skipping|fatal): \[[^]]*\]/ && !/[{[]$/ { run[++n] = $0; next }
                 { for (i = 1; i <= n; i++) print run[i] | "sort"; close("sort"); n = 0; print }
                 END { for (i = 1; i <= n; i++) print run[i] | "sort" }' >"$f.n"
    done
    test_cmp same.ans.n same.gf.n
}

# fails KEYWORDS HOSTS: a playbook of two plays, the first over HOSTS with
# KEYWORDS failing on h1, the second over h2, run by both tools (same)
fails() {
    {
        printf -- '- hosts: %s\n  gather_facts: false\n%b  tasks:\n' "$2" "$1"
        printf '    - fail: msg=boom\n      when: inventory_hostname == "h1"\n'
        printf '    - debug: msg=after\n'
        printf -- '- hosts: h2\n  gather_facts: false\n  tasks:\n    - debug: msg=second\n'
    } >fails.yml
    same fails.yml
}

expect_success 'a batch whose every host failed ends the run: no later play' '
    fails "  serial: 1\n" "h1:h2" && grep -q "^rc 2" same.gf && ! grep -q second same.gf &&
    fails "" h1 && ! grep -q second same.gf
'

expect_success 'any_errors_fatal and max_fail_percentage end the run, NO MORE HOSTS LEFT' '
    fails "  any_errors_fatal: true\n" "h1:h2" && grep -q "NO MORE HOSTS LEFT" same.gf &&
    ! grep -q second same.gf &&
    fails "  max_fail_percentage: 0\n" "h1:h2" && ! grep -q second same.gf &&
    fails "  serial: 1\n  any_errors_fatal: true\n" "h1:h2"
'

expect_success 'a play where only some hosts failed goes on to the next' '
    fails "" "h1:h2" && grep -q second same.gf && grep -q after same.gf
'

expect_success 'a role in roles: and again in include_role: the handlers Ansible runs' '
    mkdir -p roles/r1/tasks roles/r1/handlers &&
    printf -- "- name: restart thing\n  debug: msg=\"from r1\"\n- name: other\n  debug: msg=other\n  listen: topic\n" \
        >roles/r1/handlers/main.yml &&
    printf -- "- name: change\n  command: \"true\"\n  notify: [restart thing, topic]\n" \
        >roles/r1/tasks/main.yml &&
    for h in "restart thing" "play handler"; do
        printf -- "- hosts: h1\n  gather_facts: false\n  roles: [r1]\n  handlers:\n" >hd.yml &&
        printf -- "    - name: %s\n      debug: msg=\"play handler\"\n" "$h" >>hd.yml &&
        printf -- "  tasks:\n    - include_role:\n        name: r1\n" >>hd.yml &&
        printf -- "    - name: by name\n      command: \"true\"\n      notify: [restart thing, %s]\n" "$h" >>hd.yml &&
        same hd.yml || return 1
    done &&
    test "$(grep -c "RUNNING HANDLER \[r1 : restart thing\]" same.gf)" = 2
'

test_done
