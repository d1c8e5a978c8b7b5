#!/bin/sh
# t0100-ping: `gpuforge ping` on real nodes: all ok; a node with sshd stopped
# and a blackholed node are UNREACHABLE within the connect timeout while the
# others are ok; --become; --gpu; --json; exit codes.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}

test_begin "ping on a 5-node testbed"
tb_up 5 || exit 1

expect_success 'ping all: every node ok, exit 0' '
    "$GF" ping -i "$INV" >out 2>err &&
    cat out &&
    test "$(grep -c " | ok | rtt " out)" = 5 &&
    grep -q "5 ok, 0 unreachable" err
'

expect_success 'ping a group pattern and --limit' '
    "$GF" ping -i "$INV" worker -l "node2:node3" >out &&
    test "$(wc -l <out)" = 2 && grep -q "^node2 | ok" out && grep -q "^node3 | ok" out
'

expect_code 5 'a pattern matching nothing exits 5' '
    "$GF" ping -i "$INV" nosuchgroup
'

expect_success '--become proves sudo works' '
    "$GF" ping -i "$INV" -b master >out && grep -q "^node1 | ok | .* | become root ok" out
'

expect_success '--gpu reports no GPU on GPU-less nodes' '
    "$GF" ping -i "$INV" --gpu node2 >out && grep -q "gpus: 0" out
'

expect_success '--json prints one object per host' '
    "$GF" ping -i "$INV" --json >out &&
    test "$(grep -c "\"status\": \"ok\"" out)" = 5
'

expect_success 'inject faults: stop sshd on node4, blackhole node5' '
    tb_fault node4 stop-sshd && tb_fault node5 blackhole
'

expect_code 3 'ping: 3 ok, 2 UNREACHABLE, exit 3, within the connect timeout' '
    start=$(date +%s)
    "$GF" ping -i "$INV" >out 2>err; rc=$?
    end=$(date +%s)
    cat out err
    echo "elapsed: $((end - start)) s"
    test "$(grep -c " | ok | " out)" = 3 || exit 1
    grep -q "^node4 | UNREACHABLE | .*refused" out || exit 1
    grep -q "^node5 | UNREACHABLE | .*" out || exit 1
    # the blackholed host costs one connect timeout (default 10 s), not more
    test $((end - start)) -lt 20 || exit 1
    exit $rc
'

expect_success 'heal: every node ok again' '
    tb_fault node4 start-sshd && tb_fault node5 heal &&
    "$GF" ping -i "$INV" >out && test "$(grep -c " | ok | " out)" = 5
'

test_done
