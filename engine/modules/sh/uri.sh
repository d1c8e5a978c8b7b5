# shellcheck shell=sh disable=SC2154
# uri.sh - the node side of uri (engine/modules/uri.c), sent after lib.sh
# (and tmpfile.sh for gf_phase=write).
#
# gf_phase=probe: "GFCURL 0|1"; GFEXISTS lines for gf_creates, gf_removes
# and gf_dest ("GFEXISTS creates 1"), "GFDESTDIR 0|1", "GFMTIME seconds".
# gf_phase=request: stdin is curl's configuration (gf_cfglen bytes) then
# the request's body; prints "GFHTTP status final-url", the response's head
# after "GFHEAD", and its body after "GFBODY" (to the end).
# gf_phase=write: stdin to gf_dest, atomically ("GFDEST path").

if [ "$gf_phase" = probe ]; then
    if command -v curl >/dev/null 2>&1; then echo "GFCURL 1"; else echo "GFCURL 0"; fi
    [ -n "$gf_creates" ] && { [ -e "$gf_creates" ] && echo "GFEXISTS creates 1" || echo "GFEXISTS creates 0"; }
    [ -n "$gf_removes" ] && { [ -e "$gf_removes" ] && echo "GFEXISTS removes 1" || echo "GFEXISTS removes 0"; }
    if [ -n "$gf_dest" ]; then
        if [ -d "$gf_dest" ]; then echo "GFDESTDIR 1"; else echo "GFDESTDIR 0"; fi
        [ -f "$gf_dest" ] && stat -c 'GFMTIME %Y' "$gf_dest"
    fi
    exit 0
fi
if [ "$gf_phase" = write ]; then
    d=$gf_dest
    gf_tmpfile "$(dirname "$d")" || fail "failed to create temporary content file"
    t=$gf_tmp
    if ! cat >"$t"; then rm -f "$t"; fail "failed to write $d"; fi
    if [ -e "$d" ]; then chmod "$(stat -c %a "$d")" "$t"; else chmod 644 "$t"; fi
    mv -f "$t" "$d" || { rm -f "$t"; fail "failed to write $d"; }
    echo "GFDEST $d"
    exit 0
fi
w=$(mktemp -d) || fail "cannot create a temporary directory"
trap 'rm -rf "$w"' EXIT INT TERM HUP
# dd reads the configuration byte by byte: no more than its length
if ! dd bs=1 count="$gf_cfglen" of="$w/cfg" 2>/dev/null || ! cat >"$w/body"; then
    fail "cannot read the request"
fi
set -- -sS -K "$w/cfg" -D "$w/head" -o "$w/out" -w '%{http_code} %{url_effective}'
[ -s "$w/body" ] && set -- "$@" --data-binary "@$w/body"
r=$(curl "$@" -- "$gf_url" 2>"$w/err") || { echo "GFHTTP -1 $gf_url"; echo "GFHEAD"; echo "GFCURLERR $(cat "$w/err")"; exit 0; }
echo "GFHTTP $r"
echo "GFHEAD"
cat "$w/head"
echo "GFBODY"
[ ! -f "$w/out" ] || cat "$w/out"
