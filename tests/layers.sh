#!/bin/sh
# layers.sh - the include graph of engine/ points only down. Each folder is
# a layer with a rank (docs/internals/layers.md); a file may include the
# headers of its own folder and of folders of a lower rank, never those of
# its own rank or above, and of another folder only the public ones (not
# *-priv.h, *-private.h). Prints each wrong edge as FILE:LINE: ... and exits
# 1 when there is one.
# Usage: tests/layers.sh [ROOT]     checks ROOT/engine (default: this tree)
#        tests/layers.sh --objects BUILD  the same for the symbols the built
#                                     objects use (BUILD/engine/*/*.o)
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

# objects BUILD: the same rule for the symbols the objects under
# BUILD/engine use: an include can be bypassed by a declaration of one's
# own, a symbol cannot. Objects whose source is gone (renamed) are left out.
objects() {
    for o in "$1"/engine/*/*.o; do
        src=${o#"$1"/}
        [ -f "$2/${src%.o}.c" ] || continue
        d=${src#engine/}
        echo "$o ${d%%/*}"
    done >"$tmp/objs"
    # the generated script tables belong to the layer that declares them
    for g in nodesh:modules execsh:exec bundlesh:bundle; do
        if [ -f "$1/gen/${g%%:*}-data.o" ]; then
            echo "$1/gen/${g%%:*}-data.o ${g#*:}"
        fi
    done >>"$tmp/objs"
    [ -s "$tmp/objs" ] || { echo "layers: no objects under $1/engine" >&2; return 1; }
    # nm -A: "OBJECT:ADDRESS TYPE SYMBOL"; the folder of each object first
    awk '{ print $1 }' "$tmp/objs" | xargs nm -A --defined-only |
        awk 'NR == FNR { dir[$1] = $2; next }
            { split($1, f, ":") }
            $2 ~ /^[TDRBC]$/ && (f[1] in dir) { print $3, dir[f[1]] }' "$tmp/objs" - |
        sort -u >"$tmp/defs"
    awk '{ print $1 }' "$tmp/objs" | xargs nm -A -u |
        awk 'NR == FNR { dir[$1] = $2; next }
            { split($1, f, ":"); print $NF, f[1], dir[f[1]] }' "$tmp/objs" - >"$tmp/uses"
    # "OBJECT FOLDER SYMBOL FOLDER-DEFINING-IT" for each use across folders
    awk 'NR == FNR { def[$1] = $2; next }
        ($1 in def) && def[$1] != $3 { print $2, $3, $1, def[$1] }' \
        "$tmp/defs" "$tmp/uses" >"$tmp/cross"
    bad=0
    while read -r o dir sym to; do
        if [ "$(rank "$to")" -ge "$(rank "$dir")" ]; then
            echo "${o#"$1"/}: $dir (layer $(rank "$dir")) uses $sym of $to (layer $(rank "$to"))"
            bad=1
        fi
    done <"$tmp/cross"
    return $bad
}

if [ "${1:-}" = --objects ]; then
    tmp=$(mktemp -d)
    trap 'rm -rf "$tmp"' EXIT
    if objects "$2" "$(dirname "$0")/.."; then
        echo "layers: no object in $2/engine uses a symbol of a layer above it"
        exit 0
    fi
    echo "layers: see docs/internals/layers.md" >&2
    exit 1
fi

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
    # a symbol of a layer above, used through a declaration of one's own
    mkdir -p "$tmp/b/engine/core" "$tmp/b/engine/modules"
    printf 'int gf_up(void);\nint gf_down(void);\nint gf_down(void) { return gf_up(); }\n' \
        >"$tmp/engine/core/down.c"
    printf 'int gf_up(void);\nint gf_up(void) { return 1; }\n' >"$tmp/engine/modules/up.c"
    ${CC:-cc} -c -o "$tmp/b/engine/core/down.o" "$tmp/engine/core/down.c" &&
        ${CC:-cc} -c -o "$tmp/b/engine/modules/up.o" "$tmp/engine/modules/up.c" || exit 1
    if objects "$tmp/b" "$tmp" >/dev/null; then
        echo "not ok - layers.sh --objects lets core use a symbol of modules" >&2
        exit 1
    fi
    rm -f "$tmp/engine/core/down.c"
    if ! objects "$tmp/b" "$tmp" >/dev/null; then
        echo "not ok - layers.sh --objects refuses what is not there" >&2
        exit 1
    fi
    echo "layers: the check catches upward, private and unknown edges, and symbols"
    exit 0
fi

root=${1:-$(dirname "$0")/..}
if check "$root"; then
    echo "layers: every #include in engine/ points down"
else
    echo "layers: see docs/internals/layers.md" >&2
    exit 1
fi
