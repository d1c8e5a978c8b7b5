#!/bin/sh
# t0305-interrupted-write: a write killed before its rename leaves nothing
# behind for good. The controller is killed with SIGKILL in the middle of a
# large copy (the link to the node throttled, the kill sent once the
# temporary file is on the node); the next copy to the same place writes the
# whole file and no .gf-tmp-* file remains. The next write into a directory
# removes the stale temporary files gpuforge owns there and nothing else:
# not another user's, not a link, not one whose writer still runs, not a
# file of another name (engine/modules/sh/tmpfile.sh has the rule).
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}

node() { tb_exec node1 "$@"; }
# tmps DIR: the .gf-tmp-* files in DIR on node1, one a line
tmps() { node find "$1" -maxdepth 1 -name ".gf-tmp-*" | sort; }

test_begin "an interrupted write on a 1-node testbed"
tb_up 1 || exit 1

expect_success 'setup: a 24 MiB file on the controller, the link to node1 at 24 Mbit/s' '
    head -c 25165824 /dev/urandom >big &&
    sha256sum <big | cut -c1-64 >big.sum &&
    node mkdir -p /srv/w &&
    tb_fault node1 rate 24mbit
'

expect_success 'kill -9 of gpuforge while the copy is on its way: its temporary file is there' '
    "$GF" exec -i "$INV" node1 -b -m copy -a "src=big dest=/srv/w/big" >out 2>&1 &
    pid=$!
    i=0 seen=
    while [ $i -lt 600 ]; do
        f=$(tmps /srv/w | head -n 1)
        if [ -n "$f" ] && [ "$(node stat -c %s "$f")" -gt 1048576 ]; then seen=$f; break; fi
        kill -0 $pid 2>/dev/null || break
        sleep 0.1
        i=$((i + 1))
    done
    kill -KILL $pid; wait $pid
    echo "temporary file: $seen"; cat out
    test -n "$seen" && ! node test -e /srv/w/big
'

expect_success 'the link healed' '
    tb_fault node1 heal && tmps /srv/w
'

expect_success 'the next copy writes the whole file and leaves no temporary file' '
    "$GF" exec -i "$INV" node1 -b -m copy -a "src=big dest=/srv/w/big" >out 2>&1; rc=$?
    cat out; test $rc = 0 &&
    grep -q "^node1 | CHANGED" out &&
    node sha256sum /srv/w/big | cut -c1-64 >got && test_cmp big.sum got &&
    tmps /srv/w >left && cat left && test ! -s left
'

# a process that runs on node1 as long as the test: its id and start time
# name a temporary file of a write in progress
expect_success 'setup: stale and live temporary files in /srv/w on node1' '
    node sh -c "setsid sleep 3000 </dev/null >/dev/null 2>&1 & echo \$! >/run/gf-live" &&
    live=$(node cat /run/gf-live) &&
    start=$(node sh -c "s=\$(cat /proc/$live/stat); s=\${s##*) }; set -- \$s; shift 19; echo \$1") &&
    echo "live writer $live started at $start" &&
    node sh -c "cd /srv/w &&
        : >.gf-tmp-$live-$start-Live01 &&
        : >.gf-tmp-$live-$((start + 1))-Reuse1 &&
        : >.gf-tmp-4999999-$start-Dead01 &&
        : >.gf-tmp-Old001 && touch -d \"2 days ago\" .gf-tmp-Old001 &&
        : >.gf-tmp-New001 &&
        : >.gf-tmp-4999998-0-Old002 && touch -d \"2 days ago\" .gf-tmp-4999998-0-Old002 &&
        : >.gf-tmp-4999998-0-New002 &&
        : >.gf-tmp-4999997-$start-Other1 && chown gf .gf-tmp-4999997-$start-Other1 &&
        ln -s /etc/hostname .gf-tmp-4999996-$start-Link01 &&
        : >.gf-tmp-4999995-$start-Long001 &&
        : >.gf-tmp-notours &&
        : >.gf-tmp-4999994-$start-Dead02 &&
        mkdir .gf-tmp-4999993-$start-Dir001" &&
    tmps /srv/w
'

expect_success 'a write into the directory removes only the stale ones it owns' '
    "$GF" exec -i "$INV" node1 -b -m copy -a "content=x dest=/srv/w/small" >out 2>&1; rc=$?
    cat out; test $rc = 0 && grep -q "^node1 | CHANGED" out &&
    live=$(node cat /run/gf-live) &&
    tmps /srv/w | sed "s,^/srv/w/,," >left &&
    sed "s/-[0-9]*-[0-9]*-/-P-S-/" left | sort >got &&
    printf "%s\n" .gf-tmp-New001 .gf-tmp-P-S-Dir001 .gf-tmp-P-S-Link01 .gf-tmp-P-S-Live01 \
        .gf-tmp-P-S-Long001 .gf-tmp-P-S-New002 .gf-tmp-P-S-Other1 .gf-tmp-notours | sort >want &&
    test_cmp want got &&
    grep -q "^.gf-tmp-$live-" left
'

expect_success 'a converged copy cleans up too; --check removes nothing' '
    node sh -c ": >/srv/w/.gf-tmp-4999992-1-Dead03" &&
    "$GF" exec -i "$INV" node1 -b -C -m copy -a "content=x dest=/srv/w/small" >out 2>&1 &&
    node test -e /srv/w/.gf-tmp-4999992-1-Dead03 &&
    "$GF" exec -i "$INV" node1 -b -m copy -a "content=x dest=/srv/w/small" >out 2>&1 &&
    cat out && grep -q "^node1 | SUCCESS" out &&
    ! node test -e /srv/w/.gf-tmp-4999992-1-Dead03
'

expect_success 'template and lineinfile write through the same temporary files' '
    node sh -c ": >/srv/w/.gf-tmp-4999991-1-Dead04; : >/srv/w/.gf-tmp-4999990-1-Dead05" &&
    echo "t {{ 6 * 7 }}" >t.j2 &&
    "$GF" exec -i "$INV" node1 -b -m template -a "src=t.j2 dest=/srv/w/t" >out 2>&1 &&
    ! node test -e /srv/w/.gf-tmp-4999991-1-Dead04 &&
    "$GF" exec -i "$INV" node1 -b -m lineinfile -a "path=/srv/w/t line=more" >out 2>&1 &&
    ! node test -e /srv/w/.gf-tmp-4999990-1-Dead05 &&
    node cat /srv/w/t >got && printf "t 42\nmore\n" >want && test_cmp want got
'

node sh -c 'kill "$(cat /run/gf-live)"' 2>/dev/null
test_done
