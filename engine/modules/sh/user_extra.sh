# shellcheck shell=sh disable=SC2154
# user_extra.sh - what the user module does once the account exists, run
# after its main script: the SSH key (generate_ssh_key, as the module's
# ssh_key_gen: made when missing, replaced only with force) and the
# password ages (password_expire_min/max through chage, when the shadow
# entry differs).
# In: gf_name, gf_check, gf_keygen, gf_key_type, gf_key_bits, gf_key_file,
#     gf_has_key_comment, gf_key_comment, gf_force, gf_exp_min, gf_exp_max.
# Out: "GFCH" when something changed, "GFWARN text" for the module's
# warnings, "GFSSHFILE path", "GFSSHFP fingerprint", "GFSSHPUB key". (The inputs are assigned before the
# script: SC2154.)

if ent=$(getent passwd "$gf_name"); then
    rest=${ent#*:*:}
    uid=${rest%%:*}
    rest=${rest#*:}
    gid=${rest%%:*}
    home=$(printf %s "$ent" | cut -d: -f6)
    if [ "$gf_keygen" = 1 ]; then
        f=$gf_key_file
        case $f in /*) ;; *) f=$home/$f ;; esac
        d=$(dirname -- "$f")
        gen=1
        if [ ! -e "$d" ]; then
            if [ "$gf_check" = 1 ]; then
                echo GFCH
                gen=0
            else
                if ! mkdir -m 700 -- "$d" || ! chown "$uid:$gid" "$d"; then
                    fail "Failed to create $d"
                fi
            fi
        fi
        yes=
        if [ $gen = 1 ] && [ -e "$f" ]; then
            if [ "$gf_force" = 1 ]; then
                echo "GFWARN Overwriting existing ssh key private file \"$f\""
                yes=y
            else
                echo "GFWARN Found existing ssh key private file \"$f\", no force, so" \
                    "skipping ssh-keygen generation"
                gen=0
            fi
        fi
        if [ $gen = 1 ] && [ -e "$f.pub" ]; then
            if [ "$gf_force" = 1 ]; then
                echo "GFWARN Overwriting existing ssh key public file \"$f.pub\""
                [ "$gf_check" = 1 ] || rm -f -- "$f.pub"
            else
                echo "GFWARN Found existing ssh key public file \"$f.pub\", no force, so" \
                    "skipping ssh-keygen generation"
                gen=0
            fi
        fi
        if [ $gen = 1 ]; then
            echo GFCH
            if [ "$gf_check" != 1 ]; then
                c=$gf_key_comment
                [ "$gf_has_key_comment" = 1 ] || c="ansible-generated on $(uname -n)"
                set -- -t "$gf_key_type"
                [ "${gf_key_bits:-0}" -gt 0 ] && set -- "$@" -b "$gf_key_bits"
                o=$(printf '%s\n' "$yes" | ssh-keygen "$@" -C "$c" -f "$f" -N '' 2>&1) ||
                    fail "$o"
                chown "$uid:$gid" "$f" "$f.pub"
            fi
        fi
        printf 'GFSSHFILE %s\n' "$f"
        if [ -e "$f" ] && fp=$(ssh-keygen -l -f "$f" 2>&1); then
            printf 'GFSSHFP %s\n' "$fp"
        fi
        if [ -r "$f.pub" ]; then
            printf 'GFSSHPUB %s\n' "$(cat -- "$f.pub")"
        fi
    fi
    if [ -n "$gf_exp_min$gf_exp_max" ] && sh=$(getent shadow "$gf_name"); then
        sh=${sh#*:*:*:}
        min=${sh%%:*}
        sh=${sh#*:}
        max=${sh%%:*}
        set --
        if [ -n "$gf_exp_min" ] && [ "$gf_exp_min" != "${min:--1}" ]; then
            set -- "$@" -m "$gf_exp_min"
        fi
        if [ -n "$gf_exp_max" ] && [ "$gf_exp_max" != "${max:--1}" ]; then
            set -- "$@" -M "$gf_exp_max"
        fi
        if [ $# -gt 0 ]; then
            echo GFCH
            if [ "$gf_check" != 1 ]; then
                o=$(chage "$@" "$gf_name" 2>&1) || fail "$o"
            fi
        fi
    fi
fi
