#!/bin/sh
# t0000-testbed: the testbed itself. Nodes boot and accept real OpenSSH logins as gf with sudo,
# exec and the faults do what they say, up is idempotent, and down leaves nothing behind.
# shellcheck disable=SC2016  # test snippets are single-quoted; they are eval'd later
# shellcheck source-path=SCRIPTDIR
. "$(dirname "$0")/test-lib.sh"

SSH_STRICT="-F /dev/null -o StrictHostKeyChecking=yes -o BatchMode=yes"

test_begin "testbed up"
test_require NSPAWN
expect_success 'up boots 3 nodes' 'tb_up 3'
expect_success 'inventory: node1 master, node2 and node3 workers, has_gpu on node3' '
    sed -n "/^\[master\]/,/^$/p" "$INV" | grep -q "^node1 ansible_host=" &&
    sed -n "/^\[worker\]/,/^$/p" "$INV" | grep -c "^node[23] ansible_host=" > count &&
    echo 2 > expect && test_cmp expect count &&
    grep "^node3 .* has_gpu=true" "$INV" &&
    ! grep "^node2 .*has_gpu" "$INV" &&
    grep -Fx "ansible_ssh_common_args='"'"'-o UserKnownHostsFile=$TB/known_hosts'"'"'" "$INV"
'
expect_success 'known_hosts holds exactly one ed25519 key per node address' '
    for n in node1 node2 node3; do tb_addr $n; done > expect &&
    awk "\$2 == \"ssh-ed25519\" { print \$1 }" "$TB/known_hosts" > actual &&
    test_cmp expect actual
'
for n in node1 node2 node3; do
    expect_success "ssh as gf with strict host key checking and sudo -n on $n" "
        ssh $SSH_STRICT -i \"\$TB/id_ed25519\" -o UserKnownHostsFile=\"\$TB/known_hosts\" \
            gf@\$(tb_addr $n) sudo -n true
    "
done
expect_success 'the hostname inside is nodeK' '
    echo node2 > expect && tb_ssh node2 hostname > actual && test_cmp expect actual
'
expect_success 'nodes reach each other by name' 'tb_ssh node1 ping -c 1 -W 2 node3'

test_begin "testbed exec"
expect_success 'exec runs a command as root without ssh' '
    echo 0 > expect && tb_exec node2 id -u > actual && test_cmp expect actual
'
expect_code 3 'exec propagates the exit status' 'tb_exec node1 sh -c "exit 3"'
expect_success 'exec keeps stdout and stderr apart' '
    tb_exec node1 sh -c "echo out; echo err >&2" > out 2> err &&
    echo out > expect && test_cmp expect out &&
    echo err > expect && test_cmp expect err
'

test_begin "testbed fault"
expect_success 'stop-sshd' 'tb_fault node2 stop-sshd'
expect_success 'a connection to node2 is refused' '
    ! tb_ssh node2 true 2> err && grep "Connection refused" err
'
expect_success 'start-sshd restores logins' 'tb_fault node2 start-sshd && tb_ssh node2 true'
expect_success 'blackhole' 'tb_fault node3 blackhole'
expect_success 'a connect to node3 times out (no RST, no ICMP)' '
    t0=$(date +%s) &&
    ! ssh $SSH_STRICT -i "$TB/id_ed25519" -o UserKnownHostsFile="$TB/known_hosts" \
        -o ConnectTimeout=3 gf@$(tb_addr node3) true 2> err &&
    grep "timed out" err && [ $(($(date +%s) - t0)) -ge 2 ]
'
expect_success 'the other nodes are not affected' 'tb_ssh node1 true && tb_ssh node2 true'
expect_success 'heal restores node3' 'tb_fault node3 heal && tb_ssh node3 true'
expect_success 'netem delay 50ms slows traffic to node2' '
    tb_fault node2 netem "delay 50ms" &&
    tb_exec node1 ping -c 3 -i 0.2 node2 > ping &&
    awk -F/ "/^rtt/ { exit !(\$5 >= 45) }" ping
'
expect_success 'heal removes the delay' '
    tb_fault node2 heal && tb_exec node1 ping -c 3 -i 0.2 node2 > ping &&
    awk -F/ "/^rtt/ { exit !(\$5 < 20) }" ping
'
expect_code 2 'an unknown fault is a usage error' 'tb_fault node1 unplug'

test_begin "testbed up again, down"
expect_success 'up again with the same N changes nothing' '
    cat "$TB/testbed.state" "$INV" "$TB/known_hosts" > before &&
    tb_up 3 && cat "$TB/testbed.state" "$INV" "$TB/known_hosts" > after &&
    test_cmp before after
