#!/bin/sh
# layers.sh - the include graph of engine/ points only down. Each folder is
# a layer with a rank (docs/internals/layers.md); a file may include the
# headers of its own folder and of folders of a lower rank, never those of
# its own rank or above, and of another folder only the public ones (not
# *-priv.h, *-private.h). Prints each wrong edge as FILE:LINE: ... and exits
# 1 when there is one.
# Usage: tests/layers.sh [ROOT]     checks ROOT/engine (default: this tree)
#        tests/layers.sh --self-test  shows that a wrong edge is caught
set -eu

# rank FOLDER: the folder's layer, empty for a folder with no rank
rank() {
    case $1 in
        core) echo 0 ;;
        inventory | template | exec | cloud) echo 1 ;;
        bundle) echo 2 ;;
        modules) echo 3 ;;
        playbook) echo 4 ;;
        cli) echo 5 ;;
        *) echo ;;
    esac
}

# check ROOT: prints the wrong edges under ROOT/engine; fails when any
check() {
    bad=0
    for f in "$1"/engine/*/*.c "$1"/engine/*/*.h; do
        [ -f "$f" ] || continue
        dir=${f%/*}
        dir=${dir##*/}
        from=$(rank "$dir")
        if [ -z "$from" ]; then
            echo "${f#"$1"/}: folder '$dir' has no layer (tests/layers.sh)"
            bad=1
            continue
        fi
        # "N:../DIR/NAME.h" for each include of another folder
        edges=$(grep -n '^[[:space:]]*#[[:space:]]*include[[:space:]]*"\.\./' "$f" |
            sed 's/^\([0-9]*\):[^"]*"\([^"]*\)".*/\1:\2/') || true
        for e in $edges; do
            line=${e%%:*}
            inc=${e#*:}
            to=${inc#../}
            to=${to%%/*}
            name=${inc##*/}
            r=$(rank "$to")
            where="${f#"$1"/}:$line"
            if [ -z "$r" ]; then
                echo "$where: includes '$inc', of a folder with no layer"
                bad=1
            elif [ "$r" -ge "$from" ]; then
                echo "$where: $dir (layer $from) includes '$inc' of $to (layer $r): an edge that does not point down"
                bad=1
            fi
            case $name in
                *-priv.h | *-private.h)
                    echo "$where: includes '$inc', private to $to"
                    bad=1
                    ;;
            esac
        done
    done
    return $bad
}

if [ "${1:-}" = --self-test ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    mkdir -p "$tmp/engine/core" "$tmp/engine/modules" "$tmp/engine/playbook"
    printf '#include "../core/core.h"\n' >"$tmp/engine/modules/ok.c"
    : >"$tmp/engine/core/core.h"
    if ! check "$tmp" >/dev/null; then
        echo "not ok - layers.sh refuses a tree with no wrong edge" >&2
        exit 1
    fi
    # FOLDER:INCLUDE - up, sideways, private, a folder with no layer
    for e in modules:../playbook/playbook.h core:../modules/module.h \
        exec:../inventory/inventory.h playbook:../inventory/inv-private.h \
        modules:../nowhere/x.h; do
        mkdir -p "$tmp/engine/${e%%:*}"
        printf '#include "%s"\n' "${e#*:}" >"$tmp/engine/${e%%:*}/bad.c"
        if check "$tmp" >/dev/null; then
            echo "not ok - layers.sh lets ${e#*:} through in ${e%%:*}/" >&2
            exit 1
        fi
        rm -f "$tmp/engine/${e%%:*}/bad.c"
    done
    echo "layers: the check catches upward, private and unknown edges"
    exit 0
fi

root=${1:-$(dirname "$0")/..}
if check "$root"; then
    echo "layers: every #include in engine/ points down"
else
    echo "layers: see docs/internals/layers.md" >&2
    exit 1
fi
