#!/bin/sh
# t0110-exec: `gpuforge exec` on real nodes: output per host, exit codes,
# become with and without a sudo password (the password never shows), output
# cap, command timeout, ProxyJump through another node.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}

test_begin "exec on a 3-node testbed"
tb_up 3 || exit 1

expect_success 'exec runs the command on every host, output not interleaved' '
    "$GF" exec -i "$INV" all -- "hostname; echo to-stderr >&2" >out &&
    for n in node1 node2 node3; do
        grep -A2 "^$n | CHANGED | rc=0 >>" out | grep -qx "$n" || exit 1
    done &&
    test "$(grep -c "^to-stderr" out)" = 3
'

expect_success 'exec -a works like ansible -a' '
    "$GF" exec -i "$INV" node2 -a "echo hello" >out && grep -qx hello out
'

expect_code 2 'a failing command exits 2 and shows rc' '
    "$GF" exec -i "$INV" all -- "test \$(hostname) != node2" >out; rc=$?
    cat out
    grep -q "^node2 | FAILED | rc=1 >>" out && grep -q "^node1 | CHANGED | rc=0" out || exit 9
    exit $rc
'

expect_success 'exec -b runs as root' '
    "$GF" exec -i "$INV" all -b -- id -u >out &&
    test "$(grep -cx 0 out)" = 3
'

expect_success 'make a user whose sudo needs a password' '
    tb_exec node2 sh -c "useradd -m -s /bin/sh gfpw && echo gfpw:Canary-Pw-7731 | chpasswd &&
        echo \"gfpw ALL=(ALL) ALL\" >/etc/sudoers.d/gfpw && chmod 0440 /etc/sudoers.d/gfpw &&
        mkdir -p ~gfpw/.ssh && cp ~gf/.ssh/authorized_keys ~gfpw/.ssh/ &&
        chown -R gfpw: ~gfpw/.ssh" &&
    sed "/^node2 /s/ansible_user=gf\( \|\$\)/ansible_user=gfpw\1/" "$INV" >pw.ini &&
    grep "^node2 .*ansible_user=gfpw" pw.ini
'

expect_success 'become with a password on stdin, at -vvvv; the password appears nowhere' '
    # the command echoes the secret from a file (so it is in no command line)
    tb_exec node2 sh -c "echo Canary-Pw-7731 >/tmp/echo-me; chmod 644 /tmp/echo-me" &&
    GPUFORGE_BECOME_PASSWORD=Canary-Pw-7731 "$GF" exec -vvvv -i pw.ini node2 -b \
        -- "id -u; cat /tmp/echo-me >&2" >out 2>&1
    rc=$?
    cat out
    test $rc = 0 && grep -qx 0 out || exit 1
    # the command echoed the secret: it is masked
    grep -q "^\*\*\*\*\*\*\*\*$" out || exit 1
    ! grep -q Canary-Pw-7731 out || exit 1
    # nor in the node journal (sudo logs the command it ran) or process table
    tb_exec node2 journalctl --no-pager | grep -q "COMMAND=/bin/sh -c .echo GFREADY" || exit 1
    ! tb_exec node2 sh -c "journalctl --no-pager; ps -eo args" | grep -q Canary-Pw-7731
'

expect_code 2 'a wrong become password fails cleanly and is not shown' '
    GPUFORGE_BECOME_PASSWORD=Wrong-Canary-99 "$GF" exec -i pw.ini node2 -b -- id -u >out 2>&1; rc=$?
    cat out
    grep -q "incorrect become password" out && ! grep -q Wrong-Canary-99 out || exit 9
    exit $rc
'

expect_code 2 'become without a password where sudo needs one says so' '
    "$GF" exec -i pw.ini node2 -b -- id -u >out 2>&1; rc=$?
    cat out
    grep -q "sudo needs a password" out || exit 9
    exit $rc
'

expect_success '--output-cap truncates and says so' '
    "$GF" exec -i "$INV" node1 --output-cap 1024 -- "head -c 100000 /dev/zero | tr \"\\0\" x" >out &&
    grep -q "output truncated" out && test "$(wc -c <out)" -lt 2000
'

expect_code 2 '--command-timeout stops a command that hangs, on the node too' '
    "$GF" exec -i "$INV" node1 --command-timeout 2 -- sleep 3101 >out; rc=$?
    cat out
    grep -q "timed out after 2 s" out || exit 9
    sleep 1
    ! tb_exec node1 pgrep -f "sleep 3101" || exit 9
    exit $rc