'
expect_code 1 'up with another N is refused' 'tb_up 4'
expect_success 'down' '
    sed -n "s/^node[0-9]*_\(nspawn\|init\)_pid=//p" "$TB/testbed.state" > pids &&
    sed -n "s/^\(node[0-9]*_if\|bridge\)=//p" "$TB/testbed.state" > ifaces &&
    test $(wc -l < pids) = 6 && test $(wc -l < ifaces) = 4 &&
    tb_down
'
expect_success 'no node process is left (zombies awaiting their reaper count as gone)' '
    for p in $(cat pids); do
        s=$(ps -o stat= -p $p) || continue
        case $s in Z*) ;; *) echo "process $p still runs: $s"; false ;; esac || return 1
    done
'
expect_success 'no interface is left' '
    for i in $(cat ifaces); do ! ip link show $i 2> /dev/null || return 1; done
'
expect_success 'no state is left' '
    for f in testbed.state inventory.ini known_hosts hosts nodes upper; do
        ! test -e "$TB/$f" || return 1
    done
'
expect_success 'down again is harmless' 'tb_down'

# A boot that stalls leaves /run/nologin, and ssh then fails without a word (PAM refuses the
# login at LogLevel=ERROR). The stall is a drop-in in a docker-mode node's upper directory:
# once, or on every boot.
# sessions_dropin DIR NAME TEXT: TEXT as drop-in NAME.conf of node2's systemd-user-sessions
# shellcheck disable=SC2317  # called from the test snippets below
sessions_dropin() {
    mkdir -p "$1/upper/node2/etc/systemd/system/systemd-user-sessions.service.d" &&
    printf '[Service]\n%s\n' "$3" \
        > "$1/upper/node2/etc/systemd/system/systemd-user-sessions.service.d/$2.conf"
}
# shellcheck disable=SC2317
stall() { sessions_dropin "$1" stall "ExecStartPre=/bin/sh -c \"$2\""; }
# fail219 DIR: node2's first start of systemd-user-sessions ends as when systemd cannot put
# it into its cgroup (its main process, status 219), the later ones start it
# shellcheck disable=SC2317
fail219() {
    sessions_dropin "$1" f219 "ExecStart=
ExecStart=/bin/sh -c \"test -e /var/lib/f219 && exec /lib/systemd/systemd-user-sessions start; touch /var/lib/f219; exit 219\""
}
test_begin "testbed up: a boot that stalls"
expect_success 'a node whose first boot stalls is described, booted again, and comes up' '
    stall "$PWD/once" "test -e /var/lib/stalled || { touch /var/lib/stalled; sync; sleep 600; }" &&
    GF_TESTBED_TIMEOUT=20 "$TESTBED" up --nodes 2 --dir "$PWD/once" --docker > out 2> err-once &&
    grep -F "node2: /run/nologin is present" err-once &&
    grep -E "^testbed: [0-9]+ +systemd-user-sessions.service +start +running" err-once &&
    grep -F "node2: booting it once more" err-once &&
    grep "2 nodes up" out &&
    ssh $SSH_STRICT -i "$PWD/once/id_ed25519" -o UserKnownHostsFile="$PWD/once/known_hosts" \
        gf@$(awk "/^node2 / { sub(/.*ansible_host=/, \"\"); print \$1 }" "$PWD/once/inventory.ini") \
        sudo -n true
'
"$TESTBED" down --dir "$PWD/once" > /dev/null 2>&1
expect_success 'a node that stalls on every boot fails up (exit 1), described twice' '
    stall "$PWD/always" "sleep 600" &&
    { GF_TESTBED_TIMEOUT=10 "$TESTBED" up --nodes 2 --dir "$PWD/always" --docker 2> err-always
      test $? = 1; } &&
    [ $(grep -c "node2: /run/nologin is present" err-always) = 2 ] &&
    grep -F "1 of 2 nodes did not come up" err-always
'
"$TESTBED" down --dir "$PWD/always" > /dev/null 2>&1
expect_success 'a unit failed at its cgroup (219) at boot is started once more, no second boot' '
    fail219 "$PWD/f219" &&
    GF_TESTBED_TIMEOUT=60 "$TESTBED" up --nodes 2 --dir "$PWD/f219" --docker > out 2> err-219 &&
    cat err-219 &&
    grep -F "node2: its boot ended with units failed at their cgroup (219/CGROUP); starting them once more: systemd-user-sessions.service" err-219 &&
    ! grep -F "booting it once more" err-219 &&
    test "$("$TESTBED" exec --dir "$PWD/f219" node2 -- systemctl is-system-running)" = running &&
    ssh $SSH_STRICT -i "$PWD/f219/id_ed25519" -o UserKnownHostsFile="$PWD/f219/known_hosts" \
        gf@$(awk "/^node2 / { sub(/.*ansible_host=/, \"\"); print \$1 }" "$PWD/f219/inventory.ini") \
        sudo -n true
'
"$TESTBED" down --dir "$PWD/f219" > /dev/null 2>&1

test_done
