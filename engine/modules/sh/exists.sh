# shellcheck shell=sh
# exists.sh - does anything match a path pattern, as Python's glob.glob()
# tells for Ansible's command/shell creates and removes? Any match counts.
# A pattern without * ? [ names one path that exists (a dangling symlink
# too); * and ? do not match a leading dot and . and .. are never matched
# through a wildcard; a backslash is an ordinary character.
#
# In: gf_path (the pattern, ~ already expanded), gf_chdir (a directory the
# pattern is relative to, or empty). Out: "GF 1" (a match) or "GF 0".
# shellcheck disable=SC2154 # gf_* are assigned before the script

if [ -n "$gf_chdir" ]; then
    cd "$gf_chdir" || fail "Unable to change directory before execution: $gf_chdir"
fi

# lexists PATH - PATH exists or is a symlink
lexists() {
    [ -e "$1" ] || [ -L "$1" ]
}

case $gf_path in
*[*?[]*) ;;
*)
    if lexists "$gf_path"; then echo "GF 1"; else echo "GF 0"; fi
    exit 0
    ;;
esac

# the pattern with each backslash doubled: literal for the shell's matcher
pat='' rest=$gf_path
# shellcheck disable=SC1003 # '\\' is two backslashes
while :; do
    case $rest in
    *\\*) pat=$pat${rest%%\\*}'\\'; rest=${rest#*\\} ;;
    *) pat=$pat$rest; break ;;
    esac
done

# a literal . or .. component in the pattern lets matches hold them
dots=0
case /$gf_path/ in */./* | */../*) dots=1 ;; esac

set +f
IFS=
# shellcheck disable=SC2086 # pathname expansion of the pattern is the point
set -- $pat
for m; do
    case /$m/ in */./* | */../*) [ "$dots" = 1 ] || continue ;; esac
    # left as it is when nothing matched: a match only if it matches itself
    if [ "$m" = "$gf_path" ]; then
        # shellcheck disable=SC2254 # the pattern is to match here
        case $m in $pat) ;; *) continue ;; esac
    fi
    if lexists "$m"; then echo "GF 1"; exit 0; fi
done
echo "GF 0"
