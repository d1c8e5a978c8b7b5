#!/bin/sh
# t0281-progress: on a terminal, `run` shows under the task's banner how many
# hosts are done, failed and running and which has run longest, and takes
# the line away before each result and at the end; piped, with --json or
# --no-progress, it prints none. `bundle push` shows bytes, rate and ETA in
# all and per node (star) and how far down the relay the bytes are (chain).
# The terminal is a pseudo-terminal from util-linux's script(1).
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}

test_begin "live progress on a terminal, none elsewhere"
tb_up 3 || exit 1

cat >slow.yml <<'YML'
- hosts: all
  gather_facts: false
  tasks:
    - name: node2 is slow
      command: "sleep {{ 3 if inventory_hostname == 'node2' else 1 }}"
      changed_when: false
    - name: then a quick one
      command: "true"
      changed_when: false
YML

# on_tty LOG CMD...: runs CMD with a pseudo-terminal as stdout
on_tty() {
    _log=$1
    shift
    TERM=xterm script -qfec "$*" /dev/null >"$_log" 2>&1
}

expect_success 'on a terminal: the progress line, with the longest-running host' '
    on_tty tty.log "$GF run -i $INV slow.yml" &&
    grep -a -q "hosts done, 0 failed, 1 running; longest: node2" tty.log &&
    grep -a -q "2/3 hosts done" tty.log
'

expect_success 'the line is taken away before each result and before the recap' '
    # every status text is followed by the erase sequence before any other text
    python3 - <<PY
import re
log = open("tty.log", "rb").read().decode("utf-8", "replace")
erase = "\r\x1b[K"
for m in re.finditer(r"  \d+/\d+ hosts done[^\r\n]*", log):
    rest = log[m.end():]
    assert rest.startswith(erase), repr(log[m.start():m.end() + 40])
tail = log[log.rindex("PLAY RECAP"):]
assert "hosts done" not in tail, tail
assert re.search(r"ok: \[node2\]", log)
PY
'

expect_success 'piped, --json and --no-progress: no progress line, no escape' '
    "$GF" run -i "$INV" slow.yml >piped.out 2>&1 &&
    ! grep -q "hosts done" piped.out && ! grep -q "$(printf "\033")" piped.out &&
    on_tty json.log "$GF run -i $INV --json slow.yml" &&
    ! grep -a -q "hosts done" json.log &&
    on_tty np.log "$GF run -i $INV --no-progress slow.yml" &&
    ! grep -a -q "hosts done" np.log && grep -a -q "PLAY RECAP" np.log
'

expect_success 'a signed 16 MiB bundle; the links slowed to 40 Mbit/s' '
    mkdir -p dl && head -c 16000000 /dev/urandom >dl/blob &&
    printf "name: demo\nversion: 1.0.0\ncomponents:\n  - name: c\n    files:\n      - {src: dl/blob, dest: data/blob, mode: \"0644\"}\n" >spec.yml &&
    "$GF" bundle keygen -o key >/dev/null && "$GF" bundle build spec.yml -o b.gfb --key key >/dev/null &&
    for n in node1 node2 node3; do tb_fault $n rate 40mbit || exit 1; done
'

expect_success 'bundle push, star, on a terminal: bytes, rate, ETA, each node' '
    on_tty push.log "$GF bundle push -i $INV -l node1,node2 b.gfb --pubkey key.pub" &&
    grep -a -Eq "star: [0-9.]+/30\.5 MiB [0-9]+%, [0-9.]+ MiB/s, ETA [0-9]+ s \| node1 [0-9]+% \| node2 [0-9]+%" push.log &&
    grep -a -q "node1 | CHANGED" push.log &&
    python3 - <<PY
log = open("push.log", "rb").read().decode("utf-8", "replace")
tail = log[log.rindex("pushed demo"):]
assert "star:" not in tail and "\x1b" not in tail, repr(tail)
PY
'

expect_success 'bundle push, chain, on a terminal: where the relay front is' '
    tb_exec node1 rm -rf /var/lib/gpuforge/bundles && tb_exec node2 rm -rf /var/lib/gpuforge/bundles &&
    on_tty chain.log "$GF bundle push -i $INV --topology chain b.gfb --pubkey key.pub" &&
    grep -a -Eq "chain: front at node[23] \([23]/3\), [0-9.]+/15\.3 MiB there; [0-9.]+ MiB into node1" chain.log &&
    grep -a -q "node3 | CHANGED .*(chain;" chain.log
'

expect_success 'bundle push piped or with --no-progress: no progress line' '
    tb_exec node3 rm -rf /var/lib/gpuforge/bundles &&
    "$GF" bundle push -i "$INV" -l node3 b.gfb --pubkey key.pub >piped.out 2>&1 &&
    ! grep -q "star:" piped.out && grep -q "^node3 | CHANGED" piped.out &&
    tb_exec node3 rm -rf /var/lib/gpuforge/bundles &&
    on_tty np.log "$GF bundle push -i $INV -l node3 --no-progress b.gfb --pubkey key.pub" &&
    ! grep -a -q "star:" np.log
'

test_done
