#!/bin/sh
# t0231-become-failure: a task whose become (sudo) fails ran nothing, so it
# reports failed and not changed, as Ansible does, with sudo's words.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}

test_begin "a failed become changes nothing"
tb_up 1 || exit 1

cat >become.yml <<'YML'
- hosts: node1
  gather_facts: false
  tasks:
    - name: command as a user that does not exist
      command: touch /tmp/gf-become-ran
      become: true
      become_user: nosuchuser
      ignore_errors: true
    - name: shell as a user that does not exist
      shell: touch /tmp/gf-become-ran
      become: true
      become_user: nosuchuser
      ignore_errors: true
    - name: raw as a user that does not exist
      raw: touch /tmp/gf-become-ran
      become: true
      become_user: nosuchuser
      ignore_errors: true
    - name: script as a user that does not exist
      script: touch.sh
      become: true
      become_user: nosuchuser
      ignore_errors: true
YML
printf '#!/bin/sh\ntouch /tmp/gf-become-ran\n' >touch.sh

expect_success 'failed become: failed, not changed, sudo says why' '
    "$GF" run -i "$INV" become.yml >out 2>&1; rc=$?
    cat out
    test $rc = 0 &&
    want="^fatal: \[node1\]: FAILED! => {\"changed\": false, \"module_stderr\": \"sudo: "
    test "$(grep -c "${want}unknown user nosuchuser" out)" = 4 &&
    grep -q "^node1 .*ok=4 .*changed=0 .*ignored=4" out &&
    ! tb_exec node1 test -e /tmp/gf-become-ran
'

expect_success 'the same tasks without the bad user do run and change' '
    sed "/^      become/d" become.yml >plain.yml &&
    "$GF" run -i "$INV" plain.yml >out 2>&1 && cat out &&
    grep -q "^node1 .*changed=4" out && tb_exec node1 test -e /tmp/gf-become-ran
'

test_done
