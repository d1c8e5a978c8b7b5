#!/bin/sh
# t0510-bundle-docker-offline: docker.io installed on a node that has no
# apt repository at all, from a bundle: `bundle fetch-debs` resolves the
# closure against the node's own dpkg status on this (connected) machine, the
# bundle carries it with a container image, `bundle push` lands it, and
# dockerd then runs a container of the bundled image. Needs this machine's
# apt lists (the CI runs apt-get update first).
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
B=/var/lib/gpuforge/bundles

test_begin "docker.io offline from a bundle"
tb_up 1 --docker || exit 1

expect_success 'the node has no docker and no apt repository' '
    ! tb_exec node1 sh -c "command -v dockerd" &&
    tb_exec node1 sh -c "rm -rf /etc/apt/sources.list /etc/apt/sources.list.d/* /var/lib/apt/lists/*" &&
    ! tb_exec node1 sh -c "apt-get install -y --no-download docker.io" >/dev/null 2>&1
'

expect_success 'fetch-debs: the closure of docker.io for what the node has' '
    tb_exec node1 cat /var/lib/dpkg/status >node-status &&
    "$GF" bundle fetch-debs docker.io -o debs --status node-status >out 2>&1; rc=$?
    tail -1 out
    test $rc = 0 && ls debs/docker.io_*.deb debs/containerd_*.deb >/dev/null &&
    ! ls debs/libc6_*.deb 2>/dev/null
'

expect_success 'an image: a busybox root filesystem, built here from its Debian package' '
    mkdir -p pkg rootfs/bin && (cd pkg && apt-get download busybox-static >/dev/null 2>&1) &&
    dpkg-deb -x pkg/busybox-static_*.deb x && cp x/bin/busybox rootfs/bin/busybox &&
    tar -C rootfs -cf image.tar . &&
    printf "name: stack\nversion: 1.0.0\ncomponents:\n  - name: docker\n    debs: {from: debs}\n  - name: images\n    files:\n      - {src: image.tar, dest: images/busybox.tar, mode: \"0644\"}\n" >spec.yml &&
    "$GF" bundle keygen -o key >/dev/null && "$GF" bundle build spec.yml -o stack.gfb --key key
'

expect_success 'push the bundle and install docker.io from it, offline' '
    "$GF" bundle push -i "$INV" stack.gfb --pubkey key.pub >out 2>&1 || { cat out; exit 1; }
    "$GF" exec -i "$INV" node1 -b -- "DEBIAN_FRONTEND=noninteractive dpkg -i $B/stack/current/files/debs/docker/*.deb" >out 2>&1; rc=$?
    tail -5 out
    test $rc = 0 && tb_exec node1 systemctl is-active docker
'

expect_success 'docker runs a container of the image loaded from the bundle' '
    "$GF" exec -i "$INV" node1 -b -- "docker import $B/stack/current/files/images/busybox.tar gf/busybox:1 && docker run --rm gf/busybox:1 /bin/busybox echo hello-from-the-bundle" >out 2>&1; rc=$?
    cat out
    test $rc = 0 && grep -qx hello-from-the-bundle out
'

test_done
