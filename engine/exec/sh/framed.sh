#!/bin/sh
# framed.sh - the node side of the framed shell (engine/exec/session.c): one
# long-lived shell per host session (and one per become user, started once
# through sudo) that runs every command of the run sent to it, so a command
# costs no new channel, sshd session, login shell or sudo.
#
# Set before this text: GF_FRAME, a random marker of the run; GF_SH, the
# shell that runs each command (empty: $SHELL, the login shell, as sshd
# would run it).
#
# In, on stdin, one frame per command:
#   GFF MARK SLEN ILEN CAP      a header line (numbers in decimal)
#   SLEN bytes                   the command's script, run with `sh -c`
#   ILEN bytes                   the command's stdin
#   GFE MARK                     a trailer line
# Each part is read with an exact-length read (head -c N reads no byte past
# N), and the trailer proves the frame arrived whole before anything runs.
# The command's stdin is a file holding its own ILEN bytes (or /dev/null),
# never this stream, so a command that reads all of its input or closes it
# cannot reach the next frame.
#
# Out, on stdout:
#   GFF-READY MARK               once, when the shell is ready
#   GFR MARK RC OLEN ELEN OTOT ETOT   then OLEN bytes of the command's
#                                stdout and ELEN of its stderr, each cut at
#                                CAP bytes (0: all); OTOT and ETOT are the
#                                whole sizes, so the reader knows a cut.
# Anything else ends the shell: the controller then drops it and sends the
# next command to a new one.
set -u
run=${GF_SH:-${SHELL:-/bin/sh}}
[ -n "$run" ] || run=/bin/sh
d=$(mktemp -d "${TMPDIR:-/tmp}/gf-sh.XXXXXXXX") || exit 70
case $d in *[!A-Za-z0-9/._-]*) rm -rf "$d"; exit 70 ;; esac
pid=
trap 'rm -rf "$d"' EXIT
# the controller gave up on a command (a timeout): end it, then the shell
trap '[ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null; exit 143' TERM HUP INT
printf 'GFF-READY %s\n' "$GF_FRAME"
while IFS=' ' read -r tag mark slen ilen cap; do
    [ "$tag" = GFF ] && [ "$mark" = "$GF_FRAME" ] || exit 65
    case $slen.$ilen.$cap in *[!0-9.]*|.*|*..*|*.) exit 65 ;; esac
    # the script reaches the shell as `sh -c` has it from sshd or sudo on
    # an exec channel (trailing newlines, which change nothing, are lost)
    script=$(head -c "$slen") || exit 66
    in=/dev/null
    if [ "$ilen" -gt 0 ]; then
        head -c "$ilen" > "$d/i" || exit 66
        in=$d/i
    fi
    IFS=' ' read -r tag mark || exit 66
    [ "$tag" = GFE ] && [ "$mark" = "$GF_FRAME" ] || exit 65
    "$run" -c "$script" < "$in" > "$d/o" 2> "$d/e" &
    pid=$!
    wait "$pid"
    rc=$?
    pid=
    # shellcheck disable=SC2046 # the sizes are split on purpose
    set -- $(cd "$d" && exec wc -c o e)
    ot=$1 et=$3 ol=$1 el=$3
    if [ "$cap" -gt 0 ]; then
        [ "$ol" -le "$cap" ] || ol=$cap
        [ "$el" -le "$cap" ] || el=$cap
    fi
    printf 'GFR %s %s %s %s %s %s\n' "$GF_FRAME" "$rc" "$ol" "$el" "$ot" "$et"
    # exact lengths: a process the command left behind may still write
    [ "$ol" = 0 ] || head -c "$ol" "$d/o"
    [ "$el" = 0 ] || head -c "$el" "$d/e"
    # new files for the next command: a leftover writer keeps the old ones
    rm -f "$d/o" "$d/e" "$d/i"
done