'

expect_code 2 'a sudo that never answers is given up on and ended on the node' '
    tb_exec node3 sh -c "cp /etc/pam.d/sudo /etc/pam.d/sudo.orig &&
        echo \"session required pam_exec.so /bin/sleep 3202\" >>/etc/pam.d/sudo" &&
    "$GF" exec -i "$INV" node3 -b --command-timeout 3 -- id -u >out 2>&1; rc=$?
    sleep 1
    tb_exec node3 pgrep -a -x sudo >procs
    tb_exec node3 sh -c "mv /etc/pam.d/sudo.orig /etc/pam.d/sudo; pkill -f \"[s]leep 3202\""
    cat out procs
    grep -Eq "timed out after 3 s|neither a password prompt nor the command started" out || exit 9
    test ! -s procs || exit 9
    exit $rc
'

cat >stdin-faults.yml <<'EOF'
- hosts: node1
  gather_facts: false
  tasks:
    - name: a command that closes its stdin and kills itself
      shell: "exec 0<&-; kill -9 $$"
      ignore_errors: true
    - name: a command that reads all of its stdin
      command: cat
      args: { stdin: "its own input" }
      register: all_in
    - name: a command that reads stdin when it was given none
      shell: "cat; echo read-to-the-end"
      register: no_in
    - name: the next command runs normally
      command: echo next-ok
      register: next
    - debug: { msg: "in=[{{ all_in.stdout }}] none=[{{ no_in.stdout }}] next=[{{ next.stdout }}]" }
EOF

expect_success 'a command that kills itself or reads all of stdin leaves the next one intact' '
    timeout 120 "$GF" run -i "$INV" stdin-faults.yml >out 2>&1; rc=$?
    cat out
    test $rc = 0 &&
    grep -q "in=\[its own input\] none=\[read-to-the-end\] next=\[next-ok\]" out &&
    grep -q "^node1 .*ok=5 .*failed=0 .*ignored=1" out
'

# more input than the SSH window (2 MiB from OpenSSH) to a command that writes
# first: the controller must take the window's growth in while that output waits
# unread (it once spun forever, with a channel per command and framed alike)
cat >big-stdin.yml <<'EOF'
- hosts: node1
  gather_facts: false
  tasks:
    - name: a command that writes before it reads 3 MiB of stdin
      shell: echo start; wc -c
      args:
        stdin: "{{ 'x' * 3145728 }}"
      register: big
    - debug: { msg: "big=[{{ big.stdout_lines | join(',') }}]" }
EOF

expect_success 'a command that writes before reading 3 MiB of stdin gets all of it' '
    timeout 60 "$GF" run -i "$INV" big-stdin.yml >out 2>&1; rc=$?
    grep -v "^ *$" out | tail -4
    test $rc = 0 && grep -q "big=\[start,3145729\]" out
'

cat >shell-kill.yml <<'EOF'
- hosts: node1
  gather_facts: false
  tasks:
    - name: a command that ends the shell that runs it
      raw: "kill -9 $$"
      ignore_errors: true
    - name: the next command
      command: echo after-the-kill
      register: next
    - name: a command that leaves a process behind that ends the shell a second later
      raw: "(sleep 1; kill -9 $$) </dev/null >/dev/null 2>&1 &"
    - pause: { seconds: 2 }
    - name: a command after the shell ended while idle
      command: echo after-idle
      register: idle
    - debug: { msg: "next=[{{ next.stdout }}] idle=[{{ idle.stdout }}]" }
EOF

expect_success 'a command that ends its shell is reported; with the framed shell the next one runs' '
    timeout 120 "$GF" run -i "$INV" shell-kill.yml >out 2>&1
    cat out
    if [ "${GPUFORGE_FRAMED:-1}" != 0 ]; then
        grep -q "ended without an exit status" out &&
        grep -q "next=\[after-the-kill\] idle=\[after-idle\]" out &&
        grep -q "^node1 .*ok=6 .*failed=0 .*ignored=1" out
    else
        grep -q "ended without an exit status" out
    fi
'

