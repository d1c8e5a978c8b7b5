# bash completion for gpuforge                              -*- shell-script -*-
# Commands, options and module names come from the binary itself
# (`gpuforge --help`, `gpuforge help CMD`, `gpuforge doc --list`), so that
# completion knows what the installed gpuforge knows.
# shellcheck shell=bash

_gpuforge_commands()
{
    "$1" --help 2>/dev/null | sed -n '/^commands:/,/^$/{/^   [a-z]/s/^ *\([a-z-]*\).*/\1/p}'
}

# the long and short options `gpuforge help CMD` lists
_gpuforge_options()
{
    "$1" help "$2" 2>/dev/null | grep -Eo '(^|[ ,[(])--?[a-zA-Z][a-z-]*' | sed 's/^[ ,[(]//' |
        sort -u
}

# the sub-commands of bundle and cloud: first words of the help's item lines
_gpuforge_subcommands()
{
    "$1" help "$2" 2>/dev/null | sed -n 's/^  \([a-z][a-z-]*\)\( .*\)\{0,1\}$/\1/p' | sort -u
}

_gpuforge_modules()
{
    "$1" doc --list 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) print $i }'
}

_gpuforge()
{
    local cur prev gf cmd i
    cur=${COMP_WORDS[COMP_CWORD]}
    prev=${COMP_WORDS[COMP_CWORD - 1]}
    gf=${COMP_WORDS[0]}
    COMPREPLY=()

    cmd=
    for ((i = 1; i < COMP_CWORD; i++)); do
        case ${COMP_WORDS[i]} in
        -*) ;;
        *) cmd=${COMP_WORDS[i]}; break ;;
        esac
    done

    if [[ -z $cmd ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_gpuforge_commands "$gf") --help --version" \
            -- "$cur")
        return
    fi
    if [[ $cmd == help ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_gpuforge_commands "$gf")" -- "$cur")
        return
    fi

    case $prev in
    -i | --inventory | --private-key | --known-hosts | --retry-file | -c | -o | --key | \
        --pubkey | --playbook)
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        return
        ;;
    -m | --module)
        mapfile -t COMPREPLY < <(compgen -W "$(_gpuforge_modules "$gf")" -- "$cur")
        return
        ;;
    -u | --user | --become-user)
        mapfile -t COMPREPLY < <(compgen -u -- "$cur")
        return
        ;;
    esac

    if [[ $cur == -* ]]; then
        mapfile -t COMPREPLY < <(compgen -W "$(_gpuforge_options "$gf" "$cmd")" -- "$cur")
        return
    fi
    case $cmd in
    doc)
        mapfile -t COMPREPLY < <(compgen -W "$(_gpuforge_modules "$gf")" -- "$cur")
        ;;
    bundle | cloud)
        if [[ $prev == "$cmd" ]]; then
            mapfile -t COMPREPLY < <(compgen -W "$(_gpuforge_subcommands "$gf" "$cmd")" \
                -- "$cur")
        else
            mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        fi
        ;;
    *)
        mapfile -t COMPREPLY < <(compgen -f -- "$cur")
        ;;
    esac
}

complete -o filenames -F _gpuforge gpuforge
