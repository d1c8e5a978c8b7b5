# shellcheck shell=sh
# expandvars.sh - $NAME and ${NAME} in path values expanded from the
# environment the module runs in, as Python's os.path.expandvars does for
# Ansible's path parameters: a variable that is not in the environment (or
# not a valid name) is left as written; "$" before anything else stays.
# Only exported variables count (printenv), as in Python's os.environ.
#
# In: gf_n, the number of values; gf_v0 .. gf_v(n-1), the values.
# Out: one line "GF I=EXPANDED" for each value.
# shellcheck disable=SC2154 # gf_* are assigned before the script

# expand VALUE - prints VALUE expanded, then a newline (variables of its own
# are named gf_*: they must not hide the environment's)
expand() {
    gf_rest=$1 gf_out=''
    while :; do
        case $gf_rest in
        *'$'*) ;;
        *) break ;;
        esac
        gf_out=$gf_out${gf_rest%%\$*}
        gf_rest=${gf_rest#*\$}
        gf_tok='' gf_name=''
        case $gf_rest in
        '{'*'}'*)
            gf_name=${gf_rest#\{}
            gf_name=${gf_name%%\}*}
            gf_tok="{$gf_name}"
            ;;
        [A-Za-z0-9_]*)
            gf_name=${gf_rest%%[!A-Za-z0-9_]*}
            gf_tok=$gf_name
            ;;
        esac
        gf_rest=${gf_rest#"$gf_tok"}
        case $gf_name in
        '' | [0-9]* | *[!A-Za-z0-9_]*) gf_out=$gf_out\$$gf_tok ;;
        *)
            if gf_val=$(printenv -- "$gf_name" && echo x); then
                gf_out=$gf_out${gf_val%?x}
            else
                gf_out=$gf_out\$$gf_tok
            fi
            ;;
        esac
    done
    printf '%s\n' "$gf_out$gf_rest"
}

gf_i=0
while [ "$gf_i" -lt "$gf_n" ]; do
    eval "gf_val=\$gf_v$gf_i"
    printf 'GF %s=' "$gf_i"
    expand "$gf_val"
    gf_i=$((gf_i + 1))
done
