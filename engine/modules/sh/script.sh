# shellcheck shell=sh disable=SC2154
# script.sh - runs the script module's script, which comes on stdin: puts
# it in a private temporary file (mktemp), runs it with its arguments and
# removes it again.
# In: gf_chdir (empty: the login directory), gf_exe (executable: a command
#     line, or empty to run the file itself), gf_args (the rest of the
#     task's command line: shell text given to the node's shell as
#     written, as Ansible does; the only text a script evaluates).
# Out: the script's own output; its exit status.

if [ -n "$gf_chdir" ]; then
    cd "$gf_chdir" || exit 1
fi
t=$(mktemp "${TMPDIR:-/tmp}/gf-script.XXXXXX") || exit 1
trap 'rm -f "$t"' EXIT HUP INT TERM
cat >"$t" && chmod 700 "$t" || exit 1
eval "$gf_exe \"\$t\"$gf_args"
rc=$?
rm -f "$t"
trap - EXIT
exit $rc
