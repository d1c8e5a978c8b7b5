# shellcheck shell=sh disable=SC2154
# modprobe.sh - the modprobe module (community.general.modprobe): loads or
# unloads a kernel module and keeps its modules-load.d / modprobe.d files.
# Inside a container the kernel is the host's: loading fails, and the
# message says why instead of leaving modprobe's words alone. Sent after
# lib.sh.
# In: the module parameters as "$@"; gf_name, gf_state (present, absent),
#     gf_params, gf_persistent (disabled, present, absent), gf_check.
# Out: "GFDO what" for each change, "GFEND" last; "GFERR text" on
# failure. (The inputs are assigned before the script: SC2154.)

# /proc/modules names use '_' for the '-' of file names
n=$(printf %s "$gf_name" | tr - _)
loaded=0
builtin=0
if [ -r /proc/modules ]; then
    while read -r m _; do
        [ "$m" = "$n" ] && { loaded=1; break; }
    done </proc/modules
fi
b=/lib/modules/$(uname -r)/modules.builtin
if [ $loaded = 0 ] && [ -f "$b" ]; then
    tr - _ <"$b" | while IFS= read -r l; do case $l in */"$n".ko*) exit 3 ;; esac; done
    [ $? = 3 ] && loaded=1 builtin=1
fi
hint=
c=$(cat /run/systemd/container 2>/dev/null) || { [ -f /.dockerenv ] && c=docker; }
if [ -n "$c" ]; then
    hint=" (this host is a $c container: kernel modules are loaded and unloaded on its"
    hint="$hint host, not inside it)"
fi
[ -r /proc/modules ] || hint="$hint (the kernel has no loadable module support: no /proc/modules)"
# act CMD... - a change
act() {
    echo "GFDO $*"
    try "$@" || fail "$* failed: $gf_out$hint"
}
if [ "$gf_state" = present ]; then
    [ $loaded = 1 ] || act modprobe "$gf_name" "$@"
elif [ $builtin = 1 ]; then
    fail "$gf_name is built into the kernel and cannot be unloaded"
else
    [ $loaded = 0 ] || act modprobe -r "$gf_name"
fi
# put FILE LINE - FILE holds LINE only
put() {
    [ -f "$1" ] && [ "$(cat "$1")" = "$2" ] && return 0
    echo "GFDO write $1"
    [ "$gf_check" = 1 ] && return 0
    d=${1%/*}
    # any step failing is the failure
    # shellcheck disable=SC2015
    mkdir -p "$d" && gf_tmpfile "$d" && t=$gf_tmp &&
        printf '%s\n' "$2" >"$t" && chmod 644 "$t" && mv -f "$t" "$1" ||
        { rm -f "$t"; fail "cannot write $1"; }
}
# del FILE - FILE is absent
del() {
    [ -e "$1" ] || [ -L "$1" ] || return 0
    echo "GFDO remove $1"
    try rm -f -- "$1" || fail "cannot remove $1"
}
lf=/etc/modules-load.d/$gf_name.conf
of=/etc/modprobe.d/$gf_name.conf
case $gf_persistent in
present)
    put "$lf" "$gf_name"
    [ -z "$gf_params" ] || put "$of" "options $gf_name $gf_params" ;;
absent)
    del "$lf"
    del "$of" ;;
esac
echo GFEND
