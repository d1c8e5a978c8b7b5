# shellcheck shell=sh disable=SC2154
# iptables.sh - the node side of iptables (engine/modules/iptables.c), sent
# after lib.sh. The rule's words (Ansible's construct_rule) are "$@".
#
# Input: gf_bin (iptables or ip6tables), gf_table, gf_chain (may be
# empty with gf_op=flush), gf_op (flush, policy, chain_absent, rule),
# gf_policy, gf_action (append, insert), gf_rule_num, gf_state,
# gf_chain_management, gf_check. Prints "GFCHANGED 0|1".

command -v "$gf_bin" >/dev/null 2>&1 ||
    fail "Failed to find required executable \"$gf_bin\" in paths: $PATH"
# run CMD... - runs it; its output is the failure when it fails
run() {
    [ "$gf_check" = 1 ] && return 0
    o=$("$@" 2>&1) || fail "$o"
}
case $gf_op in
flush)
    echo "GFCHANGED 1"
    if [ -n "$gf_chain" ]; then run "$gf_bin" -t "$gf_table" -F "$gf_chain"
    else run "$gf_bin" -t "$gf_table" -F; fi ;;
policy)
    o=$("$gf_bin" -t "$gf_table" -L "$gf_chain" -n 2>&1) || fail "$o"
    cur=$(printf '%s\n' "$o" | sed -n '1s/.*(policy \([A-Z]*\).*/\1/p')
    [ -n "$cur" ] || fail "Can't detect current policy"
    echo "GFCURRENT $cur"
    if [ "$cur" = "$gf_policy" ]; then echo "GFCHANGED 0"; exit 0; fi
    echo "GFCHANGED 1"
    run "$gf_bin" -t "$gf_table" -P "$gf_chain" "$gf_policy" ;;
chain_absent)
    if "$gf_bin" -t "$gf_table" -L "$gf_chain" -n >/dev/null 2>&1; then
        echo "GFCHANGED 1"
        [ "$gf_chain_management" = 1 ] && run "$gf_bin" -t "$gf_table" -X "$gf_chain"
    else
        echo "GFCHANGED 0"
    fi ;;
rule)
    present=0 chain=0
    "$gf_bin" -t "$gf_table" -C "$gf_chain" "$@" >/dev/null 2>&1 && present=1 chain=1
    [ $chain = 1 ] || ! "$gf_bin" -t "$gf_table" -L "$gf_chain" -n >/dev/null 2>&1 || chain=1
    want=0
    [ "$gf_state" = present ] && want=1
    if [ $present = $want ]; then echo "GFCHANGED 0"; exit 0; fi
    echo "GFCHANGED 1"
    if [ $want = 1 ]; then
        [ $chain = 0 ] && [ "$gf_chain_management" = 1 ] && run "$gf_bin" -t "$gf_table" -N "$gf_chain"
        if [ "$gf_action" = insert ]; then
            if [ -n "$gf_rule_num" ]; then run "$gf_bin" -t "$gf_table" -I "$gf_chain" "$gf_rule_num" "$@"
            else run "$gf_bin" -t "$gf_table" -I "$gf_chain" "$@"; fi
        else
            run "$gf_bin" -t "$gf_table" -A "$gf_chain" "$@"
        fi
    else
        run "$gf_bin" -t "$gf_table" -D "$gf_chain" "$@"
    fi ;;
esac
