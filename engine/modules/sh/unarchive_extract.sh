# shellcheck shell=sh disable=SC2154
# unarchive_extract.sh - the unarchive module's second round: unpacks
# (gf_do=1), sets owner, group and mode of the members of a remote
# archive, and drops the stream the first round kept.
# In: gf_dest, gf_archive, gf_do, gf_remote, gf_extra (extra_opts as quoted
#     shell words), gf_strip, gf_owner, gf_group, gf_mode.
# Out: "GFOUT" then tar's and chown's words (gf_do=1), "GFRC status"
# last. (The inputs are assigned before the script: SC2154.)

d=$gf_dest
a=$gf_archive
rc=0
eval "set -- $gf_extra"
if [ "$gf_do" = 1 ]; then
    echo GFOUT
    tar -x -p -f "$a" -C "$d" "$@" 2>&1
    rc=$?
    if [ $rc = 0 ] && [ "$gf_remote" = 1 ] && [ -n "$gf_owner$gf_group$gf_mode" ]; then
        tar -t -f "$a" "$@" | while IFS= read -r p; do
            [ "$gf_strip" = 0 ] || p=$(echo "$p" | cut -d/ -f$((gf_strip + 1))-)
            [ -n "$p" ] || continue
            [ -z "$gf_owner" ] || chown -h "$gf_owner" "$d/$p" || exit 1
            [ -z "$gf_group" ] || chgrp -h "$gf_group" "$d/$p" || exit 1
            [ -z "$gf_mode" ] || [ -L "$d/$p" ] || chmod "$gf_mode" "$d/$p" || exit 1
        done 2>&1 || rc=1
    fi
fi
[ "$gf_remote" = 1 ] || rm -f "$a"
echo "GFRC $rc"
