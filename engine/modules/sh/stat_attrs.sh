# shellcheck shell=sh disable=SC2154
# stat_attrs.sh - the stat module's get_attributes, run after its main
# command (which sets p): "GFATTR version flags" from lsattr -vd when
# lsattr reads them, nothing otherwise (then Ansible has no attributes
# either). (The inputs are assigned before the script: SC2154.)

if { [ -e "$p" ] || [ -L "$p" ]; } && command -v lsattr >/dev/null 2>&1; then
    if a=$(lsattr -vd -- "$p" 2>/dev/null); then
        printf 'GFATTR %s\n' "$a"
    fi
fi
