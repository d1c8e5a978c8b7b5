# shellcheck shell=sh disable=SC2154
# script_skip.sh - the script module's creates and removes, tested
# literally (no pattern), as the module does.
# In: c (creates, or empty), r (removes, or empty).
# Out: "C" when creates exists, "R" when removes does not, else "N". (The
# inputs are assigned before the script: SC2154.)

if [ -n "$c" ] && [ -e "$c" ]; then
    echo C
elif [ -n "$r" ] && [ ! -e "$r" ]; then
    echo R
else
    echo N
fi
