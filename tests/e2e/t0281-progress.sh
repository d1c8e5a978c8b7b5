#!/bin/sh
# t0281-progress: on a terminal, `run` shows under the task's banner how many
# hosts are done, failed and running and which has run longest, and takes
# the line away before each result and at the end; piped, with --json or
# --no-progress, it prints none. The terminal is a pseudo-terminal from
# util-linux's script(1).
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}

test_begin "live progress on a terminal, none elsewhere"
tb_up 2 || exit 1

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
    grep -a -q "1/2 hosts done" tty.log
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

test_done
