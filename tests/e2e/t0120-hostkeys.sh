#!/bin/sh
# t0120-hostkeys: strict host keys. A changed key fails that host before any
# credential is sent (sshd logs no authentication attempt) with both
# fingerprints; unknown keys are refused unless --accept-new, which records
# 120 first contacts in parallel without corrupting known_hosts; a hostile
# ~/.ssh/config changes nothing; a bad inventory makes no connection.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}

test_begin "host keys on a 3-node testbed"
tb_up 3 || exit 1

expect_success 'sshd on node2 logs at VERBOSE (to see authentication attempts)' '
    tb_exec node2 sh -c "echo LogLevel VERBOSE >/etc/ssh/sshd_config.d/verbose.conf &&
        systemctl reload ssh" && sleep 1
'

expect_code 3 'a changed host key is refused with both fingerprints, others continue' '
    a2=$(tb_addr node2)
    ssh-keygen -q -t ed25519 -N "" -f fake >/dev/null &&
    awk -v a="$a2" -v k="$(cut -d" " -f1,2 fake.pub)" "\$1 == a { \$0 = a \" \" k } { print }" \
        "$TB/known_hosts" >kh &&
    ! cmp -s kh "$TB/known_hosts" &&
    since=$(tb_exec node2 date "+%Y-%m-%d %H:%M:%S") &&
    sleep 1 &&
    "$GF" ping -i "$INV" --known-hosts kh >out; rc=$?
    cat out
    grep -q "^node2 | HOSTKEY CHANGED | .*CHANGED.*recorded ssh-ed25519 SHA256:.*offered ssh-ed25519 SHA256:" out || exit 9
    grep -q "$(ssh-keygen -lf fake.pub | cut -d" " -f2)" out || exit 9
    test "$(grep -c " | ok | " out)" = 2 || exit 9
    sleep 1
    tb_exec node2 journalctl --no-pager -u ssh --since "$since" >log
    cat log
    grep -q "Connection from" log || exit 8          # we did connect ...
    ! grep -Eqi "authenticating user|publickey|password|Accepted|Failed|userauth|Postponed" log || exit 7
    exit $rc
'

expect_code 3 'an unknown host key is refused in strict mode with how to enrol it' '
    : >empty_kh
    "$GF" ping -i "$INV" --known-hosts empty_kh node1 >out; rc=$?
    cat out
    grep -q "^node1 | HOSTKEY CHANGED | .*not known.*--accept-new" out || exit 9
    test ! -s empty_kh || exit 9
    exit $rc
'

expect_success 'a hostile ~/.ssh/config (no checking, other known_hosts) changes nothing' '
    mkdir -p home/.ssh &&
    printf "Host *\n  StrictHostKeyChecking no\n  UserKnownHostsFile /dev/null\n  Port 2\n" \
        >home/.ssh/config &&
    : >empty_kh2
    HOME=$PWD/home "$GF" ping -i "$INV" --known-hosts empty_kh2 node1 >out; rc=$?
    cat out
    test $rc = 3 && grep -q "not known" out && test ! -s empty_kh2
'

# sshd listens on at most 16 sockets: five extra IPv4-only sshd of 8 ports each
expect_success 'node1..3 run extra sshd on 40 more ports each' '
    for n in node1 node2 node3; do
        tb_exec $n sh -c "for i in 0 1 2 3 4; do
            { echo HostKey /etc/ssh/ssh_host_ed25519_key; echo UsePAM yes; echo AddressFamily inet;
              echo MaxStartups 200:30:400; echo PidFile /run/sshd-extra-\$i.pid;
              for p in \$(seq \$((2201 + 8 * i)) \$((2208 + 8 * i))); do echo Port \$p; done;
            } >/etc/ssh/extra_config_\$i && /usr/sbin/sshd -f /etc/ssh/extra_config_\$i || exit 1
            done" || exit 1
    done
    for n in node1 node2 node3; do
        tb_ssh $n true || exit 1
        nc -z -w 3 "$(tb_addr $n)" 2240 || exit 1
    done
'

expect_success '--accept-new: 120 parallel first contacts give a complete, clean known_hosts (a killed writer'"'"'s temp file swept)' '
    {
        echo "[many]"
        for n in node1 node2 node3; do
            a=$(tb_addr $n)
            for p in $(seq 2201 2240); do
                echo "$n-$p ansible_host=$a ansible_port=$p ansible_user=gf ansible_ssh_private_key_file=$TB/id_ed25519"
            done
        done
    } >many.ini &&
    : >new_kh &&
    echo "left by a killed writer" >new_kh.gf-Xk3q9Z && : >other.gf-abcdef &&
    "$GF" ping -i many.ini -f 120 --known-hosts new_kh --accept-new >out 2>err; rc=$?
    tail -n 3 out; cat err
    test $rc = 0 || exit 1
    test "$(grep -c " | ok | " out)" = 120 || exit 1
    test "$(wc -l <new_kh)" = 120 || exit 1
    test "$(sort -u new_kh | wc -l)" = 120 || exit 1
    # every line is a valid entry and matches the key the testbed recorded for that node
    for n in node1 node2 node3; do
        a=$(tb_addr $n)
        k=$(awk -v a="$a" "\$1 == a { print \$3 }" "$TB/known_hosts")
        test "$(grep -c "^\[$a\]:22[0-9][0-9] ssh-ed25519 $k\$" new_kh)" = 40 || exit 1
    done
    ls new_kh* | grep -v "^new_kh$" && exit 1
    test -e other.gf-abcdef || exit 1
    # and strict mode now accepts them all
    "$GF" ping -i many.ini -f 120 --known-hosts new_kh >/dev/null
'

expect_code 4 'a bad inventory is an error with file:line:col and makes no connection' '
    since=$(tb_exec node2 date "+%Y-%m-%d %H:%M:%S")
    sleep 1
    { cat "$INV"; printf "[broken\nnode9\n"; } >bad.ini
    "$GF" ping -i bad.ini >out 2>err; rc=$?
    cat out err
    grep -q "^gpuforge: bad.ini:[0-9]*:[0-9]*: " err || exit 9
    test ! -s out || exit 9
    sleep 1
    ! tb_exec node2 journalctl --no-pager -u ssh --since "$since" | grep -q "Connection from" || exit 9
    exit $rc
'

test_done