# Each script text goes to a framed shell once and is named after that;
# scripts and short stdin travel as lines, which the shell reads with
# `read`: every byte must arrive, whatever the content.
cat >lines.yml <<'EOF'
- hosts: node1
  gather_facts: false
  become: true
  vars:
    contents:
      - "no newline at the end"
      - "a\\b\\\\c '\"$HOME\"' `x` $(y) %s %%\n"
      - "  leading and trailing blanks\t \n\n\n"
      - "\r\ncrlf\r\n"
      - "h\u00e9llo \u2713\n"
      - "\n"
      - "-n"
      - "{{ 'y' * 1500 }}"
  tasks:
    - copy: { content: "{{ item }}", dest: "/tmp/gf-lines-{{ i }}" }
      loop: "{{ contents }}"
      loop_control: { index_var: i }
    - stat: { path: "/tmp/gf-lines-{{ i }}", checksum_algorithm: sha1 }
      loop: "{{ contents }}"
      loop_control: { index_var: i }
      register: st
    - command: sha1sum
      args: { stdin: "{{ item }}", stdin_add_newline: false }
      loop: "{{ contents }}"
      register: sums
      changed_when: false
    - assert:
        that:
          - st.results[i].stat.checksum == item | hash('sha1')
          - sums.results[i].stdout.split()[0] == item | hash('sha1')
      loop: "{{ contents }}"
      loop_control: { index_var: i }
    - name: copied again, each is the same; a file that differs by a NUL byte only is not
      copy: { content: "{{ item }}", dest: "/tmp/gf-lines-{{ i }}" }
      loop: "{{ contents }}"
      loop_control: { index_var: i }
      register: again
    - shell: printf 'no newline at\000 the end' >/tmp/gf-lines-0
    - copy: { content: "{{ contents[0] }}", dest: /tmp/gf-lines-0 }
      register: nul
    - assert: { that: [ "again is not changed", "nul is changed" ] }
    - name: end the shell that holds the script texts
      raw: "kill -9 $$"
      ignore_errors: true
    - copy: { content: "after\n", dest: /tmp/gf-lines-after }
    - file: { path: /tmp/gf-lines-after, mode: "0600" }
    - stat: { path: /tmp/gf-lines-after, checksum_algorithm: sha1 }
      register: after
    - assert: { that: [ "after.stat.checksum == 'after\n' | hash('sha1')", "after.stat.mode == '0600'" ] }
EOF

expect_success 'script texts go once per shell; scripts and stdin sent as lines keep every byte' '
    timeout 120 "$GF" run -i "$INV" -vvv lines.yml >out 2>&1; rc=$?
    grep -v "^debug" out | tail -3
    test $rc = 0 && grep -q "^node1 .*failed=0 .*ignored=1" out || { cat out; exit 1; }
    [ "${GPUFORGE_FRAMED:-1}" != 0 ] || exit 0
    # the copy module: tmpfile.sh and copy_put.sh, sent with the first copy
    # and with the first after the shell was ended, named by every other
    grep "^debug3: node1: frame: " out >frames
    grep -c "frame: 2 script texts sent, 2 named; script as lines, stdin as lines, stdout direct" frames >n
    test "$(cat n)" -ge 2 &&
    grep -q "frame: 0 script texts sent, 2 named; script as lines, stdin as lines, stdout direct" frames &&
    grep -q "frame: 0 script texts sent, 2 named; script as lines, stdin as bytes, stdout direct" frames &&
    grep -q "frame: 0 script texts sent, 1 named; script as lines, stdin as lines, stdout copied" frames &&
    grep -q "frame: 0 script texts sent, 1 named; script as lines, stdin as bytes, stdout copied" frames
'

cat >reset.yml <<'EOF'
- hosts: node1
  gather_facts: false
  tasks:
    - name: the shell that runs a raw command
      raw: echo $$
      register: s1
    - name: and the next one
      raw: echo $$
      register: s2
    - meta: reset_connection
    - name: the shell of the first command has ended (within 5 s)
      raw: "i=0; while kill -0 {{ s1.stdout | trim }} 2>/dev/null; do i=$((i + 1));
        [ $i -lt 50 ] || exit 1; sleep 0.1; done; echo $$"
      register: s3
    - debug: { msg: "s1=[{{ s1.stdout | trim }}] s2=[{{ s2.stdout | trim }}] s3=[{{ s3.stdout | trim }}]" }
EOF

