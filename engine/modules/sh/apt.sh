# shellcheck shell=sh disable=SC2154
# apt.sh - the first round trip of the apt module (and package): reads the
# cache, after an update when asked, and what dpkg has installed; the
# controller decides what apt-get must do. Sent after lib.sh.
# In: the package names as "$@"; gf_update, gf_valid (cache_valid_time,
#     seconds), gf_lock (lock_timeout), gf_check, gf_deb (a .deb on the
#     node, or empty), gf_policy (0: no apt-cache policy, 1: for every
#     name, 2: for names not installed), gf_autoremove_only.
# Out: "GFCACHE <updated> <mtime>", "GFDEB pkg|ver|arch" (gf_deb), "GFPKG
# <i> <status>|<version>" (dpkg), "GFPOL <i> <line>" (apt-cache policy),
# "GFRM <line>" (the autoremove preview), "GFEND" last; "GFERR text" on
# failure. (The inputs are assigned before the script: SC2154.)

command -v apt-get >/dev/null ||
    fail 'apt-get not found: apt and package need a Debian-family host'
# the time of the last cache update
stamp() {
    f=/var/lib/apt/periodic/update-success-stamp
    [ -f $f ] || f=/var/lib/apt/lists
    stat -c %Y $f
}
t=$(stamp)
up=0
if [ "$gf_update" = 1 ]; then
    if [ "$gf_valid" -gt 0 ] && [ $(($(date +%s) - t)) -lt "$gf_valid" ]; then
        :
    elif [ "$gf_check" = 1 ]; then
        up=1
    else
        o=$(apt-get update -q -o DPkg::Lock::Timeout="$gf_lock" 2>&1) ||
            fail "Failed to update apt cache: $o"
        case $o in *'W: Failed to fetch'*|*'W: Some index files failed'*|*'E: '*)
            fail "Failed to update apt cache: $o" ;;
        esac
        t2=$(stamp)
        [ "$t2" = "$t" ] || up=1
        t=$t2
    fi
fi
echo "GFCACHE $up $t"
if [ -n "$gf_deb" ]; then
    [ -f "$gf_deb" ] || fail "deb file $gf_deb does not exist on the host"
    # shellcheck disable=SC2016
    d=$(dpkg-deb -W --showformat='${Package}|${Version}|${Architecture}' "$gf_deb" 2>&1) ||
        fail "$gf_deb is not a readable Debian package: $d"
    echo "GFDEB $d"
    set -- "${d%%|*}"
fi
i=0
for p in "$@"; do
    # shellcheck disable=SC2016
    s=$(dpkg-query -W -f='${db:Status-Abbrev}|${Version}\n' "$p" 2>/dev/null)
    printf '%s\n' "$s" | while IFS= read -r l; do [ -z "$l" ] || echo "GFPKG $i $l"; done
    case $gf_policy:$s in
    0:*|2:?[iWt]*) ;;
    *) apt-cache policy "$p" 2>/dev/null | while IFS= read -r l; do echo "GFPOL $i $l"; done ;;
    esac
    i=$((i + 1))
done
if [ "$gf_autoremove_only" = 1 ]; then
    apt-get -s -q autoremove 2>/dev/null | while IFS= read -r l; do
        case $l in 'Remv '*) echo "GFRM $l" ;; esac
    done
fi
echo GFEND
