# shellcheck shell=sh disable=SC2154
# command_exec.sh - before the command module execs its argv (gf_argv0 is
# its first word, the script runs in chdir): a program that is not there,
# or that cannot be run, stops here with "GFNOEXEC ERRNO" on stdout and
# exit 127, so that the module fails as Ansible's does when Popen cannot
# start it ([Errno 2] or [Errno 13], nothing run). A word without a slash
# is looked up in PATH as execvp does. (The inputs are assigned before the
# script: SC2154.)

gf_errno=0
case $gf_argv0 in
*/*)
    if [ ! -e "$gf_argv0" ]; then
        gf_errno=2
    elif [ -d "$gf_argv0" ] || [ ! -x "$gf_argv0" ]; then
        gf_errno=13
    fi
    ;;
*)
    gf_errno=2
    gf_ifs=$IFS
    IFS=:
    set -f
    for gf_d in $PATH; do
        [ -n "$gf_d" ] || gf_d=.
        [ -e "$gf_d/$gf_argv0" ] || continue
        if [ -x "$gf_d/$gf_argv0" ] && [ ! -d "$gf_d/$gf_argv0" ]; then
            gf_errno=0
            break
        fi
        gf_errno=13
    done
    set +f
    IFS=$gf_ifs
    ;;
esac
if [ "$gf_errno" != 0 ]; then
    printf 'GFNOEXEC %s\n' "$gf_errno"
    exit 127
fi
