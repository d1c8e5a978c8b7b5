# shellcheck shell=sh disable=SC2154
# dpkg_selections.sh - the node side of dpkg_selections, sent after
# lib.sh. Input: gf_name, gf_selection, gf_check.
# Prints "GFCUR selection" (or "GFCUR not present"), "GFCHANGED 0|1"; on a
# dpkg failure "GFRC rc" and its stderr after a "GFSTDERR" line.

command -v dpkg >/dev/null 2>&1 || fail "Failed to find required executable \"dpkg\" in paths: $PATH"
e=$(mktemp) || fail "cannot create a temporary file"
trap 'rm -f "$e"' EXIT
out=$(dpkg --get-selections "$gf_name" 2>"$e")
rc=$?
if [ $rc != 0 ]; then
    echo "GFRC $rc"
    echo "GFSTDERR"
    cat "$e"
    exit 0
fi
# shellcheck disable=SC2086
set -- $out
cur=${2:-not present}
echo "GFCUR $cur"
[ "$cur" = "$gf_selection" ] && { echo "GFCHANGED 0"; exit 0; }
echo "GFCHANGED 1"
[ "$gf_check" = 1 ] && exit 0
printf '%s %s' "$gf_name" "$gf_selection" | dpkg --set-selections 2>"$e" || {
    echo "GFRC 1"
    echo "GFSTDERR"
    cat "$e"
}
