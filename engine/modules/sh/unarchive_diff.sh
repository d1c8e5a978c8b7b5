# shellcheck shell=sh disable=SC2154
# unarchive_diff.sh - the unarchive module's first round: keeps the archive
# streamed on stdin in a temporary file (or finds the remote one) and
# compares it with dest (tar -d); for a remote archive with owner, group
# or mode, also lists the members whose attributes differ.
# In: gf_dest, gf_src (with gf_remote=1: the archive on the node), gf_remote,
#     gf_extra (extra_opts as quoted shell words), gf_strip (the number of
#     leading components --strip-components drops), gf_owner, gf_group,
#     gf_mode.
# Out: "GFTMP path" (the kept stream), "GFDIFF" then tar -d's lines and
# "GFRC status"; with gf_remote, "GFLIST", the members, "GFLISTEND" and a
# "GFATTR member" line for each attribute that differs; "GFEND" last.
# "GFERR text" on one line on failure. (The inputs are assigned before the
# script: SC2154.)

d=$gf_dest
a=
# err TEXT - fails with TEXT on one line, dropping the kept stream
err() {
    echo "GFERR $*" | tr '\n' ' '
    echo
    [ -n "$a" ] && [ "$gf_remote" != 1 ] && rm -f "$a"
    exit 1
}
if [ "$gf_remote" = 1 ]; then
    a=$gf_src
    if [ ! -f "$a" ] || [ ! -r "$a" ]; then
        err "Source '$a' does not exist or is not readable"
    fi
else
    a=$(mktemp "${TMPDIR:-/tmp}/gf-unarchive-XXXXXX") ||
        { cat >/dev/null; a=; err 'cannot create a temporary file'; }
    cat >"$a" || err "cannot store the archive in $a (disk full?)"
    echo "GFTMP $a"
fi
[ -d "$d" ] || err "dest '$d' must be an existing dir"
eval "set -- $gf_extra"
echo GFDIFF
tar -d -f "$a" -C "$d" "$@" 2>&1
echo "GFRC $?"
if [ "$gf_remote" = 1 ]; then
    echo GFLIST
    tar -t -f "$a" "$@" || err "cannot list $a"
    echo GFLISTEND
    if [ -n "$gf_owner$gf_group$gf_mode" ]; then
        tar -t -f "$a" "$@" | while IFS= read -r p; do
            [ "$gf_strip" = 0 ] || p=$(echo "$p" | cut -d/ -f$((gf_strip + 1))-)
            if [ -z "$p" ] || [ ! -e "$d/$p" ]; then continue; fi
            # owner, uid, group, gid, mode as words
            # shellcheck disable=SC2046
            set -- $(stat -c '%U %u %G %g %a' "$d/$p")
            [ -z "$gf_owner" ] || [ "$gf_owner" = "$1" ] || [ "$gf_owner" = "$2" ] ||
                echo "GFATTR $p"
            [ -z "$gf_group" ] || [ "$gf_group" = "$3" ] || [ "$gf_group" = "$4" ] ||
                echo "GFATTR $p"
            [ -z "$gf_mode" ] || [ "$(printf %o "$((0$gf_mode))")" = "$5" ] || echo "GFATTR $p"
        done
    fi
fi
echo GFEND
