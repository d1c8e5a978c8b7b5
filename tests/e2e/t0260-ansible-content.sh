#!/bin/sh
# t0260-ansible-content: what third-party Ansible content relies on, run on
# real nodes: include_tasks in loops and with names each host templates,
# include_role with apply, keywords given as templates (become on a role
# reference, ignore_errors, environment), role vars directories,
# meta: reset_connection, handlers that are blocks and includes, modules
# gpuforge lacks (failing loudly only where reached), with_NAME loops over an
# unknown lookup plugin, remote_user, wait_for_connection, async; then the static
# checks over the compatibility corpus, when it is present.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
PB=$TEST_DIR/playbooks/ansible-content
CORPUS=$TEST_DIR/../../../shared/compat/corpus

test_begin "Ansible content features on a 2-node testbed"
tb_up 2 || exit 1

expect_success 'an inventory where each host picks its flavour' '
    sed -e "/^node1 /s/\$/ flavour=one/" -e "/^node2 /s/\$/ flavour=two/" "$INV" >inv.ini
'

expect_code 2 'the run: node2 fails where its ignore_errors template is false' '
    "$GF" run -i inv.ini "$PB/site.yml" >out 2>&1; rc=$?
    cat out
    exit $rc
'

expect_success 'include_tasks in a loop: each item with its loop and index variables' '
    for n in node1 node2; do
        test "$(tb_exec $n cat /tmp/gf-ac-mount-alpha)" = "alpha 0" &&
        test "$(tb_exec $n cat /tmp/gf-ac-mount-beta)" = "beta 1" || exit 1
    done &&
    grep -q "^included: .*/mount-one.yml for node1, node2 => (item=alpha)\$" out &&
    grep -q "^included: .*/mount-one.yml for node1, node2 => (item=beta)\$" out
'

expect_success 'include_tasks and include_role with names each host templates; apply' '
    test "$(tb_exec node1 cat /tmp/gf-ac-flavour)" = one &&
    test "$(tb_exec node2 cat /tmp/gf-ac-flavour)" = two &&
    grep -q "^included: .*/per-host-one.yml for node1\$" out &&
    grep -q "^included: .*/per-host-two.yml for node2\$" out &&
    test "$(tb_exec node1 cat /tmp/gf-ac-role)" = root &&
    test "$(tb_exec node2 cat /tmp/gf-ac-role)" = "two root"
'

expect_success 'a role reference with a templated become; vars/main/ merged in order' '
    test "$(tb_exec node1 cat /tmp/gf-ac-stamp-node1)" = "root first second dflt from-param" &&
    test "$(tb_exec node2 cat /tmp/gf-ac-stamp-node2)" = "gf first second dflt from-param"
'

expect_success 'environment given as a template, per host' '
    test "$(tb_exec node1 cat /tmp/gf-ac-env)" = teal-node1 &&
    test "$(tb_exec node2 cat /tmp/gf-ac-env)" = teal-node2
'

expect_success 'handlers that are a block (its become pushed down) and an include_tasks' '
    for n in node1 node2; do
        test "$(tb_exec $n cat /tmp/gf-ac-handler-block)" = root &&
        test "$(tb_exec $n cat /tmp/gf-ac-handler-include)" = included || exit 1
    done
'

expect_success 'meta: reset_connection opens a new session' '
    for n in node1 node2; do
        a=$(tb_exec $n cat /tmp/gf-ac-sess1) && b=$(tb_exec $n cat /tmp/gf-ac-sess2) &&
        c=$(tb_exec $n cat /tmp/gf-ac-sess3) && test "$a" = "$b" && test "$b" != "$c" || exit 1
    done
'

expect_success 'a templated ignore_errors: node1 ignored and went on, node2 stopped' '
    grep -q "^...ignoring" out &&
    test "$(tb_exec node1 cat /tmp/gf-ac-after)" = "went on" &&
    ! tb_exec node2 test -e /tmp/gf-ac-after &&
    grep -Eq "node1 +: ok=.* failed=0 .* ignored=1" out &&
    grep -Eq "node2 +: ok=.* failed=1 " out
