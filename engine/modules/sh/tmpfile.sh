# shellcheck shell=sh
# tmpfile.sh - the temporary file a write goes through before its rename
# over the destination, and the removal of those a killed write left.
#
# gf_tmpfile DIR: removes the stale temporary files in DIR (gf_tmp_clean),
# then creates a new one there, private (mktemp: mode 0600), and sets
# gf_tmp to its path. Its name says whose it is and since when:
# .gf-tmp-PID-START-XXXXXX, PID the process id of the shell that writes it
# and START that process's start time (field 22 of /proc/PID/stat, clock
# ticks since boot; 0 where /proc cannot be read).
#
# gf_tmp_clean DIR: a write killed before its rename (the controller or sshd
# killed, the connection cut, the node's power lost) leaves its file; the
# next write into DIR removes it. A file is removed only when all of these
# hold:
#  - its name is gpuforge's: .gf-tmp-PID-START-XXXXXX, or .gf-tmp-XXXXXX as
#    earlier versions named them;
#  - it is a regular file, not a link, owned by the user who writes now;
#  - its writer is gone: no process PID started at START runs on the node
#    (a reused process id has another start time). Where that cannot be
#    known (START 0, an earlier version's name), it has not been modified
#    for a day.
# Another write in progress, of this run or another, is never removed: its
# writer still runs. Nothing else in DIR is looked at.

# gf_pstart PID: the start time of process PID into gf_ps; fails when no
# such process runs (or /proc cannot be read).
gf_pstart() {
    { read -r gf_ps <"/proc/$1/stat"; } 2>/dev/null || return 1
    # the fields after the command name, which may hold anything but ")"
    gf_ps=${gf_ps##*) }
    # shellcheck disable=SC2086 # split into the fields, numbers and a state letter
    set -- $gf_ps
    [ $# -ge 20 ] || return 1
    shift 19
    gf_ps=$1
}

gf_tmp_clean() {
    gf_now=
    for gf_f in "$1"/.gf-tmp-*; do
        if [ ! -f "$gf_f" ] || [ -L "$gf_f" ] || [ ! -O "$gf_f" ]; then continue; fi
        gf_n=${gf_f##*/.gf-tmp-}
        gf_pid='' gf_start=0
        case $gf_n in
        ??????) ;;
        *-*-??????)
            gf_pid=${gf_n%%-*} gf_start=${gf_n#*-}
            gf_start=${gf_start%%-*}
            case $gf_pid in '' | *[!0-9]*) continue ;; esac
            case $gf_start in '' | *[!0-9]*) continue ;; esac
            [ "$gf_n" = "$gf_pid-$gf_start-${gf_n##*-}" ] || continue
            ;;
        *) continue ;;
        esac
        # mktemp's six letters and digits
        case ${gf_n##*-} in ??????) ;; *) continue ;; esac
        case ${gf_n##*-} in *[!A-Za-z0-9]*) continue ;; esac
        if [ "$gf_start" != 0 ]; then
            # the writer runs: its file is live
            gf_pstart "$gf_pid" && [ "$gf_ps" = "$gf_start" ] && continue
        else
            gf_mt=$(stat -c %Y "$gf_f" 2>/dev/null) || continue
            [ -n "$gf_now" ] || gf_now=$(date +%s)
            [ $((gf_now - gf_mt)) -gt 86400 ] || continue
        fi
        rm -f "$gf_f"
    done
    return 0
}

gf_tmpfile() {
    gf_me=0
    gf_pstart $$ && gf_me=$gf_ps
    gf_tmp_clean "$1"
    # shellcheck disable=SC2034 # for the script sent after this one
    gf_tmp=$(mktemp "$1/.gf-tmp-$$-$gf_me-XXXXXX")
}
