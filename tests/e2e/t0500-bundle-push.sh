#!/bin/sh
# t0500-bundle-push: `gpuforge bundle push` on 4 real nodes: star and chain
# (node-to-node relay with a one-push key), a repeated push sends nothing, a
# failed relay falls back to star, an interrupted transfer resumes, a corrupt
# partial file is caught before activation, a full disk activates nothing,
# downgrades and bundles that do not verify are refused before any login; on
# slowed links, a relay killed mid-push and sshd cut mid-transfer (resumed).
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
B=/var/lib/gpuforge/bundles

test_begin "bundle push to a 4-node testbed"
tb_up 4 || exit 1

logins() { tb_exec node1 journalctl --no-pager -u ssh.service | grep -c "Accepted publickey"; }
blob_sum() { tb_exec "$1" sha256sum "$B/demo/current/files/data/blob" | cut -c1-64; }

expect_success 'build a signed 12 MiB bundle, and an older one' '
    mkdir -p dl && head -c 12000000 /dev/urandom >dl/blob && echo small >dl/small.txt &&
    for v in 1.0.0 0.9.0; do
        printf "name: demo\nversion: %s\ncomponents:\n  - name: c\n    files:\n      - {src: dl/blob, dest: data/blob, mode: \"0644\"}\n      - {src: dl/small.txt, dest: data/small.txt, mode: \"0600\"}\n" $v >spec-$v.yml || exit 1
    done &&
    "$GF" bundle keygen -o key >/dev/null && "$GF" bundle keygen -o other >/dev/null &&
    "$GF" bundle build spec-1.0.0.yml -o b.gfb --key key >/dev/null &&
    "$GF" bundle build spec-0.9.0.yml -o old.gfb --key key >/dev/null &&
    sha256sum <dl/blob | cut -c1-64 >want &&
    awk "BEGIN { printf \"%.1f\", $(stat -c %s b.gfb) / 1048576 }" >mib
'

expect_code 4 'a bundle signed by another key is refused before any node is contacted' '
    before=$(logins)
    "$GF" bundle push -i "$INV" b.gfb --pubkey other.pub >out 2>&1; rc=$?
    cat out; sleep 1
    grep -q "signature" out && test "$(logins)" = "$before" || exit 9
    exit $rc
'

