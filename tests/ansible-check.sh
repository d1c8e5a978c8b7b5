#!/bin/sh
# ansible-check.sh - reads the shipped content with Ansible's own tools:
# `ansible-playbook --syntax-check` of every playbooks/*.yml and ansible-lint
# over roles/ and playbooks/ (its exceptions are in .ansible-lint, with
# docs/lint.md saying why), with the documentation-only stub collection
# gpuforge.core (tests/ansible-stub) standing for gpuforge's own modules.
# With --stubs GPUFORGE it checks instead that each stub documents the
# options of the module's parameter table (`GPUFORGE doc MODULE`).
# A tool that is not installed is skipped, saying so.
# Usage: tests/ansible-check.sh [--stubs GPUFORGE]
set -u
cd "$(dirname "$0")/.." || exit 1
ANSIBLE_CONFIG=$PWD/tests/ansible-stub/ansible.cfg
export ANSIBLE_CONFIG
fail=0

if [ "${1:-}" = --stubs ]; then
    gf=${2:?usage: tests/ansible-check.sh --stubs GPUFORGE}
    if ! command -v ansible-doc >/dev/null 2>&1; then
        echo "ansible-check: ansible-doc not installed: stubs not checked"
        exit 0
    fi
    for m in $("$gf" doc --list | awk '$1 ~ /^gpuforge_/ { print $1 }'); do
        fq=gpuforge.core.${m#gpuforge_}
        want=$("$gf" doc "$m" | sed -n 's/^[=-] \([a-z_]*\)$/\1/p' | sort | tr '\n' ' ')
        got=$(ansible-doc --json "$fq" 2>/dev/null | python3 -c '
import json, sys
d = json.load(sys.stdin)
for v in d.values():
    print("\n".join(sorted(v["doc"].get("options", {}))))' | sort | tr '\n' ' ')
        if [ -z "$got" ] || [ "$want" != "$got" ]; then
            echo "ansible-check: stub $fq documents '$got', gpuforge's $m takes '$want'" >&2
            fail=1
        fi
    done
    [ $fail = 0 ] && echo "ansible-check: the stubs of gpuforge.core document every option"
    exit $fail
fi

if command -v ansible-playbook >/dev/null 2>&1; then
    for p in playbooks/*.yml; do
        if ! out=$(ansible-playbook --syntax-check "$p" 2>&1); then
            printf '%s\n' "$out" >&2
            echo "ansible-check: ansible-playbook --syntax-check $p failed" >&2
            fail=1
        fi
    done
    [ $fail = 0 ] && echo "ansible-check: ansible-playbook --syntax-check passes on playbooks/*.yml"
else
    echo "ansible-check: ansible-playbook not installed: syntax check skipped"
fi

if command -v ansible-lint >/dev/null 2>&1; then
    if ! ansible-lint --offline --nocolor -q -p roles playbooks >&2; then
        echo "ansible-check: ansible-lint found problems (exceptions go in .ansible-lint" \
             "and docs/lint.md)" >&2
        fail=1
    else
        echo "ansible-check: ansible-lint is clean on roles/ and playbooks/"
    fi
else
    echo "ansible-check: ansible-lint not installed: lint skipped (tests/deps.sh installs it)"
fi
exit $fail
