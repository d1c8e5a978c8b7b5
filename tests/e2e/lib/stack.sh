# stack.sh - sourced by the tests and the demo that run playbooks/site.yml:
# builds the stack bundle the way artifacts/fetch lays it out, from what can
# be had on this machine: Docker's real .deb closure (resolved against a
# node's dpkg status), a real container image (busybox from its Debian
# package, in docker-archive format) and the k3s TEST STAND-IN
# (tests/standin/k3s) in place of the k3s binary, which cannot be obtained
# here.

# mk_image ROOTFS TAG OUT [CMD]: a docker-archive (what `docker save` writes
# and `docker load` reads) of one layer holding ROOTFS; CMD is the JSON array
# of its command (default ["/bin/sh"]).
mk_image() {
    _d=$(mktemp -d) || return 1
    tar -C "$1" --owner=0 --group=0 --numeric-owner -cf "$_d/layer.tar" . || return 1
    _diff=$(sha256sum <"$_d/layer.tar" | cut -c1-64)
    mkdir "$_d/$_diff" && mv "$_d/layer.tar" "$_d/$_diff/layer.tar"
    printf '{"architecture":"amd64","os":"linux","config":{"Cmd":%s},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
        "${4:-[\"/bin/sh\"]}" "$_diff" >"$_d/config.json"
    _cfg=$(sha256sum <"$_d/config.json" | cut -c1-64)
    mv "$_d/config.json" "$_d/$_cfg.json"
    printf '[{"Config":"%s.json","RepoTags":["%s"],"Layers":["%s/layer.tar"]}]' "$_cfg" "$2" "$_diff" \
        >"$_d/manifest.json"
    tar -C "$_d" --owner=0 --group=0 --numeric-owner -cf "$3" manifest.json "$_cfg.json" "$_diff" || return 1
    rm -rf "$_d"
}

# busybox_rootfs DIR: busybox from Debian's busybox-static package.
busybox_rootfs() {
    _p=$(mktemp -d) || return 1
    (cd "$_p" && apt-get download busybox-static >/dev/null 2>&1) || { rm -rf "$_p"; return 1; }
    dpkg-deb -x "$_p"/busybox-static_*.deb "$_p/x" && mkdir -p "$1/bin" &&
        cp "$_p/x/bin/busybox" "$1/bin/busybox" && ln -sf busybox "$1/bin/sh"
    _rc=$?
    rm -rf "$_p"
    return $_rc
}

# registry_image OUT: a registry:2 image of Debian's docker-registry (the
# distribution registry 2.8) and the C library it needs, listening on :5000.
registry_image() {
    _p=$(mktemp -d) || return 1
    (cd "$_p" && apt-get download docker-registry >/dev/null 2>&1) &&
        dpkg-deb -x "$_p"/docker-registry_*.deb "$_p/x" &&
        mkdir -p "$_p/r/usr/bin" "$_p/r/lib/x86_64-linux-gnu" "$_p/r/lib64" "$_p/r/etc/docker/registry" \
            "$_p/r/var/lib/registry" &&
        cp "$_p/x/usr/bin/docker-registry" "$_p/r/usr/bin/" &&
        cp -L /lib/x86_64-linux-gnu/libc.so.6 "$_p/r/lib/x86_64-linux-gnu/" &&
        cp -L /lib64/ld-linux-x86-64.so.2 "$_p/r/lib64/" &&
        printf 'version: 0.1\nstorage:\n  filesystem:\n    rootdirectory: /var/lib/registry\nhttp:\n  addr: :5000\n' \
            >"$_p/r/etc/docker/registry/config.yml" &&
        mk_image "$_p/r" registry:2 "$1" '["/usr/bin/docker-registry","serve","/etc/docker/registry/config.yml"]'
    _rc=$?
    rm -rf "$_p"
    return $_rc
}

