# shellcheck shell=sh disable=SC2154
# group.sh - the group module: a local group present (with gid) or absent,
# through getent, groupadd, groupmod and groupdel. Sent after lib.sh.
# In: gf_name, gf_state, gf_gid (empty: any), gf_system, gf_check.
# Out: "GF <changed> <gid>" (gid empty when absent or not yet created);
# "GFERR text" on failure. (The inputs are assigned before the script:
# SC2154.)

n=$gf_name
ent=$(getent group "$n")
cur=${ent#*:*:}
cur=${cur%%:*}
# run CMD... - an action; its output is the failure when it fails
run() {
    try "$@" || fail "${gf_out:-$1 failed}"
}
if [ "$gf_state" = absent ]; then
    [ -z "$ent" ] && { echo 'GF 0 '; exit 0; }
    run groupdel "$n"
    echo 'GF 1 '
    exit 0
fi
if [ -z "$ent" ]; then
    set --
    [ -n "$gf_gid" ] && set -- -g "$gf_gid"
    [ "$gf_system" = 1 ] && set -- "$@" -r
    run groupadd "$@" "$n"
    ch=1
elif [ -n "$gf_gid" ] && [ "$gf_gid" != "$cur" ]; then
    run groupmod -g "$gf_gid" "$n"
    ch=1
else
    ch=0
fi
ent=$(getent group "$n")
cur=${ent#*:*:}
cur=${cur%%:*}
echo "GF $ch $cur"
