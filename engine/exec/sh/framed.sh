#!/bin/sh
# framed.sh - the node side of the framed shell (engine/exec/session.c): one
# long-lived shell per host session (and one per become user, started once
# through sudo) that runs every command of the run sent to it, so a command
# costs no new channel, sshd session, login shell or sudo.
#
# Set before this text: GF_FRAME, a random marker of the shell.
#
# In, on stdin, one frame per command:
#   GFF MARK SLEN ILEN CAP SL IL DIRECT
#                                a header line (numbers in decimal)
#   SLEN bytes                   the command's script
#   ILEN bytes                   the command's stdin
#   GFE MARK                     a trailer line
# A part is read with an exact-length read (head -c N reads no byte past
# N), or, when the header gives its number of lines (SL, IL: not 0), line by
# line with `read`, which starts no process; stdin sent as lines has one
# newline more at its end, taken off here. The trailer proves the frame
# arrived whole before anything runs.
# The command's stdin is a file holding its own ILEN bytes (or /dev/null),
# never this stream, so a command that reads all of its input or closes it
# cannot reach the next frame.
# Before a command, a frame of a second kind may give texts the shell keeps
# for the commands after it, which then name them (eval "${gf_ns_K?}"):
#   GFD MARK LEN
#   LEN bytes                    assignments, gf_ns_K='text', run here
#   GFE MARK
#
# Out: "GFF-READY MARK" once on stdout and on stderr when the shell is
# ready (what a login script or sudo wrote before it is not a result); then for
# each command "GFA MARK" and a newline on stdout as soon as its header has
# arrived (the controller then knows the host answers: the script, its input
# and the command may take as long as they like), its stdout followed by "GFR MARK RC" and a
# newline on stdout,
# and its stderr followed by "GFR MARK" and a newline on stderr. Each stream
# is cut at CAP + 1 bytes (CAP 0: none), so the reader knows of a cut. The
# command writes to files of its own first: a process it left behind that
# writes on never reaches the stream.
# With DIRECT 1 (a command of gpuforge's own scripts that starts nothing
# that outlives it and writes little), its stdout goes straight to the
# stream instead, uncut.
# Anything else ends the shell: the controller then drops it and sends the
# next command to a new one.
set -u
d=$(mktemp -d "${TMPDIR:-/tmp}/gf-sh.XXXXXXXX") || exit 70
case $d in *[!A-Za-z0-9/._-]*) rm -rf "$d"; exit 70 ;; esac
pid='' n=0 nl='
'
# what a command's subshell runs
# shellcheck disable=SC2016 # expanded there, by its eval
run='unset tag mark slen ilen cap sl il dm l v nl n o e in pid d rc GF_FRAME
unset -f gf_lines
set +u --
eval "unset script run; $script"'
trap 'rm -rf "$d"' EXIT
# gf_lines N: the next N lines of stdin into v, each with its newline
gf_lines() {
    v=
    while [ "$1" -gt 0 ]; do
        IFS= read -r l || exit 66
        v=$v$l$nl
        set -- $(($1 - 1))
    done
}
# head -c N must read no byte past N of a pipe, as GNU's does; busybox's
# reads ahead and would take the next frame: no framed shell there
v=
{ head -c 3 >/dev/null; IFS= read -r v; } <<'EOF'
ab
cd
EOF
[ "$v" = cd ] || { echo "head -c reads past its count here" >&2; exit 69; }
# the controller gave up on a command (a timeout): end it, then the shell
trap '[ -z "$pid" ] || kill -TERM "$pid" 2>/dev/null; exit 143' TERM HUP INT
# results go to fd 3; this shell's own complaints (a job killed by a
# signal) go nowhere
exec 3>&2 2>/dev/null
printf 'GFF-READY %s\n' "$GF_FRAME"
printf 'GFF-READY %s\n' "$GF_FRAME" >&3
while IFS=' ' read -r tag mark slen ilen cap sl il dm; do
    [ "$mark" = "$GF_FRAME" ] || exit 65
    if [ "$tag" = GFD ]; then
        case $slen in ''|*[!0-9]*) exit 65 ;; esac
        v=$(head -c "$slen") || exit 66
        IFS=' ' read -r tag mark || exit 66
        [ "$tag" = GFE ] && [ "$mark" = "$GF_FRAME" ] || exit 65
        eval "$v"
        continue
    fi
    [ "$tag" = GFF ] || exit 65
    case $slen.$ilen.$cap.$sl.$il.$dm in *[!0-9.]*|.*|*..*|*.) exit 65 ;; esac
    printf 'GFA %s\n' "$GF_FRAME"
    # shellcheck disable=SC2034 # script: read by $run's eval
    if [ "$sl" -gt 0 ]; then
        gf_lines "$sl"
        script=$v
    else
        script=$(head -c "$slen") || exit 66
    fi
    # new files for every command (a process a command left behind keeps
    # writing to its own), removed in batches to save a fork per command
    n=$((n + 1))
    [ $((n % 32)) != 0 ] || rm -f "$d"/[oei]*
    o=$d/o$n e=$d/e$n in=/dev/null
    if [ "$il" -gt 0 ]; then
        in=$d/i$n
        gf_lines "$il"
        printf '%s' "${v%?}" > "$in" || exit 66
    elif [ "$ilen" -gt 0 ]; then
        in=$d/i$n
        head -c "$ilen" > "$in" || exit 66
    fi
    IFS=' ' read -r tag mark || exit 66
    [ "$tag" = GFE ] && [ "$mark" = "$GF_FRAME" ] || exit 65
    # a subshell (a fork, no exec) runs the script as `sh -c` would: it
    # sees none of this shell's variables, options, traps or fd 3; $$ is
    # this shell, as it is the shell sshd or sudo started for `sh -c`
    if [ "$dm" = 1 ]; then
        (eval "$run") < "$in" 2> "$e" 3>&- &
    else
        (eval "$run") < "$in" > "$o" 2> "$e" 3>&- &
    fi
    pid=$!
    wait "$pid"
    rc=$?
    pid=''
    if [ "$dm" != 1 ] && [ -s "$o" ]; then
        if [ "$cap" -gt 0 ]; then head -c $((cap + 1)) "$o"; else cat "$o"; fi
    fi
    printf 'GFR %s %s\n' "$GF_FRAME" "$rc"
    if [ -s "$e" ]; then
        if [ "$cap" -gt 0 ]; then head -c $((cap + 1)) "$e" >&3; else cat "$e" >&3; fi
    fi
    printf 'GFR %s\n' "$GF_FRAME" >&3
done
