# shellcheck shell=sh disable=SC2154
# apt_sources.sh - the node side of apt_repository and deb822_repository,
# sent after lib.sh.
#
# gf_phase=read: the APT source files, each as "GFFILE path", its lines
# with a leading '|', then "GFEOF" (gf_glob: the pattern of the files in
# sources.list.d, e.g. '*.list'); "GFDIR dir" is sources.list.d.
# gf_phase=write: the calls the module appended (put PATH MODE TEXT, del
# PATH), then with gf_update=1 `apt-get update` (gf_retries tries, delays
# as Ansible's), the files put back as they were when it fails.

sl=/etc/apt/sources.list sp=/etc/apt/sources.list.d
if command -v apt-config >/dev/null 2>&1; then
    eval "$(apt-config shell sl Dir::Etc::sourcelist/f sp Dir::Etc::sourceparts/d)"
    sp=${sp%/}
fi
if [ "$gf_phase" = read ]; then
    echo "GFDIR $sp"
    for f in "$sl" "$sp"/$gf_glob; do
        [ -f "$f" ] || continue
        echo "GFFILE $f"
        sed 's/^/|/' "$f" || fail "cannot read $f"
        echo "GFEOF"
    done
    exit 0
fi

bk=$(mktemp -d) || fail "cannot create a temporary directory"
trap 'rm -rf "$bk"' EXIT
undo=
# keep PATH - remembers how PATH was, for the way back
keep() {
    k=$bk/$(printf '%s' "$1" | tr / _)
    if [ -e "$1" ]; then cp -p "$1" "$k" && undo="$undo
mv -f '$k' '$1'"
    else undo="$undo
rm -f '$1'"; fi
}
put() {
    keep "$1"
    d=${1%/*}
    mkdir -p "$d" || fail "Failed to create directory $d"
    t=$(mktemp "$d/.${1##*/}-XXXXXX") || fail "Unable to create temp file at \"$d\" for apt source"
    printf '%s' "$3" >"$t" || { rm -f "$t"; fail "Failed to write to file $t"; }
    if [ -e "$1" ]; then
        chmod "$(stat -c %a "$1")" "$t" && chown "$(stat -c %u:%g "$1")" "$t"
    else
        chmod 644 "$t"
    fi
    [ -z "$2" ] || chmod "$2" "$t" || { rm -f "$t"; fail "chmod $2 failed"; }
    mv -f "$t" "$1" || { rm -f "$t"; fail "cannot replace $1"; }
}
del() {
    keep "$1"
    rm -f "$1" || fail "cannot remove $1"
}
