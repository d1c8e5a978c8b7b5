# shellcheck shell=sh disable=SC2154
# validate.sh - the validate parameter of copy, template, lineinfile,
# blockinfile and replace: gf_validate_file TMP runs the command
# $gf_validate with each %s replaced by TMP (quoted), the file about to
# replace the destination. On failure it prints "GFVALFAIL <exit status>",
# the command's stdout and stderr as "GFVALOUT <base64>" and
# "GFVALERR <base64>" lines, and returns 1. (The inputs are assigned
# before the script: SC2154.)

gf_validate_file() {
    v=$gf_validate
    cmd=
    while :; do
        case $v in
            *%s*)
                cmd="$cmd${v%%"%s"*}'$1'"
                v=${v#*"%s"}
                ;;
            *) break ;;
        esac
    done
    cmd="$cmd$v"
    if ! vo=$(mktemp) || ! ve=$(mktemp); then
        echo "GFERR cannot create a temporary file"
        return 1
    fi
    sh -c "$cmd" >"$vo" 2>"$ve" </dev/null
    vrc=$?
    if [ "$vrc" != 0 ]; then
        echo "GFVALFAIL $vrc"
        printf 'GFVALOUT %s\n' "$(base64 -w0 <"$vo")"
        printf 'GFVALERR %s\n' "$(base64 -w0 <"$ve")"
    fi
    rm -f "$vo" "$ve"
    [ "$vrc" = 0 ]
}
