# shellcheck shell=sh disable=SC2154
# reboot.sh - starts the reboot module's reboot in the background,
# detached, so that this command returns before the connection goes (the
# delay is at least a second). Sent after lib.sh.
# In: gf_cmd (reboot_command, a command line; empty: shutdown -r now, else
#     systemctl reboot), gf_msg (shutdown's message, read from the
#     environment by the detached shell), gf_delay (seconds).
# Out: "GFEND"; "GFERR text" on failure. (The inputs are assigned before
# the script: SC2154.)

export gf_msg
if [ -n "$gf_cmd" ]; then
    c=$gf_cmd
elif command -v shutdown >/dev/null; then
    # shellcheck disable=SC2016
    c='shutdown -r now "$gf_msg"'
elif command -v systemctl >/dev/null; then
    c='systemctl reboot'
else
    fail 'no shutdown or systemctl command on this host'
fi
s=
command -v setsid >/dev/null && s=setsid
# s is setsid or nothing
# shellcheck disable=SC2086
$s nohup sh -c "sleep $gf_delay; $c" </dev/null >/dev/null 2>&1 &
echo GFEND
