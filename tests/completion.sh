#!/bin/bash
# completion.sh - drives the bash completion (engine/cli/gpuforge.bash) as
# bash would: COMP_WORDS and COMP_CWORD set, the function called, COMPREPLY
# read. Usage: tests/completion.sh ./gpuforge
set -u
gf=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
# shellcheck source=engine/cli/gpuforge.bash
. "$(dirname "$0")/../engine/cli/gpuforge.bash"
fails=0 n=0

# complete WORD... -> the replies, one a line, sorted
complete_words() {
    COMP_WORDS=("$gf" "$@")
    COMP_CWORD=$(($# ))
    _gpuforge
    printf '%s\n' "${COMPREPLY[@]}" | sort
}

# expect 'desc' 'word' WORD... : the replies hold word
expect() {
    desc=$1 want=$2
    shift 2
    n=$((n + 1))
    if complete_words "$@" | grep -qx -- "$want"; then
        echo "ok $n - $desc"
    else
        echo "not ok $n - $desc: no '$want' in: $(complete_words "$@" | tr '\n' ' ')"
        fails=$((fails + 1))
    fi
}

expect 'commands' run ''
expect 'commands by prefix' reset re
expect 'global options' --version --v
expect 'run options' --syntax-check run --syn
expect 'run short options' -K run -
expect 'ping options' --gpu ping --
expect 'module names for doc' apt_repository doc apt_r
expect 'module names for exec -m' lineinfile exec all -m linei
expect 'bundle sub-commands' verify bundle ve
expect 'cloud sub-commands' validate cloud va
expect 'help takes commands' inventory help inv
n=$((n + 1))
if [ -z "$(complete_words run --no-such-opt)" ]; then
    echo "ok $n - an unknown option completes to nothing"
else
    echo "not ok $n - an unknown option completes to something"
    fails=$((fails + 1))
fi
echo "$((n - fails)) passed, $fails failed"
[ "$fails" = 0 ]
