# shellcheck shell=sh disable=SC2154
# ufw.sh - the node side of ufw (community.general.ufw), sent after lib.sh;
# the module appends one `run ARG...` line per ufw command, then `finish`.
#
# Prints "GFBIN ufw-path grep-path", the state and rules before
# ("GFSECTION pre", "GFSECTION prerules"), each command's output
# ("GFSECTION out"), and unless gf_check=1 the state and rules after
# ("GFSECTION post", "GFSECTION postrules"). A command that fails ends the
# script with its stderr (else its stdout) as the failure.

export LANG=C
ufw=$(command -v ufw) || fail "Failed to find required executable \"ufw\" in paths: $PATH"
grep=$(command -v grep) || fail "Failed to find required executable \"grep\" in paths: $PATH"
echo "GFBIN $ufw $grep"
e=$(mktemp) || fail "cannot create a temporary file"
trap 'rm -f "$e"' EXIT
rules() {
    "$grep" -h '^### tuple' /lib/ufw/user.rules /lib/ufw/user6.rules /etc/ufw/user.rules \
        /etc/ufw/user6.rules /var/lib/ufw/user.rules /var/lib/ufw/user6.rules 2>/dev/null
}
# run ARG... - ufw ARG..., its output after "GFSECTION out"
run() {
    if ! o=$("$ufw" "$@" 2>"$e"); then
        if [ -s "$e" ]; then fail "$(cat "$e")"; else fail "$o"; fi
    fi
    echo "GFSECTION out"
    printf '%s\n' "$o"
}
finish() {
    [ "$gf_check" = 1 ] && { echo "GFSECTION end"; exit 0; }
    o=$("$ufw" status verbose 2>"$e") || fail "$(cat "$e")"
    echo "GFSECTION post"
    printf '%s\n' "$o"
    echo "GFSECTION postrules"
    rules
    echo "GFSECTION end"
}
v=$("$ufw" --version 2>/dev/null | sed -n '1s/^ufw[^0-9]*\([0-9][0-9]*\)\.\([0-9][0-9]*\).*/\1 \2/p')
[ -n "$v" ] || fail "Failed to get ufw version."
echo "GFVERSION $v"
o=$("$ufw" status verbose 2>"$e") || fail "$(cat "$e")"
echo "GFSECTION pre"
printf '%s\n' "$o"
echo "GFSECTION prerules"
rules
# run_rule ARG... - run, with "comment TEXT" when gf_comment is set and ufw
# is 0.35 or later (older ones have no comments, and Ansible leaves it out)
run_rule() {
    # shellcheck disable=SC2086
    set -- $v "$@"
    ma=$1 mi=$2
    shift 2
    if [ -n "$gf_comment" ] && { [ "$ma" -gt 0 ] || [ "$mi" -ge 35 ]; }; then
        run "$@" comment "$gf_comment"
    else
        run "$@"
    fi
}