'

expect_code 2 'a module or parameter gpuforge lacks fails on the node that reaches it' '
    "$GF" run -i inv.ini "$PB/unimplemented.yml" >out 2>&1; rc=$?
    cat out
    grep "^fatal: \[node2\]: FAILED! => {.*module .ansible.builtin.dnf. is not implemented" out |
        grep -q "by gpuforge (task at .*unimplemented.yml:5:7, host .node2.)" &&
    grep -q "^skipping: \[node1\]" out &&
    grep "^fatal: \[node1\]: FAILED! => {.*module .file.: Ansible.s parameter" out |
        grep -q "selevel. is not implemented by gpuforge" &&
    grep -Eq "node1 +: ok=0 .*failed=1 +skipped=1" out &&
    exit $rc
'

expect_code 2 'a with_NAME loop over an unknown lookup plugin fails naming it' '
    "$GF" run -i inv.ini -l node1 "$PB/lookup-loop.yml" >out 2>&1; rc=$?
    cat out
    grep "lookup-loop.yml:8:.*with_no_such_plugin: " out |
        grep -q "lookup plugin .no_such_plugin. is not supported" &&
    exit $rc
'

expect_code 2 'remote_user (play, task, templated), wait_for_connection, async with poll' '
    sed -e "s/ ansible_user=gf//" "$INV" >nouser.ini &&
    "$GF" run -i nouser.ini -u nosuchuser -l node1 "$PB/connection.yml" >out 2>&1; rc=$?
    cat out
    test "$(tb_exec node1 cat /tmp/gf-ac-login)" = gf &&
    test "$(tb_exec node1 cat /tmp/gf-ac-login-task)" = gf &&
    test "$(tb_exec node1 cat /tmp/gf-ac-waited)" -ge 1 &&
    test "$(tb_exec node1 cat /tmp/gf-ac-async)" = done &&
    test "$(tb_exec node1 cat /tmp/gf-ac-async-result)" = \
        "1 True async task did not complete within the requested time - 2s" &&
    sleep 7 && ! tb_exec node1 test -e /tmp/gf-ac-async-late &&
    grep "async with poll: 0 (a background job checked later with async_status)" out |
        grep -q "is not supported by gpuforge (task at .*connection.yml:48:7, host .node1.)" &&
    exit $rc
'

expect_success 'the inventory user wins over remote_user, as in Ansible' '
    printf "%s\n" "- hosts: node1" "  gather_facts: false" "  remote_user: nosuchuser" \
        "  tasks:" "    - ansible.builtin.command: \"true\"" >ru.yml &&
    "$GF" run -i "$INV" ru.yml >out 2>&1 || { cat out; exit 1; }
'

test_begin "static checks over the compatibility corpus"
if [ ! -f "$CORPUS/items.tsv" ]; then
    echo "# skipped: no corpus at $CORPUS"
else
    expect_success 'every corpus item passes --syntax-check' '
        fails=0
        while IFS="	" read -r id dir pb inv rp; do
            case $id in "#"*|"") continue ;; esac
            (cd "$CORPUS/$dir" && ANSIBLE_ROLES_PATH=$rp "$GF" run -i "$inv" --syntax-check "$pb") \
                >item.out 2>&1 || { echo "FAIL $id:"; cat item.out; fails=$((fails + 1)); }
        done <"$CORPUS/items.tsv"
        test $fails = 0
    '

    # The full static checks (module arguments, undefined variables) run
    # before every run; --list-tasks runs them and contacts nobody.
    expect_success 'every corpus item passes the full static checks (--list-tasks)' '
        fails=0
        while IFS="	" read -r id dir pb inv rp; do
            case $id in "#"*|"") continue ;; esac
            (cd "$CORPUS/$dir" && ANSIBLE_ROLES_PATH=$rp "$GF" run -i "$inv" --list-tasks "$pb") \
                >item.out 2>&1 || { echo "FAIL $id:"; cat item.out; fails=$((fails + 1)); }
        done <"$CORPUS/items.tsv"
        test $fails = 0
    '
fi

test_done