expect_success 'meta: reset_connection ends the shell; the next command gets a new one' '
    timeout 120 "$GF" run -i "$INV" reset.yml >out 2>&1; rc=$?
    cat out
    test $rc = 0 || exit 1
    s1=$(sed -n "s/.*s1=\[\([0-9]*\)\] s2=.*/\1/p" out)
    s2=$(sed -n "s/.*s2=\[\([0-9]*\)\] s3=.*/\1/p" out)
    s3=$(sed -n "s/.*s3=\[\([0-9]*\)\].*/\1/p" out)
    test -n "$s1" && test -n "$s2" && test -n "$s3" && test "$s3" != "$s1" || exit 1
    if [ "${GPUFORGE_FRAMED:-1}" != 0 ]; then
        test "$s1" = "$s2"      # one shell for both commands
    else
        test "$s1" != "$s2"     # a shell per command
    fi
'

expect_success 'GPUFORGE_FRAMED=0: a shell per command, as before the framed shell' '
    GPUFORGE_FRAMED=0 timeout 120 "$GF" run -i "$INV" reset.yml >out 2>&1 || { cat out; exit 1; }
    s1=$(sed -n "s/.*s1=\[\([0-9]*\)\] s2=.*/\1/p" out)
    s2=$(sed -n "s/.*s2=\[\([0-9]*\)\] s3=.*/\1/p" out)
    echo "s1=$s1 s2=$s2"
    test -n "$s1" && test -n "$s2" && test "$s1" != "$s2"
'

cat >trace.yml <<'EOF'
- hosts: node1
  gather_facts: false
  tasks:
    - copy: { content: "trace-canary-3141\n", dest: /tmp/gf-trace.txt }
      become: true
      no_log: true
    - command: echo trace
EOF

expect_success '-vvv names the module, scripts and bytes that went to each host, not the content' '
    timeout 120 "$GF" run -i "$INV" -vvv trace.yml >out 2>&1 || { cat out; exit 1; }
    how="through the framed shell"
    [ "${GPUFORGE_FRAMED:-1}" != 0 ] || how="on a channel of its own"
    grep "^debug3: node1: module copy: scripts .*copy_put.sh: [0-9]* bytes of script, 18 bytes on stdin, as root, $how\$" out &&
    grep "^debug3: node1: module command: scripts command_exec.sh: [0-9]* bytes of script, 0 bytes on stdin, as the login user, $how\$" out &&
    ! grep -F trace-canary out &&
    timeout 120 "$GF" run -i "$INV" -vv trace.yml >out 2>&1 && ! grep debug3 out
'

cat >faults.yml <<'EOF'
- hosts: node3
  gather_facts: false
  tasks:
    - name: a command that is running when the fault starts
      shell: touch /tmp/gf-fault-go; sleep 6; echo survived
    - name: the next command
      command: echo after
EOF

# fault_when_running FAULT...: applies the fault to node3 once the first task runs
fault_when_running() {
    tb_exec node3 rm -f /tmp/gf-fault-go
    (
        i=0
        until tb_exec node3 test -e /tmp/gf-fault-go 2>/dev/null; do
            i=$((i + 1)); [ $i -lt 300 ] || exit 1; sleep 0.2
        done
        tb_fault node3 "$@"
    ) &
}

expect_code 3 'sshd killed mid-command: the host is unreachable, the outcome unknown' '
    fault_when_running kill-sshd
    timeout 120 "$GF" run -i "$INV" faults.yml >out 2>&1; rc=$?
    wait
    tb_fault node3 start-sshd
    cat out
    grep -q "^fatal: \[node3\]: UNREACHABLE! .*connection lost while running the command" out ||
        exit 9
    exit $rc
'

expect_code 3 'all packets to a node lost: its next command is unreachable within the connect timeout' '
    fault_when_running netem "loss 100%"
    start=$(date +%s)
    timeout 120 "$GF" run -T 5 --command-timeout 60 -i "$INV" faults.yml >out 2>&1; rc=$?
    end=$(date +%s)
    wait
    tb_fault node3 heal
    cat out
    grep -q "^fatal: \[node3\]: UNREACHABLE! .*the host did not answer" out &&
        test $((end - start)) -lt 40 || exit 9
    exit $rc
'

cat >readahead.yml <<'EOF'
- hosts: node3
  gather_facts: false
  tasks:
    - copy: { content: "read ahead\n", dest: /tmp/gf-readahead, mode: "0640" }
      become: true
    - command: cat /tmp/gf-readahead
      become: true
      register: back
    - command: echo as the login user
      register: login
    - assert: { that: [ "back.stdout == 'read ahead'", "login.stdout == 'as the login user'" ] }
