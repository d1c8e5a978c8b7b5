# shellcheck shell=sh disable=SC2154
# tempfile.sh - the tempfile module: a new file (mode 0600) or directory
# (0700) named PREFIX + 8 random characters + SUFFIX in gf_dir (empty: the
# directory Python's tempfile picks: TMPDIR, TEMP, TMP, else /tmp).
# Prints "GFPATH path" and "GFSTAT uid|gid|owner|group|mode|size". (The
# inputs are assigned before the script: SC2154.)

d=$gf_dir
if [ -z "$d" ]; then
    for v in "${TMPDIR:-}" "${TEMP:-}" "${TMP:-}" /tmp /var/tmp /usr/tmp; do
        if [ -n "$v" ] && [ -d "$v" ] && [ -w "$v" ]; then
            d=$v
            break
        fi
    done
fi
if [ ! -d "$d" ]; then
    fail "[Errno 2] No such file or directory: '$d'"
fi
if [ "$gf_state" = directory ]; then
    p=$(umask 077 && mktemp -d -p "$d" --suffix="$gf_suffix" "${gf_prefix}XXXXXXXX") || fail "cannot make a directory in $d"
else
    p=$(umask 077 && mktemp -p "$d" --suffix="$gf_suffix" "${gf_prefix}XXXXXXXX") || fail "cannot make a file in $d"
fi
printf 'GFPATH %s\n' "$p"
printf 'GFSTAT %s\n' "$(stat -c '%u|%g|%U|%G|%a|%s' -- "$p")"
