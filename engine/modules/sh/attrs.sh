# shellcheck shell=sh disable=SC2154
# attrs.sh - file attributes as Ansible's set_fs_attributes_if_different
# applies them (mode, owner, group); sent after lib.sh by the modules that
# write files of their own (get_url, openssh_keypair).
#
# Input: gf_mode (octal or symbolic, may be empty), gf_owner, gf_group,
# gf_check (1: report only).

# attrs_mode FILE - prints the octal mode FILE should have ("" for none).
attrs_mode() {
    case $gf_mode in
    '') ;;
    *[!0-7]*)
        am_t=$(mktemp) || fail "cannot create a temporary file"
        if ! chmod "$(stat -c %a "$1" 2>/dev/null || echo 644)" "$am_t" ||
            ! chmod "$gf_mode" "$am_t" 2>/dev/null; then
            rm -f "$am_t"
            fail "bad symbolic mode: $gf_mode"
        fi
        stat -c %a "$am_t"
        rm -f "$am_t" ;;
    *) printf '%o\n' "$((0$gf_mode))" ;;
    esac
}

# attrs FILE - applies gf_mode, gf_owner, gf_group to FILE; prints
# "GFATTR 1" when something was (or in check mode would be) changed.
attrs() {
    at_ch=0
    at_want=$(attrs_mode "$1") || { echo "$at_want"; exit 1; }
    # shellcheck disable=SC2046
    set -- "$1" $(stat -c '%a %U %u %G %g' "$1")
    if [ -n "$gf_owner" ] && [ "$gf_owner" != "$3" ] && [ "$gf_owner" != "$4" ]; then
        at_ch=1
        [ "$gf_check" = 1 ] || chown "$gf_owner" "$1" || fail "chown failed: $gf_owner"
    fi
    if [ -n "$gf_group" ] && [ "$gf_group" != "$5" ] && [ "$gf_group" != "$6" ]; then
        at_ch=1
        [ "$gf_check" = 1 ] || chgrp "$gf_group" "$1" || fail "chgrp failed: $gf_group"
    fi
    if [ -n "$at_want" ] && [ "$at_want" != "$2" ]; then
        at_ch=1
        [ "$gf_check" = 1 ] || chmod "$at_want" "$1" || fail "chmod failed: $gf_mode"
    fi
    echo "GFATTR $at_ch"
}

# stat_tags FILE - the path facts Ansible adds to a result.
stat_tags() {
    [ ! -e "$1" ] || stat -c 'GFSTAT %U %G %a %s %u %g' "$1"
}
