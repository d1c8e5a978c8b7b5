#!/bin/sh
# t0270-lookups-include-vars: lookup plugins (file, template, env, pipe, lines,
# fileglob, first_found, vars, varnames, password, sequence, nested, dict),
# include_vars (its precedence against task vars and set_fact, dir, name,
# first_found in a role, in a loop), set_fact in a loop with templated names,
# ansible_managed in a template and the ansible.utils IP filters: the same
# playbook run by gpuforge on node1 and by ansible-playbook on node2 leaves
# the same files; failures name the plugin; a password file is created once,
# mode 0600, never shown.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
PB=$TEST_DIR/playbooks/lookups/site.yml

printf '[defaults]\ninterpreter_python = auto_silent\nretry_files_enabled = False\n' >ansible.cfg
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1 GF_LK_ENV=from-env

test_begin "lookups and include_vars through gpuforge and ansible-playbook"
if ! ansible-doc -t filter ansible.utils.ipaddr >/dev/null 2>&1; then
    test_skip_all "ansible-playbook with the ansible.utils collection is missing"
fi
tb_up 2 || exit 1

expect_success 'gpuforge runs the playbook on node1' '
    "$GF" run -i "$INV" -l node1 -e pwdir="$PWD" "$PB" >gf.out 2>&1; rc=$?
    cat gf.out
    test $rc = 0
'

expect_success 'the password file: created on the controller, 0600, not in the output' '
    test "$(stat -c %a gf-lk.creds)" = 600 &&
    pw=$(cat gf-lk.creds) && test ${#pw} = 24 &&
    test "$(tb_exec node1 cat /tmp/gf-lk/password)" = "$pw" &&
    ! grep -q "$pw" gf.out
'

expect_success 'ansible-playbook runs the same playbook on node2' '
    ansible-playbook -i "$INV" -l node2 -e pwdir="$PWD" "$PB" >an.out 2>&1; rc=$?
    tail -5 an.out
    test $rc = 0
'

for f in vars lookups password role managed; do
    expect_success "/tmp/gf-lk/$f is the same on both nodes" "
        tb_exec node1 cat /tmp/gf-lk/$f | sed s/node1/NODE/g >gf.$f &&
        tb_exec node2 cat /tmp/gf-lk/$f | sed s/node2/NODE/g >an.$f &&
        test_cmp an.$f gf.$f
    "
done

expect_success 'the results are the expected ones' '
    grep -qx "level=include_vars" gf.vars &&
    grep -qx "task_level=include_vars" gf.vars &&
    grep -qx "shared=from set_fact" gf.vars &&
    grep -qx "from_file=B-templated" gf.vars &&
    grep -qx "hostvars=include_vars" gf.vars &&
    grep -qx "looped=A B" gf.vars &&
    grep -qx "raw=raw {{ not_templated }} text" gf.lookups &&
    grep -qx "env=from-env dflt" gf.lookups &&
    grep -qx "ip=10.233.0.1" gf.lookups &&
    grep -qx "wrap=\[fd00::1\] 10.0.0.1" gf.lookups &&
    grep -qx "file=role file" gf.role &&
    grep -qx "# Ansible managed" gf.managed &&
    grep -qx "os_var=from role vars/debian.yml" gf.role
'

cat >bad.yml <<'EOT'
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.debug:
        msg: "{{ lookup('file', 'no-such-file') }}"
EOT
expect_code 2 'a missing file fails the task, naming the plugin and the file' '
    "$GF" run -i "$INV" -l node1 bad.yml >out 2>&1; rc=$?
    cat out
    grep -q "lookup plugin .file.: could not locate file in lookup: no-such-file" out &&
    exit $rc
'

cat >bad2.yml <<'EOT'
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.debug:
        msg: "{{ lookup('url', 'http://127.0.0.1/') }}"
EOT
expect_code 2 'a plugin gpuforge lacks is refused by name' '
    "$GF" run -i "$INV" -l node1 bad2.yml >out 2>&1; rc=$?
    cat out
    grep -q "lookup plugin .url. is not supported" out && exit $rc
'

test_done
