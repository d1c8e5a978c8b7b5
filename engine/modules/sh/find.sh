# shellcheck shell=sh disable=SC2154
# find.sh - the find module's node side. With gf_op=list: the node's time
# and, for each directory of gf_paths (one a line), every entry under it
# (gf_maxdepth deep, empty: all) with its lstat data; with gf_op=contains:
# the files named on stdin (NUL-separated) that hold gf_contains (a PCRE,
# matched at a line start, or anywhere with gf_whole=1); with gf_op=sum:
# their SHA-1. Records end with NUL:
#   "GFNOW seconds", "GFSKIP path", "GFERRP path<TAB>message",
#   "GFROOT path", "E type followed-type mode uid gid size inode dev nlink
#   atime mtime ctime user group<TAB>path"; contains prints the paths that
#   match (grep -lZ), sum sha1sum's lines.
# (The inputs are assigned before the script: SC2154.)

case $gf_op in
list)
    printf 'GFNOW %s\0' "$(date +%s.%N)"
    e=$(mktemp) || fail "cannot create a temporary file"
    printf '%s\n' "$gf_paths" | while IFS= read -r p; do
        # shellcheck disable=SC2088
        case $p in "~"|"~/"*) p=$HOME${p#"~"} ;; esac
        if [ ! -d "$p" ]; then
            printf 'GFSKIP %s\0' "$p"
            continue
        fi
        printf 'GFROOT %s\0' "$p"
        set -- "$p" -mindepth 1
        [ -z "$gf_maxdepth" ] || set -- "$@" -maxdepth "$gf_maxdepth"
        if ! find "$@" -printf '%y %Y %m %U %G %s %i %D %n %A@ %T@ %C@ %u %g\t%p\0' 2>"$e"; then
            printf 'GFERRP %s\t%s\0' "$p" "$(head -n 1 "$e")"
        fi
    done
    rm -f "$e"
    ;;
contains)
    if [ "$gf_whole" = 1 ]; then
        xargs -0 -r grep -lzZP -- "$gf_contains" 2>/dev/null
    else
        xargs -0 -r grep -lZP -- "^(?:$gf_contains)" 2>/dev/null
    fi
    true
    ;;
sum)
    xargs -0 -r sha1sum 2>/dev/null
    true
    ;;
esac
