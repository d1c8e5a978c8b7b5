# shellcheck shell=sh disable=SC2154,SC2034
# file.sh - the file module (ansible.builtin.file): state absent, directory,
# file, touch, link and hard, then mode, owner and group (recursively with
# recurse on a directory). Times are set by file_times.sh, sent after it.
# In: gf_path, gf_state (empty: the path's own kind, file when absent),
# gf_src, gf_mode, gf_owner, gf_group, gf_recurse, gf_force, gf_touch_now,
# gf_check. Out: ch (1 when something changed or would) and st (the state)
# for the lines sent after it (SC2034); "GFERR text" on failure. (The
# inputs are assigned before the script: SC2154.)

p=$gf_path
ch=0 made=0

# kind PATH - cur = link, directory, file, other or absent
kind() {
    if [ -L "$1" ]; then
        cur="link"
    elif [ -d "$1" ]; then
        cur=directory
    elif [ -f "$1" ]; then
        cur="file"
    elif [ -e "$1" ]; then
        cur=other
    else
        cur=absent
    fi
}

# act CMD... - a change: counted, and done unless this is a check run
act() {
    ch=1
    [ "$gf_check" = 1 ] || "$@" || {
        echo "GFERR $* failed"
        exit 1
    }
}

# mkdirs PATH - as Ansible's file module: every directory it creates on the
# way, not only the last, gets the mode, owner and group; made=1 when it
# made the last with an octal mode
mkdirs() {
    o=$IFS
    IFS=/
    set -f
    q=
    case $1 in /*) q=/ ;; esac
    for c in $1; do
        [ -n "$c" ] || continue
        case $q in
            '' | /) q=$q$c ;;
            *) q=$q/$c ;;
        esac
        made=0
        [ -e "$q" ] && continue
        # an octal mode at once (mkdir -m: that mode, whatever the umask)
        case $gf_mode in
            '') mkdir -- "$q" || return 1 ;;
            *[!0-7]*) { mkdir -- "$q" && chmod "$gf_mode" "$q"; } || return 1 ;;
            *) { mkdir -m "$gf_mode" -- "$q" && made=1; } || return 1 ;;
        esac
        [ -z "$gf_owner" ] || chown "$gf_owner" "$q" || return 1
        [ -z "$gf_group" ] || chgrp "$gf_group" "$q" || return 1
    done
    IFS=$o
    set +f
}

kind "$p"
st=$gf_state
if [ -z "$st" ]; then
    case $cur in
        absent | other) st="file" ;;
        *) st=$cur ;;
    esac
fi

case $st in
    absent)
        [ "$cur" = absent ] || act rm -rf -- "$p"
        ;;
    directory)
        case $cur in
            absent) act mkdirs "$p" ;;
            directory) ;;
            *) echo "GFERR $p exists and is a $cur, not a directory"; exit 1 ;;
        esac
        ;;
    file)
        case $cur in
            absent) echo "GFERR file ($p) is absent, cannot continue"; exit 1 ;;
            directory) echo "GFERR $p is a directory, not a file"; exit 1 ;;
        esac
        ;;
    touch)
        if [ "$gf_touch_now" = 1 ] || [ "$cur" = absent ]; then
            act touch -- "$p"
        fi
        ;;
    link)
        [ -n "$gf_src" ] || { echo "GFERR src is required for state=link"; exit 1; }
        if [ "$cur" != link ] || [ "$(readlink -- "$p")" != "$gf_src" ]; then
            if [ "$cur" = directory ] || { [ "$cur" = file ] && [ "$gf_force" != 1 ]; }; then
                echo "GFERR refusing to convert from $cur to symlink for $p"
                exit 1
            fi
            act ln -sfn -- "$gf_src" "$p"
        fi
        ;;
    hard)
        [ -n "$gf_src" ] || { echo "GFERR src is required for state=hard"; exit 1; }
        # shellcheck disable=SC3013 # -ef: dash's test and every sh the nodes have
        if [ ! -e "$p" ] || [ ! "$p" -ef "$gf_src" ]; then
            act ln -f -- "$gf_src" "$p"
        fi
        ;;
esac

if [ "$st" != absent ] && { [ -e "$p" ] || [ -L "$p" ]; }; then
    h=
    [ "$st" = link ] && h=-h
    if [ -n "$gf_mode" ] && [ "$st" != link ]; then
        case $gf_mode in
            *[!0-7]*)
                # a symbolic mode: what it makes of the current one
                tm=$(mktemp) && chmod "$(stat -c %a "$p")" "$tm" &&
                    chmod "$gf_mode" "$tm" && want=$(stat -c %a "$tm")
                rm -f "$tm"
                ;;
            *)
                # the octal digits without their leading zeros, as printf %o would
                want=$gf_mode
                while [ "${want#0}" != "$want" ] && [ "$want" != 0 ]; do want=${want#0}; done
                ;;
        esac
        if [ "$gf_recurse" = 1 ] && [ "$st" = directory ]; then
            [ -z "$(find "$p" ! -perm "$want" -print -quit)" ] || act chmod -R "$gf_mode" "$p"
        else
            # a directory mkdirs made with an octal mode has it
            [ "$made" = 1 ] || [ "$(stat -c %a "$p")" = "$want" ] || act chmod "$gf_mode" "$p"
        fi
    fi
    for what in owner group; do
        if [ $what = owner ]; then
            v=$gf_owner f='%U %u' c=chown t=-user
        else
            v=$gf_group f='%G %g' c=chgrp t=-group
        fi
        [ -n "$v" ] || continue
        if [ "$gf_recurse" = 1 ] && [ "$st" = directory ]; then
            [ -z "$(find "$p" ! $t "$v" -print -quit)" ] || act $c -R "$v" "$p"
        else
            # shellcheck disable=SC2046 # the two words of stat's answer
            set -- $(stat $h -c "$f" "$p")
            [ "$v" = "$1" ] || [ "$v" = "$2" ] || act $c $h "$v" "$p"
        fi
    done
fi