expect_success 'star push to two nodes: verified and activated atomically' '
    "$GF" bundle push -i "$INV" -l node1,node2 b.gfb --pubkey key.pub >out 2>&1; rc=$?
    cat out
    test $rc = 0 && test "$(grep -c "| CHANGED | demo 1.0.0 activated .*(star;" out)" = 2 &&
    test "$(blob_sum node1)" = "$(cat want)" && test "$(blob_sum node2)" = "$(cat want)" &&
    test "$(tb_exec node1 readlink $B/demo/current)" = 1.0.0 &&
    test "$(tb_exec node2 stat -c %a $B/demo/current/files/data/small.txt)" = 600 &&
    test -z "$(tb_exec node1 ls -A $B/.incoming)"
'

expect_success 'pushing again sends nothing' '
    "$GF" bundle push -i "$INV" -l node1,node2 b.gfb --pubkey key.pub >out 2>&1 &&
    test "$(grep -c "already present, verified: nothing sent" out)" = 2 &&
    grep -q "the controller sent 0.0 MiB" out
'

expect_success 'chain: the controller sends one copy, the nodes relay it; no relay key is left' '
    "$GF" bundle push -i "$INV" --topology chain b.gfb --pubkey key.pub >out 2>&1; rc=$?
    cat out
    test $rc = 0 && grep -q "^node3 | CHANGED .*(chain; $(cat mib) MiB sent to it)" out &&
    grep -q "^node4 | CHANGED .*(chain; 0.0 MiB sent to it)" out &&
    grep -q "the controller sent $(cat mib) MiB" out &&
    test "$(blob_sum node3)" = "$(cat want)" && test "$(blob_sum node4)" = "$(cat want)" &&
    for n in node1 node2 node3 node4; do
        ! tb_exec $n sh -c "grep -qs gf-relay ~gf/.ssh/authorized_keys ~gf/.ssh/authorized_keys2" &&
        test -z "$(tb_exec $n ls -A $B/.incoming)" || exit 1
    done
'

expect_success 'a relay that cannot forward: its successors get the bundle by star' '
    for n in node2 node3 node4; do tb_exec $n rm -rf $B/demo || exit 1; done &&
    tb_exec node2 mv /usr/bin/ssh /usr/bin/ssh.hidden &&
    "$GF" bundle push -i "$INV" --topology chain b.gfb --pubkey key.pub >out 2>&1; rc=$?
    tb_exec node2 mv /usr/bin/ssh.hidden /usr/bin/ssh
    cat out
    test $rc = 0 && grep -q "^node2 | CHANGED .*(chain;" out &&
    grep -q "^node3 | CHANGED .*(chain, rest by star; $(cat mib) MiB" out &&
    grep -q "^node4 | CHANGED .*(chain, rest by star; $(cat mib) MiB" out &&
    test "$(blob_sum node4)" = "$(cat want)"
'

expect_success 'an interrupted transfer resumes from what the node has' '
    sum=$(sha256sum <b.gfb | cut -c1-64) &&
    tb_exec node4 rm -rf $B/demo && head -c 5000000 b.gfb >part &&
    tb_exec node4 sh -c "cat >$B/.incoming/$sum.gfb && chown gf $B/.incoming/$sum.gfb" <part &&
    "$GF" bundle push -i "$INV" -l node4 b.gfb --pubkey key.pub >out 2>&1; rc=$?
    cat out
    size=$(stat -c %s b.gfb)
    test $rc = 0 && grep -q "(star, resumed; $(awk "BEGIN { printf \"%.1f\", ($size - 5000000) / 1048576 }") MiB" out &&
    test "$(blob_sum node4)" = "$(cat want)"
'

expect_code 2 'a corrupt partial file is caught before activation and removed' '
    sum=$(sha256sum <b.gfb | cut -c1-64)
    tb_exec node4 rm -rf $B/demo
    head -c 5000000 /dev/urandom | tb_exec node4 sh -c "cat >$B/.incoming/$sum.gfb && chown gf $B/.incoming/$sum.gfb"
    "$GF" bundle push -i "$INV" -l node4 b.gfb --pubkey key.pub >out 2>&1; rc=$?
    cat out
    grep -q "does not match its sha256" out && ! tb_exec node4 test -e $B/demo/1.0.0 &&
    ! tb_exec node4 test -e $B/.incoming/$sum.gfb || exit 9
    "$GF" bundle push -i "$INV" -l node4 b.gfb --pubkey key.pub >/dev/null 2>&1 &&
    test "$(blob_sum node4)" = "$(cat want)" || exit 9
    exit $rc
'

expect_code 2 'a full disk: the error is reported and nothing is activated' '
    tb_exec node3 sh -c "mkdir -p /srv/small && mount -t tmpfs -o size=4m tmpfs /srv/small"
    "$GF" bundle push -i "$INV" -l node3 --dest /srv/small/b b.gfb --pubkey key.pub >out 2>&1; rc=$?
    cat out
    grep -q "^node3 | FAILED | .*disk full" out && ! tb_exec node3 test -e /srv/small/b/demo || exit 9
    tb_exec node3 umount /srv/small
    exit $rc
'

expect_code 2 'an older version is refused unless --allow-downgrade' '
    "$GF" bundle push -i "$INV" -l node1 old.gfb --pubkey key.pub >out 2>&1; rc=$?
    cat out
    grep -q "^node1 | FAILED | .*--allow-downgrade" out &&
    test "$(tb_exec node1 readlink $B/demo/current)" = 1.0.0 &&
    "$GF" bundle push -i "$INV" -l node1 old.gfb --pubkey key.pub --allow-downgrade >/dev/null &&
    test "$(tb_exec node1 readlink $B/demo/current)" = 0.9.0 || exit 9
    exit $rc
'

expect_success 'a 30 MB bundle, and every node link slowed to 40 Mbit/s' '
    head -c 30000000 /dev/urandom >dl/big &&
    printf "name: big\nversion: 1.0.0\ncomponents:\n  - name: c\n    files:\n      - {src: dl/big, dest: big, mode: \"0644\"}\n" >spec-big.yml &&
    "$GF" bundle build spec-big.yml -o big.gfb --key key >/dev/null &&
    sha256sum <dl/big | cut -c1-64 >want-big &&
    for n in node1 node2 node3 node4; do tb_fault $n rate 40mbit || exit 1; done
'

expect_code 3 'a relay node killed mid-push: the nodes after it still complete' '
    "$GF" bundle push -i "$INV" --topology chain big.gfb --pubkey key.pub >out 2>&1 &
    pid=$!
    sleep 3; tb_fault node2 kill-sshd
    wait $pid; rc=$?
    tb_fault node2 start-sshd
    cat out
    grep -q "^node2 | FAILED" out && grep -q "^node1 | CHANGED .*(chain;" out &&
    grep -q "^node3 | CHANGED .*rest by star" out && grep -q "^node4 | CHANGED .*rest by star" out &&
    for n in node1 node3 node4; do
        test "$(tb_exec $n sha256sum $B/big/current/files/big | cut -c1-64)" = "$(cat want-big)" || exit 9
    done
    exit $rc
'

expect_success 'sshd cut mid-transfer: the next push resumes where it stopped' '
    tb_exec node2 rm -rf $B/big &&
    { "$GF" bundle push -i "$INV" -l node2 big.gfb --pubkey key.pub >out 2>&1 & } &&
    sleep 3 && tb_fault node2 kill-sshd && sleep 1 && tb_fault node2 start-sshd &&
    wait; cat out
    grep -q "^node2 | FAILED" out &&
    have=$(tb_exec node2 sh -c "stat -c %s $B/.incoming/*.gfb") && test "$have" -gt 0 &&
    "$GF" bundle push -i "$INV" -l node2 big.gfb --pubkey key.pub >out 2>&1; rc=$?
    cat out
    test $rc = 0 && grep -q "^node2 | CHANGED .*(star, resumed;" out &&
    test "$(tb_exec node2 sha256sum $B/big/current/files/big | cut -c1-64)" = "$(cat want-big)"
'

test_done
