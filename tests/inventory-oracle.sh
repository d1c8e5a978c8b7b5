#!/usr/bin/env bash
# inventory-oracle.sh - the inventory corpus against the real Ansible.
#
# For every case under tests/data/inventory/ it runs ansible-inventory (and
# `ansible PATTERN --list-hosts` for pattern files) and compares the output
# with the expected files committed beside the case, which CI then uses
# without Ansible. With --update the expected files are (re)written from
# Ansible's output. With --gpuforge it also compares ./gpuforge's output
# ($GPUFORGE names another binary).
#
#   tests/inventory-oracle.sh [--update] [--gpuforge] [CASE-SUBSTRING...]
#
# Case layout (see tests/data/inventory/README):
#   NNN-name.EXT               one source; expected NNN-name.EXT.list and .graph
#                              (no .graph for the cases named in graph-skip)
#   NNN-name.EXT.patterns      optional: host patterns, one per line;
#                              expected NNN-name.EXT.patterns.out
#   NNN-name/args              command-line arguments relative to the case dir
#                              (-i SRC..., --playbook-dir DIR); expected
#                              NNN-name/expected.list, expected.graph,
#                              optional patterns and patterns.out
#   bad/NNN-name.EXT or bad/NNN-name/args, with bad/NNN-name.err: the first
#                              line of gpuforge's error. Ansible's reaction is
#                              only reported (several are deliberate differences).
# Ansible runs from an empty directory so that no group_vars/ of the working
# directory (ansible-inventory's default playbook directory) gets in.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
data="$top/tests/data/inventory"
update=0 gpuforge=0
filters=()
for a in "$@"; do
    case "$a" in
    --update) update=1 ;;
    --gpuforge) gpuforge=1 ;;
    -h|--help) sed -n '2,26p' "$0"; exit 0 ;;
    *) filters+=("$a") ;;
    esac
done
if ! command -v ansible-inventory >/dev/null 2>&1; then
    echo "inventory-oracle: ansible-inventory is not installed; nothing to compare" >&2
    exit 0
fi
export ANSIBLE_NOCOLOR=1
empty=$(mktemp -d)
trap 'rm -rf "$empty"' EXIT
fails=0 cases=0

selected() {
    [ ${#filters[@]} -eq 0 ] && return 0
    for f in "${filters[@]}"; do
        case "$1" in *"$f"*) return 0 ;; esac
    done
    return 1
}

# args_of CASE: the command-line arguments with paths made absolute.
args_of() {
    local c=$1 out=() prev=""
    if [ -d "$c" ]; then
        for w in $(cat "$c/args"); do
            if [ "$prev" = "-i" ] || [ "$prev" = "--playbook-dir" ]; then
                case "$w" in *,*) out+=("$w") ;; *) out+=("$c/$w") ;; esac
            else
                out+=("$w")
            fi
            prev=$w
        done
    else
        out=(-i "$c")
    fi
    printf '%s\n' "${out[@]}"
}

# expected CASE KIND: the expected-output file of a case.
expected() {
    if [ -d "$1" ]; then echo "$1/expected.$2"; else echo "$1.$2"; fi
}

# compare NAME FILE OUTPUT: reports or writes.
compare() {
    local name=$1 file=$2 out=$3
    if [ $update = 1 ]; then
        printf '%s' "$out" >"$file"
    elif [ ! -f "$file" ]; then
        echo "MISSING $name: $file"; fails=$((fails + 1))
    elif [ "$(cat "$file"; echo x)" != "${out}x" ]; then
        echo "DIFFERS $name: $file"; diff <(printf '%s' "$out") "$file" | head -20
        fails=$((fails + 1))
    fi
}

# patterns_of FILE ARGS...: "PATTERN<TAB>host host ..." (or "<TAB>!error") for each
# pattern in FILE, from InventoryManager.get_hosts in Ansible's own Python.
python=$(sed -n '1s/^#! *//p' "$(command -v ansible-inventory)")
patterns_of() {
    local file=$1
    shift
    (cd "$empty" && "${python:-python3}" - "$file" "$@" <<'PY'
import sys
from ansible.parsing.dataloader import DataLoader
from ansible.inventory.manager import InventoryManager
from ansible.utils.display import Display
Display().verbosity = -1
args = sys.argv[2:]
sources = [args[i + 1] for i in range(len(args)) if args[i] == '-i']
inv = InventoryManager(DataLoader(), sources=sources)
for p in open(sys.argv[1]).read().split('\n'):
    if not p:
        continue
    try:
        out = ' '.join(h.name for h in inv.get_hosts(p))
    except Exception:
        out = '!error'
    inv.clear_caches()
    print('%s\t%s' % (p, out))
PY
    )
}

for c in "$data"/[0-9]*; do
    case "$c" in *.list|*.graph|*.patterns|*.patterns.out) continue ;; esac
    name=${c#"$data"/}
    selected "$name" || continue
    cases=$((cases + 1))
    mapfile -t args < <(args_of "$c")
    kinds="list graph"
    grep -qx "$name" "$data/graph-skip" 2>/dev/null && kinds=list
    for kind in $kinds; do
        flags=(--list)
        [ $kind = graph ] && flags=(--graph --vars)
        out=$(cd "$empty" && ansible-inventory "${args[@]}" "${flags[@]}" 2>"$empty.err"; echo x)
        out=${out%x}
        if grep -q "Failed to parse\|Unable to parse" "$empty.err"; then
            echo "ANSIBLE FAILED $name:"; head -3 "$empty.err"; fails=$((fails + 1))
        fi
        compare "$name ($kind)" "$(expected "$c" $kind)" "$out"
        if [ $gpuforge = 1 ]; then
            mine=$(cd "$empty" && "${GPUFORGE:-$top/gpuforge}" inventory "${args[@]}" "${flags[@]}"; echo x)
            [ "${mine%x}" = "$out" ] || { echo "GPUFORGE DIFFERS $name ($kind)";
                diff <(printf '%s' "$out") <(printf '%s' "${mine%x}") | head -20;
                fails=$((fails + 1)); }
        fi
    done
    pfile=$(expected "$c" patterns)
    [ -d "$c" ] && pfile="$c/patterns"
    if [ -f "$pfile" ]; then
        out=$(patterns_of "$pfile" "${args[@]}" 2>/dev/null; echo x)
        compare "$name (patterns)" "$pfile.out" "${out%x}"
    fi
done

for c in "$data"/bad/[0-9]*; do
    case "$c" in *.err) continue ;; esac
    name=bad/${c#"$data"/bad/}
    selected "$name" || continue
    mapfile -t args < <(args_of "$c")
    if (cd "$empty" && ansible-inventory "${args[@]}" --list >/dev/null 2>"$empty.err") &&
        ! grep -q "Failed to parse\|Unable to parse" "$empty.err"; then
        echo "note: $name: ansible accepts it (gpuforge refuses on purpose)"
    fi
done
rm -f "$empty.err"
echo "inventory-oracle: $cases cases, $fails problems"
[ $fails = 0 ]
