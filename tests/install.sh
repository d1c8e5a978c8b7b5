#!/bin/sh
# install.sh - `make install` into a scratch DESTDIR, then the installed
# gpuforge finds what it ships (roles, playbooks, cloud plugins) with no
# source tree beside it, and its manual page renders without a warning.
# Usage: tests/install.sh BUILD/gpuforge
# The checks are strings that check() evals, so their $ expand there.
# shellcheck disable=SC2016,SC2034
set -u
b=$(dirname "$1")
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
fails=0 n=0

check() {
    n=$((n + 1))
    if eval "$2" >"$dest/out" 2>&1; then
        echo "ok $n - $1"
    else
        echo "not ok $n - $1"
        sed 's/^/# /' "$dest/out" | tail -n 15
        fails=$((fails + 1))
    fi
}

check 'make install DESTDIR=... PREFIX=/usr' \
    'make -s B="$b" install DESTDIR="$dest" PREFIX=/usr'
bin=$dest/usr/bin/gpuforge
check 'binary, man page, completion, roles, playbooks and plugins in place' '
    test -x "$bin" &&
    test -s "$dest/usr/share/man/man1/gpuforge.1" &&
    test -s "$dest/usr/share/bash-completion/completions/gpuforge" &&
    test -d "$dest/usr/share/gpuforge/roles/k3s_server/tasks" &&
    test -s "$dest/usr/share/gpuforge/playbooks/site.yml" &&
    test -x "$dest/usr/lib/gpuforge/cloud/gpuforge-cloud-local-vm"'
# from a directory with no source tree, so that only the installed copy
# can answer
check 'the installed gpuforge checks the installed site.yml (its roles from share/)' '
    cd "$dest" && "$bin" run --syntax-check -i usr/share/gpuforge/inventory-examples/single-master.ini \
        usr/share/gpuforge/playbooks/site.yml'
check 'gpuforge reset finds the installed reset.yml' '
    cd "$dest" && "$bin" reset -i usr/share/gpuforge/inventory-examples/single-master.ini \
        --yes --syntax-check'
check 'the installed cloud plugin is found' '
    cd "$dest" && printf "name: t\nplugin: local-vm\nregion: local\nmaster: {count: 1}\n" >c.yml &&
    "$bin" cloud validate -c c.yml | grep -q "ok: 1 node(s) for plugin local-vm"'
if command -v man >/dev/null 2>&1; then
    check 'man gpuforge renders every command, with no roff warning' '
        MANPATH="$dest/usr/share/man" MANWIDTH=100 man --warnings gpuforge 2>"$dest/warn" >"$dest/page" &&
        ! test -s "$dest/warn" &&
        for c in ping exec inventory run reset bundle doc cloud; do
            grep -q "gpuforge $c" "$dest/page" || exit 1
        done &&
        grep -q -- "--syntax-check" "$dest/page"'
fi
echo "$((n - fails)) passed, $fails failed"
[ "$fails" = 0 ]