# node_state: run inside a node (testbed exec NODE sh -c "$NODE_STATE"):
# what a reset must give back as it was. Installed packages, /etc (types,
# modes, owners, link targets, file hashes), unit files and active units,
# listening sockets, interfaces, routes, firewall rules and mounts. Left
# out: shadow-utils' backup copies (/etc/group- and the like, rewritten by
# any groupadd/groupdel), and the dynamic linker's cache, which dpkg
# triggers rebuild (its content is compared through `ldconfig -p` instead),
# and two units that stay active without a process: network-online.target,
# reached once k3s's unit asked for it, and systemd-timedated, which the
# time-sync check starts on the bus and which exits by itself when idle.
NODE_STATE='
echo "## packages"; dpkg-query -W -f="\${db:Status-Abbrev} \${Package} \${Version}\n" | grep "^ii" | sort
echo "## /etc"; find /etc -xdev ! -name "*-" ! -path /etc/ld.so.cache -printf "%p %y %m %u:%g %l\n" | sort
find /etc -xdev -type f ! -name "*-" ! -path /etc/ld.so.cache -exec sha256sum {} + | sort -k2
echo "## libraries"; ldconfig -p | sort
echo "## unit files"; systemctl list-unit-files --no-legend --no-pager | sort
echo "## active units"; systemctl list-units --state=active --no-legend --no-pager --plain | awk "{ print \$1 }" | grep -v "^session-\|^user@\|^user-runtime-dir@\|^user-[0-9]*.slice\|^network-online.target\|^systemd-timedated.service" | sort
echo "## listening"; ss -Hltnu | awk "{ print \$1, \$5 }" | sort -u
echo "## interfaces"; ip -o link | awk -F": " "{ print \$2 }" | sed "s/@.*//" | sort
echo "## routes"; ip route show table all | grep -v "^local\|^broadcast\|^multicast\|fe80::" | sort
echo "## iptables"; for t in filter nat mangle raw; do iptables -t $t -S 2>/dev/null; done
echo "## mounts"; findmnt -rn -o TARGET | sort
'

# build_stack DIR STATUS ROOT: in DIR, the signed stack bundle
# DIR/out/gpuforge-stack.gfb (key DIR/key, DIR/key.pub) through
# artifacts/fetch: Docker's closure for a node whose dpkg status is STATUS,
# a busybox image (gpuforge/busybox:1), and the k3s stand-in with a small
# stand-in images archive and install.sh (neither is used by the roles).
# STACK_WITH: the components (default k3s,docker,images; the VM tier, with
# install_docker=false, takes k3s,images,nfs).
build_stack() {
    (
        cd "$1" || exit 1
        busybox_rootfs rootfs && mkdir -p images && mk_image rootfs gpuforge/busybox:1 images/busybox.tar &&
            mkdir -p k3simg && echo "stand-in airgap images" >k3simg/x &&
            tar -C k3simg -cf k3s-airgap-images-amd64.tar x &&
            printf '#!/bin/sh\necho "install.sh stand-in: the gpuforge roles do not use it" >&2\nexit 1\n' >install.sh &&
            { [ -e key ] || "${GF_BIN:-$3/gpuforge}" bundle keygen -o key >/dev/null; } &&
            "$3/artifacts/fetch" --out out --with "${STACK_WITH:-k3s,docker,images}" --status "$2" \
                --k3s-binary "$3/tests/standin/k3s" --k3s-images k3s-airgap-images-amd64.tar \
                --install-sh install.sh --images images --version 1.30.0 --key key --gpuforge "${GF_BIN:-$3/gpuforge}"
    )
}

# snap NODE FILE: NODE's state (NODE_STATE) into FILE, for comparisons with
# the pristine node (needs test-lib.sh's tb_exec).
snap() {
    tb_exec "$1" sh -c "$NODE_STATE" >"$2" 2>&1
}

# recap_changed FILE: the changed= counts of a run's recap in FILE, one per host.
recap_changed() {
    sed -n '/^PLAY RECAP/,$p' "$1" | sed -n 's/.*changed=\([0-9]*\).*/\1/p'
}
