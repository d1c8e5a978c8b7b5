# shellcheck shell=sh disable=SC2154
# wait_for.sh - one slice of the wait_for module's wait: polls until the
# condition holds or gf_slice seconds pass. A port is probed with bash's
# /dev/tcp, or where there is no bash by looking for a listening socket in
# /proc/net/tcp*. The text is searched over the whole file with grep -Pz
# and (?m), as Python's re.MULTILINE search does (grep -E line by line
# where grep lacks -P). Each round prints a line, so a loop whose
# connection is gone dies of SIGPIPE.
# In: gf_what (port-up, port-down, path-up, path-down), gf_host, gf_port,
#     gf_path, gf_re (search_regex), gf_ct (connect_timeout), gf_sleep,
#     gf_slice, gf_max (bytes of the file sent back).
# Out: "." per round, then "GFOK" and, with gf_re, the file's first
# gf_max bytes; or "GFTIMEOUT". (The inputs are assigned before the
# script: SC2154.)

end=$(( $(date +%s) + gf_slice ))
gp=-Pz
m='(?m)'
[ -n "$gf_re" ] && { printf x | grep -Pzq x 2>/dev/null || { gp=-E; m=; }; }
listening() {
    awk -v p=":$(printf %04X "$gf_port")" '$4 == "0A" &&
        substr($2, length($2) - 4) == p { f = 1 } END { exit !f }' \
        /proc/net/tcp /proc/net/tcp6 2>/dev/null
}
conn() {
    if command -v bash >/dev/null 2>&1; then
        # $0 and $1 are bash's
        # shellcheck disable=SC2016
        timeout "$gf_ct" bash -c 'exec 3<>"/dev/tcp/$0/$1"' "$gf_host" "$gf_port" 2>/dev/null
    else
        listening
    fi
}
found() {
    [ -e "$gf_path" ] && { [ -z "$gf_re" ] ||
        grep $gp -q -e "$m$gf_re" -- "$gf_path" 2>/dev/null; }
}
holds() {
    case $gf_what in
    port-up) conn ;;
    port-down) ! conn ;;
    path-up) found ;;
    path-down) [ ! -e "$gf_path" ] ;;
    esac
}
until holds; do
    [ "$(date +%s)" -lt "$end" ] || { echo GFTIMEOUT; exit 0; }
    echo .
    sleep "$gf_sleep"
done
echo GFOK
[ -z "$gf_re" ] || head -c "$gf_max" -- "$gf_path"
