# shellcheck shell=sh disable=SC2154
# file_times.sh - the file module's modification_time and access_time,
# run after its main script (which sets p, st and ch and defines act).
# In: gf_mtime, gf_atime: empty (preserve), "now", or a local time
# "YYYY-MM-DD HH:MM:SS" as touch -d reads it. As Ansible's
# update_timestamp_for_file: "now" always changes the file, a given time
# only when the file's differs (to the nanosecond). (The inputs are
# assigned before the script: SC2154.)

if [ -n "$gf_mtime$gf_atime" ] && [ "$st" != absent ] && [ -e "$p" ]; then
    need=0
    case "$gf_mtime $gf_atime" in *now*) need=1 ;; esac
    if [ -n "$gf_mtime" ] && [ "$gf_mtime" != now ]; then
        want=$(date -d "$gf_mtime" +%s) || { echo "GFERR bad time $gf_mtime"; exit 1; }
        [ "$want.000000000" = "$(stat -c %.9Y -- "$p")" ] || need=1
    fi
    if [ -n "$gf_atime" ] && [ "$gf_atime" != now ]; then
        want=$(date -d "$gf_atime" +%s) || { echo "GFERR bad time $gf_atime"; exit 1; }
        [ "$want.000000000" = "$(stat -c %.9X -- "$p")" ] || need=1
    fi
    if [ $need = 1 ]; then
        case $gf_mtime in
            "") ;;
            now) act touch -c -m -- "$p" ;;
            *) act touch -c -m -d "$gf_mtime" -- "$p" ;;
        esac
        case $gf_atime in
            "") ;;
            now) act touch -c -a -- "$p" ;;
            *) act touch -c -a -d "$gf_atime" -- "$p" ;;
        esac
    fi
fi
