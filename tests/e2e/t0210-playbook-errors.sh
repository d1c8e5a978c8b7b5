#!/bin/sh
# t0210-playbook-errors: bad playbooks (YAML and template syntax, unknown
# modules, keywords and parameters, wrong types and choices, undefined
# variables, unknown handlers, missing files and roles) fail with the exact
# file:line:col message and exit 4 before any connection is made; a become
# password given as a canary never shows in output at -vvvv or on the node.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
BAD=$TEST_DIR/playbooks/bad

test_begin "playbook errors before anything runs, and become secrets"
tb_up 1 || exit 1

logins() { tb_exec node1 journalctl --no-pager -u ssh.service | grep -c "Accepted publickey"; }

expect_success 'one connection shows in the node log per run (the count works)' '
    before=$(logins) &&
    "$GF" exec -i "$INV" node1 -a true >/dev/null &&
    sleep 1 && test "$(logins)" -gt "$before"
'

for f in "$BAD"/*.yml; do
    name=$(basename "$f" .yml)
    expect_success "$name: exact file:line:col error, exit 4, no connection" '
        before=$(logins)
        (cd "$BAD" && "$GF" run -i "$INV" '"$name"'.yml) >out 2>err; rc=$?
        sed "s#$BAD#DIR#g; s#$HOME/#~/#g" err >err.n
        test $rc = 4 && test ! -s out && test_cmp "$BAD/'"$name"'.err" err.n &&
        sleep 1 && test "$(logins)" = "$before" &&
        ! tb_exec node1 test -e /tmp/gf-marker
    '
done

expect_success '--syntax-check finds the same errors and runs nothing' '
    (cd "$BAD" && "$GF" run -i "$INV" --syntax-check unknown-module.yml) 2>err; test $? = 4 &&
    grep -q "unknown-module.yml:7:7: unknown module .coppy." err
'

expect_success 'make a user whose sudo needs a password' '
    tb_exec node1 sh -c "useradd -m -s /bin/sh gfpw && echo gfpw:Canary-Pw-5519 | chpasswd &&
        echo \"gfpw ALL=(ALL) ALL\" >/etc/sudoers.d/gfpw && chmod 0440 /etc/sudoers.d/gfpw &&
        mkdir -p ~gfpw/.ssh && cp ~gf/.ssh/authorized_keys ~gfpw/.ssh/ &&
        chown -R gfpw: ~gfpw/.ssh" &&
    sed "s/ansible_user=gf\( \|\$\)/ansible_user=gfpw\1/" "$INV" >pw.ini &&
    cat >become.yml <<-\EOF2
	- hosts: all
	  gather_facts: false
	  become: true
	  tasks:
	    - command: id -u
	      register: who
	    - copy:
	        content: "written as {{ who.stdout }}\n"
	        dest: /root/gf-become
	        mode: "0600"
	    - shell: cat /tmp/echo-me
	      become: false
	      register: echoed
	    - debug:
	        var: echoed.stdout
	EOF2
    tb_exec node1 sh -c "echo Canary-Pw-5519 >/tmp/echo-me; chmod 644 /tmp/echo-me"
'

expect_success 'become with the password from the environment at -vvvv; it shows nowhere' '
    GPUFORGE_BECOME_PASSWORD=Canary-Pw-5519 "$GF" run -vvvv -i pw.ini become.yml >out 2>&1
    rc=$?
    cat out
    test $rc = 0 &&
    test "$(tb_exec node1 cat /root/gf-become)" = "written as 0" &&
    ! grep -q Canary-Pw-5519 out &&
    ! tb_exec node1 sh -c "journalctl --no-pager; ps -eo args" | grep -q Canary-Pw-5519
'

expect_code 2 'without the password, the become task fails cleanly (sudo needs a password)' '
    "$GF" run -i pw.ini become.yml >out 2>&1; rc=$?
    cat out
    grep -q "sudo needs a password" out || exit 9
    exit $rc
'

test_done
