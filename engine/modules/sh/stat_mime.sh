# shellcheck shell=sh disable=SC2154
# stat_mime.sh - the stat module's get_mime, run after its main command
# (which sets p): "GFMIME PATH: TYPE; charset=CHARSET" from file(1) when
# the node has it and it answers, nothing otherwise (then Ansible says
# "unknown" for both). (The inputs are assigned before the script: SC2154.)

if { [ -e "$p" ] || [ -L "$p" ]; } && command -v file >/dev/null 2>&1; then
    if m=$(file --mime-type --mime-encoding "$p" 2>/dev/null); then
        printf 'GFMIME %s\n' "$m"
    fi
fi
