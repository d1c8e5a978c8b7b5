# shellcheck shell=sh disable=SC2154
# apt_update.sh - the end of apt_sources.sh's write phase: apt-get update
# when gf_update=1, retried as Ansible retries (delays 2^n + a fraction,
# at most gf_max_delay), the files put back when every try failed.

[ "$gf_update" = 1 ] || exit 0
i=0 err=
while [ "$i" -lt "$gf_retries" ]; do
    if err=$(apt-get update -q 2>&1); then
        case $err in *"Failed to fetch"*|*"E: "*) ;; *) exit 0 ;; esac
    fi
    d=$((1 << i))
    [ "$d" -gt "$gf_max_delay" ] && d=$gf_max_delay
    i=$((i + 1))
    [ "$i" -lt "$gf_retries" ] && sleep "$d"
done
(eval "$undo")
err=$(printf '%s\n' "$err" | grep -E '^(E|W): ' | tr '\n' ' ')
fail "Failed to update apt cache: ${err:-unknown reason}"
