# shellcheck shell=sh disable=SC2154
# getent.sh - the getent module's query: getent DATABASE [KEY] [-s SERVICE].
# In: gf_db, gf_key, gf_has_key (1: a key is given), gf_service.
# Out: "GFRC <exit status>", then getent's output. (The inputs are
# assigned before the script: SC2154.)

set -- "$gf_db"
[ "$gf_has_key" = 1 ] && set -- "$@" "$gf_key"
[ -n "$gf_service" ] && set -- "$@" -s "$gf_service"
command -v getent >/dev/null 2>&1 || fail "Failed to find required executable \"getent\""
out=$(getent "$@")
echo "GFRC $?"
[ -z "$out" ] || printf '%s\n' "$out"