EOF

# busybox's head -c reads a pipe ahead of its count: the framed shell would
# lose the next frame to it, so it does not start there and says why
cat >readahead-head <<'EOF'
#!/bin/sh
# head -c N of a pipe that reads all of it first, as busybox's head does
if [ $# = 2 ]; then t=$(mktemp); cat >"$t"; /usr/bin/head "$@" "$t"; rm -f "$t"; else exec /usr/bin/head "$@"; fi
EOF

expect_success 'a head that reads ahead: no framed shell, commands take channels (-v says why)' '
    tb_exec node3 sh -c "cat >/usr/local/bin/head && chmod 755 /usr/local/bin/head" <readahead-head &&
    tb_exec node3 sh -c "printf \"ab\\ncd\\n\" | { head -c 3 >/dev/null; read -r l; echo \"[\$l]\"; }" >ra
    cat ra; grep -qx "\[\]" ra || { tb_exec node3 rm -f /usr/local/bin/head; exit 1; }
    timeout 120 "$GF" run -v -i "$INV" readahead.yml >out 2>&1; rc=$?
    tb_exec node3 rm -f /usr/local/bin/head
    grep -v "^ *$" out | tail -3
    test $rc = 0 && grep -q "^node3 .*ok=4 .*failed=0" out || exit 1
    [ "${GPUFORGE_FRAMED:-1}" != 0 ] || exit 0
    grep -q "did not start (exit status 69): head -c reads past its count here; commands with become take a channel each" out &&
    grep -q "did not start (exit status 69): head -c reads past its count here; commands take a channel each" out
'

cat >latin1.yml <<'EOF'
- hosts: node3
  gather_facts: false
  tasks:
    - raw: 'echo "[$BASH_VERSION|$LANG]"'
      become: true
      register: sh
    - copy: { src: latin1.txt, dest: /tmp/gf-latin1 }
      become: true
    - command: sha1sum /tmp/gf-latin1
      register: sum
      changed_when: false
    - assert:
        that:
          - "sh.stdout is search('^\\[5[.].*[|]C.UTF-8\\]')"
          - "sum.stdout.split()[0] == want"
EOF

# bash's read in a UTF-8 locale takes the newline after an unfinished
# multibyte sequence for part of it: what is not ASCII goes as bytes
expect_success 'bash as /bin/sh in a UTF-8 locale: Latin-1 content arrives whole' '
    printf "caf\\351\\nna\\357ve \\303\\nend\\n" >latin1.txt &&
    want=$(sha1sum <latin1.txt | cut -c1-40) &&
    tb_exec node3 sh -c "ln -sf bash /bin/sh && echo LANG=C.UTF-8 >/etc/default/locale" &&
    timeout 120 "$GF" run -i "$INV" --command-timeout 30 -e want="$want" latin1.yml >out 2>&1; rc=$?
    tb_exec node3 sh -c "ln -sf dash /bin/sh && rm -f /etc/default/locale"
    grep -v "^ *$" out | tail -3
    test $rc = 0 && grep -q "^node3 .*failed=0" out
'

expect_code 2 'where sudo needs a tty, become says so (framed: -v says why it took channels)' '
    tb_exec node3 sh -c "echo \"Defaults:gf requiretty\" >/etc/sudoers.d/zz-tty &&
        chmod 0440 /etc/sudoers.d/zz-tty" &&
    "$GF" exec -v -i "$INV" node3 -b -- id -u >out 2>&1; rc=$?
    tb_exec node3 rm -f /etc/sudoers.d/zz-tty
    cat out
    grep -q "sudo requires a tty" out || exit 9
    if [ "${GPUFORGE_FRAMED:-1}" != 0 ]; then
        grep -q "framed shell did not start.*commands with become take a channel each" out ||
            exit 9
    fi
    exit $rc
'

expect_success 'ProxyJump through node1 reaches node3 (node3 sees node1 connect)' '
    a1=$(tb_addr node1)
    sed "s|^\(node3 .*\)$|\1 ansible_ssh_extra_args=\"-o ProxyJump=gf@$a1\"|" "$INV" >jump.ini &&
    grep "^node3" jump.ini &&
    "$GF" exec -i jump.ini node3 -- "echo \$SSH_CONNECTION" >out && cat out &&
    grep -q "^$a1 " out
'

test_done
