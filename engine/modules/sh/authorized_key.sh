# shellcheck shell=sh disable=SC2154
# authorized_key.sh - finds the authorized_keys file of a user (the
# module's keyfile()) and, with gf_write=1, makes it ready to be written:
# the directory (with gf_manage_dir=1, mode 0700, owned by the user) and
# the file (created empty, owned by the user, mode 0600).
# In: gf_user, gf_path (empty: ~user/.ssh/authorized_keys), gf_manage_dir,
#     gf_follow, gf_write, gf_check.
# Out: "GFFILE path". (The inputs are assigned before the script: SC2154.)

uid='' gid='' home=''
# shellcheck disable=SC2088
case $gf_path in "~"|"~/"*) gf_path=$HOME${gf_path#"~"};; esac
if [ "$gf_check" != 1 ] || [ -z "$gf_path" ]; then
    if ! ent=$(getent passwd -- "$gf_user"); then
        [ "$gf_check" = 1 ] &&
            fail "Either user must exist or you must provide full path to key file in check mode"
        fail "Failed to lookup user $gf_user: \"getpwnam(): name not found: '$gf_user'\""
    fi
    uid=$(printf %s "$ent" | cut -d: -f3)
    gid=$(printf %s "$ent" | cut -d: -f4)
    home=$(printf %s "$ent" | cut -d: -f6)
fi
if [ -n "$gf_path" ]; then
    f=$gf_path
    d=$(dirname -- "$f")
else
    d=$home/.ssh
    f=$d/authorized_keys
fi
if [ "$gf_follow" = 1 ] && [ "$gf_write" = 1 ]; then
    f=$(realpath -m -- "$f") || fail "cannot resolve $f"
fi
if [ "$gf_write" = 1 ] && [ "$gf_check" != 1 ]; then
    if [ "$gf_manage_dir" = 1 ]; then
        if [ ! -e "$d" ]; then
            mkdir -m 700 -- "$d" || fail "Failed to create directory $d"
        fi
        if ! chown "$uid:$gid" "$d" || ! chmod 700 "$d"; then
            fail "cannot set the owner and mode of $d"
        fi
    fi
    if [ ! -e "$f" ]; then
        if ! mkdir -p -- "$(dirname -- "$f")" || ! : >"$f"; then
            fail "cannot create $f"
        fi
    fi
    chown "$uid:$gid" "$f" 2>/dev/null
    chmod 600 "$f" 2>/dev/null
fi
printf 'GFFILE %s\n' "$f"
