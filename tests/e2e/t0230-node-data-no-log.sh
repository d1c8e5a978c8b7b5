#!/bin/sh
# t0230-node-data-no-log: text a node returns is data, never a template (a
# node file holding "{{ controller_secret }}" must not read the controller's
# variables through loop items, filters, facts, set_fact or hostvars), as is
# a value the playbook tags !unsafe; and no_log hides a task's values in
# every output: text, -v, --diff, --json.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
PB=$TEST_DIR/playbooks/nodedata
SECRET=ctl-secret-5be3a1
CANARY=nolog-canary-90d4c7

test_begin "node data stays data; no_log holds under --diff"
tb_up 1 || exit 1

expect_success 'a node whose files, hostname and os-release hold templates' '
    printf "%s\n" "[all:vars]" "controller_secret=$SECRET" >inv.ini &&
    cat "$INV" >>inv.ini &&
    printf "%s\n" "{{ controller_secret }}" "x{{ 6*7 }}y" "{%raw%}r{{1}}{%endraw%}" \
        "{{controller_secret}}" >src.txt &&
    tb_exec node1 install -d -o gf /tmp/gf-nd &&
    tb_exec node1 sh -c "cat >/tmp/gf-nd/src.txt" <src.txt &&
    # the hostname tool refuses braces, the kernel does not (python3 is on
    # testbed nodes for comparisons with ansible-playbook)
    tb_exec node1 python3 -c "import socket; socket.sethostname(\"h{{6*7}}q\")" &&
    tb_exec node1 sh -c "sed \"s/^VERSION_CODENAME=.*/VERSION_CODENAME={{controller_secret}}/\" \
        /etc/os-release >/tmp/os && rm -f /etc/os-release && mv /tmp/os /etc/os-release" &&
    test "$(tb_exec node1 hostname)" = "h{{6*7}}q"
'

expect_success 'node data read back and written back stays literal' '
    "$GF" run -i inv.ini "$PB/data.yml" >out 2>&1; rc=$?
    cat out
    test $rc = 0 || exit 1
    for f in loop with_items set_fact set_fact_loop hostvars slurp joined; do
        tb_exec node1 cat /tmp/gf-nd/$f.txt >got.$f &&
        test_cmp src.txt got.$f || { echo "in $f.txt"; exit 1; }
    done
    printf "%s\n" "{{" controller_secret "}}" "x{{" "6*7" "}}y" "{%raw%}r{{1}}{%endraw%}" \
        "{{controller_secret}}" >want.split &&
    tb_exec node1 cat /tmp/gf-nd/split.txt >got.split && test_cmp want.split got.split &&
    printf "%s\n" "{{ controller_secret }}" "x{{ 6*7 }}y" "{%raw%}r{{1}}{%endraw%}" \
        "{{controller_secret}}" >want.chain &&
    tb_exec node1 cat /tmp/gf-nd/chain.txt >got.chain && test_cmp want.chain got.chain &&
    printf "%s\n" "{{ controller_secret }}={{controller_secret}}" >want.dict &&
    tb_exec node1 cat /tmp/gf-nd/dict.txt >got.dict && test_cmp want.dict got.dict &&
    printf "%s\n" "h{{6*7}}q" "h{{6*7}}q" "h{{6*7}}q" "{{controller_secret}}" \
        "{{controller_secret}}" "h{{6*7}}q" "{{controller_secret}}" \
        "{{ controller_secret }}" "x{{ 6*7 }}y" >want.facts &&
    tb_exec node1 cat /tmp/gf-nd/facts.txt >got.facts && test_cmp want.facts got.facts &&
    printf "%s\n" "h{{6*7}}q" "{{controller_secret}}" >want.facts_loop &&
    tb_exec node1 cat /tmp/gf-nd/facts_loop.txt >got.fl && test_cmp want.facts_loop got.fl &&
    echo "{{ controller_secret }} {% raw %}" >want.tagged &&
    tb_exec node1 cat /tmp/gf-nd/tagged.txt >got.tagged && test_cmp want.tagged got.tagged &&
    { cat src.txt src.txt; echo "h{{6*7}}q"; } >want.template &&
    tb_exec node1 cat /tmp/gf-nd/template.txt >got.template &&
    test_cmp want.template got.template
'

expect_success 'the controller secret is nowhere on the node nor in the output' '
    ! grep -n "$SECRET\|x42y\|h42q" out &&
    ! tb_exec node1 grep -rn "$SECRET\|x42y\|h42q" /tmp/gf-nd &&
    grep -q "^ok: \[node1\] => (item=x{{ 6\*7 }}y) => {" out
'

# every module that fills a diff, with and without -v, text and JSON, loops
for mode in "" "-v" "-vvv" "--json" "--json -v" "--check"; do
expect_success "no_log: the canary never prints (--diff $mode)" '
    tb_exec node1 rm -rf /tmp/gf-nl && tb_exec node1 install -d -o gf /tmp/gf-nl &&
    "$GF" run -i "$INV" --diff '"$mode"' -e canary=$CANARY "$PB/nolog.yml" >out 2>&1; rc=$?
    cat out
    test $rc = 0 && ! grep -n "$CANARY" out &&
    grep -q "hidden due to the fact that .no_log: true. was specified" out &&
    grep -q "item.*None" out &&
    case "'"$mode"'" in
    *--check*) ;;
    *) tb_exec node1 grep -q "key=$CANARY" /tmp/gf-nl/line.txt /tmp/gf-nl/block.txt \
           /tmp/gf-nl/copy.txt /tmp/gf-nl/template.txt &&
       tb_exec node1 grep -q "net.gf.canary *= *$CANARY" /tmp/gf-nl/sysctl.conf &&
       tb_exec node1 grep -q "size=1m,$CANARY" /tmp/gf-nl/fstab ;;
    esac
'
done

expect_success 'without no_log the same diff shows (the check above can fail)' '
    tb_exec node1 rm -rf /tmp/gf-nl && tb_exec node1 install -d -o gf /tmp/gf-nl &&
    sed "/no_log: true/d" "$PB/nolog.yml" >shown.yml && cp "$PB/nolog.j2" . &&
    "$GF" run -i "$INV" --diff -e canary=$CANARY shown.yml >out 2>&1
    grep -q "^+key=$CANARY" out && grep -q "(item=a=$CANARY)" out
'

test_done
