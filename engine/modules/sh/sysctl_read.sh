# shellcheck shell=sh disable=SC2154
# sysctl_read.sh - the sysctl module's first round trip: the live value and
# the file, which the controller edits. Sent after lib.sh.
# In: gf_name, gf_file, gf_set (sysctl_set: 1 reads the live value).
# Out: "GFV <live value>" (with gf_set, on one line), then "GFF" and the
# file in base64 (any byte survives), or "GFN" when there is no file;
# "GFERR text" on failure. (The inputs are assigned before the script:
# SC2154.)

if [ "$gf_set" = 1 ]; then
    v=$(sysctl -n "$gf_name" 2>&1) || fail "cannot read sysctl key $gf_name: $v"
    printf 'GFV %s\n' "$(printf %s "$v" | tr '\n' ' ')"
fi
if [ -f "$gf_file" ]; then
    echo GFF
    base64 <"$gf_file" || exit 1
elif [ -e "$gf_file" ]; then
    fail "$gf_file is not a regular file"
else
    echo GFN
fi
