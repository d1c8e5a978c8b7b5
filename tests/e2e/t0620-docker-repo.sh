#!/bin/sh
# t0620-docker-repo: the docker role from `docker_repo`, a mirror on the
# private network instead of the bundle. The node has no apt source of its
# own; this machine serves a flat apt repository (docker.io's real closure
# for the node, indexed with dpkg-scanpackages) over HTTP on the testbed's
# bridge. site.yml with no bundle installs Docker from it; reset gives the
# node back as it was (packages, /etc with the added apt source, units).
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib/stack.sh"
ROOT=$(cd "$TEST_DIR/../.." && pwd)
GF=${GF_BIN:-$ROOT/gpuforge}

test_begin "docker_repo: Docker from a mirror on the private network"
tb_up 1 --docker || exit 1
HOSTIP=$(tb_addr node1 | sed 's/\.[0-9]*$/.1/')
PORT=$((20000 + $$ % 10000))

expect_success 'the node has no apt source; its pristine state' '
    tb_exec node1 sh -c "rm -rf /etc/apt/sources.list /etc/apt/sources.list.d/* /var/lib/apt/lists/*" &&
    snap node1 pristine && grep -q "^## packages" pristine
'

expect_success 'a flat repository of the closure, served on the bridge' '
    tb_exec node1 cat /var/lib/dpkg/status >node-status &&
    "$GF" bundle fetch-debs docker.io -o repo --status node-status >fd.out 2>&1 &&
    (cd repo && dpkg-scanpackages --multiversion . /dev/null >Packages 2>/dev/null) &&
    grep -q "^Package: docker.io" repo/Packages &&
    { python3 -m http.server "$PORT" --bind "$HOSTIP" --directory repo >http.log 2>&1 & echo $! >http.pid; } &&
    sleep 1 && kill -0 "$(cat http.pid)"
'

expect_success 'site.yml -t prereq,airgap,docker without a bundle: Docker from docker_repo, running' '
    printf "gpuforge_bundle: \"\"\ndocker_repo: \"deb [trusted=yes] http://%s:%s/ ./\"\ndocker_repo_packages: [docker.io]\n" \
        "$HOSTIP" "$PORT" >vars.yml &&
    "$GF" run -i "$INV" "$ROOT/playbooks/site.yml" -t prereq,airgap,docker -e @vars.yml >site.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" site.out
    test $rc = 0 && tb_exec node1 systemctl is-active -q docker &&
    tb_exec node1 grep -q "$HOSTIP:$PORT" /etc/apt/sources.list.d/gpuforge-docker.list &&
    grep -q "GET /\(\./\)\?Packages" http.log
'

expect_success 'second run: changed=0' '
    "$GF" run -i "$INV" "$ROOT/playbooks/site.yml" -t prereq,airgap,docker -e @vars.yml >site2.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" site2.out
    test $rc = 0 && test "$(recap_changed site2.out | sort -u)" = 0
'

expect_success 'reset: the node equals its pristine state (apt source and packages gone)' '
    kill "$(cat http.pid)"
    "$GF" reset -i "$INV" --yes >reset.out 2>&1 || { tail -20 reset.out; exit 1; }
    snap node1 after && test_cmp pristine after
'

test_done
