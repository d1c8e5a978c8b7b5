#!/bin/sh
# t0280-report: `run --report FILE.html` writes one self-contained page (no
# script, no link, nothing fetched) with the plays, tasks, a timeline per
# host, each result and the recap, in which a no_log value and the values
# of -e appear nowhere; headless Chromium renders it and shows the failed
# host and task; the page's screenshot is kept (build/artifacts).
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
ART=${GF_ARTIFACTS:-$TEST_DIR/../../build/artifacts}

test_begin "the HTML run report"
tb_up 2 || exit 1

cat >site.yml <<'YML'
- name: report play
  hosts: all
  gather_facts: false
  tasks:
    - name: write a file
      copy:
        content: "report test\n"
        dest: /tmp/gf-report
    - name: a loop
      command: "true {{ item }}"
      loop: [a, b]
      changed_when: false
    - name: a secret that stays hidden
      shell: echo NOLOG-CANARY-7731
      no_log: true
      changed_when: false
    - name: fail on node2
      fail:
        msg: "node2 fails <here> & now"
      when: inventory_hostname == "node2"
    - name: only the survivors go on
      command: "true"
      changed_when: false
YML

expect_code 2 'run --report: exit 2 for the failed host, the text output as without it' '
    "$GF" run -i "$INV" --report report.html -e token=EXTRA-CANARY-5512 site.yml >out 2>&1; rc=$?
    cat out
    grep -q "^fatal: \[node2\]: FAILED!" out && grep -q "PLAY RECAP" out &&
    grep -Eq "^node2 +: ok=3 +changed=1 .*failed=1" out || exit 9
    exit $rc
'

expect_success 'the report: one file, no script, no link, nothing to fetch' '
    test -s report.html &&
    ! grep -Eiq "<script|<link|<img|<iframe|src=|href=|url\(|@import|https?://" report.html
'

expect_success 'no no_log value, no extra-vars value in the report' '
    ! grep -q NOLOG-CANARY-7731 report.html && ! grep -q EXTRA-CANARY-5512 report.html &&
    grep -q "censored due to no_log\|hidden due to the fact that" report.html &&
    grep -q -- "-e (hidden)" report.html
'

expect_success 'the report holds the plays, tasks, results and recap, HTML-escaped' '
    grep -q "PLAY \[report play\]" report.html &&
    grep -q "class=\"tname\">fail on node2<" report.html &&
    grep -q "node2 fails &lt;here&gt; &amp; now" report.html &&
    grep -q "id=\"recap\"" report.html && grep -q "id=\"timeline\"" report.html &&
    grep -q "class=\"bar failed\"" report.html && grep -q "class=\"bar changed\"" report.html
'

if command -v chromium >/dev/null 2>&1; then
    # as root, with no network: the flags that keep Chromium from reaching out
    chrome() {
        chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
            --disable-background-networking --disable-component-update --disable-sync \
            --user-data-dir="$PWD/chrome" "$@" 2>chrome.err
    }
    expect_success 'Chromium renders it: the failed task open, node2 failed in the recap' '
        chrome --dump-dom "file://$PWD/report.html" >dom.html &&
        python3 - <<PY
import re
dom = open("dom.html").read()
task = re.search(r"<div class=\"task has-failed\"><details open=\"\"><summary>TASK \[<span class=\"tname\">([^<]*)<", dom)
assert task and task.group(1) == "fail on node2", task
row = re.search(r"<tr><td class=\"host\">node2</td>(.*?)</tr>", dom.split("id=\"recap\"")[1])
cells = re.findall(r"<td[^>]*>(\d+)</td>", row.group(1))
assert cells[3] == "1", cells  # ok changed unreachable failed
PY
    '
    expect_success 'a screenshot of the report is kept' '
        mkdir -p "$ART" &&
        chrome --screenshot="$ART/report.png" --window-size=1280,1400 \
            "file://$PWD/report.html" >/dev/null &&
        test "$(head -c 8 "$ART/report.png" | od -An -c | tr -d " ")" = "211PNG\r\n032\n"
    '
else
    echo "# skipped: no chromium (tests/deps.sh installs it)"
fi

expect_success '--json and --report together: the same events in both' '
    "$GF" run -i "$INV" -l node1 --json --report r2.html site.yml >events 2>&1 &&
    python3 -c "
import json
ev = [json.loads(l) for l in open(\"events\")]
assert ev[0][\"event\"] == \"play_start\" and ev[0][\"events_version\"] == 1
assert all(\"time_ms\" in e for e in ev)
r = [e for e in ev if e[\"event\"] == \"runner_result\"]
assert all(e[\"start_ms\"] <= e[\"time_ms\"] for e in r)
assert ev[-1][\"event\"] == \"stats\"
" && grep -q "class=\"tname\">only the survivors go on<" r2.html
'

expect_success 'the jq examples of docs/events.md: the failed host, the failed task' '
    "$GF" run -i "$INV" --json site.yml >events2 2>&1; test $? = 2 &&
    test "$(jq -r "select(.event == \"stats\") | .hosts | to_entries[]
               | select(.value.failed > 0 or .value.unreachable > 0) | .key" events2)" = node2 &&
    jq -r "select(.event == \"runner_result\" and .status == \"failed\")
               | \"\(.host)\t\(.file):\(.line)\t\(.result.msg)\"" events2 >failed &&
    awk -F "\t" "END { exit !(NR == 1 && \$1 == \"node2\" && \$2 ~ /site\\.yml:17\$/ &&
                               \$3 == \"node2 fails <here> & now\") }" failed
'

expect_success 'gpuforge reset --report writes one too' '
    printf -- "- hosts: all\n  gather_facts: false\n  tasks:\n    - name: nothing to reset\n      command: \"true\"\n" >mini.yml &&
    "$GF" reset -i "$INV" --yes --playbook mini.yml --report r3.html >out 2>&1 &&
    grep -q "gpuforge reset" r3.html && grep -q "class=\"tname\">nothing to reset<" r3.html
'

expect_success 'an unwritable report path fails loudly after the run' '
    "$GF" run -i "$INV" -l node1 --report /nonexistent/dir/r.html site.yml >out 2>&1
    grep -q "cannot write the report" out
'

test_done
