# shellcheck shell=sh disable=SC2154
# stat.sh - the stat module's main command; stat_attrs.sh may follow.
# In: p (the path), gf_follow ("-L" to follow a link, else empty),
#     gf_sum (the checksum tool: sha1sum, sha256sum; empty: none).
# Out: "type|mode|uid|gid|owner|group|size|mtime|nlink|inode", then the
# checksum of a readable regular file (else an empty line), then the
# link's target for a link; "GFABSENT" when there is no such path. (The
# inputs are assigned before the script: SC2154.)

if [ -e "$p" ] || [ -L "$p" ]; then
    # gf_follow is an option or nothing
    # shellcheck disable=SC2086
    stat $gf_follow -c '%F|%a|%u|%g|%U|%G|%s|%Y|%h|%i' "$p" || exit 1
    if [ -n "$gf_sum" ] && [ -f "$p" ] && [ -r "$p" ]; then
        # shellcheck disable=SC2046 # the sum is the first word of the answer
        set -- $("$gf_sum" <"$p")
        echo "${1:-}"
    else
        echo
    fi
    if [ -L "$p" ]; then readlink -- "$p"; fi
else
    echo GFABSENT
fi
