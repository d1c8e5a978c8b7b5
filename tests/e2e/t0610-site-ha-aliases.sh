#!/bin/sh
# t0610-site-ha-aliases: the inventory contract's aliases and HA. Three
# servers in [server] (an alias of [master]) and one node in [agent] (an
# alias of [worker]), install_docker=false everywhere, a k3s_token given in
# the inventory, a fixed registration address (k3s_registration_address: a
# VIP held by node1, as keepalived would). With the k3s TEST STAND-IN
# (tests/standin/k3s): the first server runs cluster-init, the others and the
# agent join through the VIP one at a time, every server's tls-san and the
# kubeconfig name it, all four nodes are Ready, a second run changes nothing,
# the inventory's token is in no output, and reset leaves no k3s behind. Two
# servers are refused unless k3s_allow_even_servers=true. The shipped inventory
# examples list the right hosts for the server and agent plays.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib/stack.sh"
ROOT=$(cd "$TEST_DIR/../.." && pwd)
GF=${GF_BIN:-$ROOT/gpuforge}
TOKEN=gf-canary-token-5b1e0c7d

test_begin "HA servers and group aliases; install_docker=false"

expect_success 'inventory examples: the server and agent plays list the right hosts' '
    for f in "$ROOT"/inventory-examples/*; do
        # a cluster spec for gpuforge cloud, not an inventory
        grep -q "^plugin:" "$f" && continue
        "$GF" run -i "$f" "$ROOT/playbooks/site.yml" --list-hosts >"$(basename "$f").hosts" || exit 1
    done
    sed -n "/k3s servers/,/^\$/p" convecthub-style.ini.hosts | grep -qx "      hub-master" &&
    sed -n "/k3s agents/,/^\$/p" convecthub-style.ini.hosts | grep -qx "      hub-gpu2" &&
    test "$(sed -n "/k3s servers/,/^\$/p" ha-three-servers.yml.hosts | grep -c "^      server")" = 3
'

tb_up 4 || exit 1
VIP=$(tb_addr node1 | sed 's/\.[0-9]*$/.250/')

expect_code 2 'two servers: refused by the inventory contract (embedded etcd needs an odd number)' '
    { echo "[server]"; grep "^node[12] " "$INV"; echo "[agent]"; grep "^node3 " "$INV"
      echo "[all:vars]"; grep "^ansible_ssh_common_args" "$INV"; } >even.ini &&
    "$GF" run -i even.ini "$ROOT/playbooks/site.yml" --check -t prereq >even.out 2>&1; rc=$?
    grep -m1 "needs an odd number" even.out
    grep -q "2 servers (node1, node2): HA with embedded etcd needs an odd number" even.out &&
    "$GF" run -i even.ini "$ROOT/playbooks/site.yml" --check -t prereq -e k3s_allow_even_servers=true >even2.out 2>&1 &&
    exit $rc
'

expect_success 'the registration address: a VIP on node1 that the other nodes reach' '
    tb_exec node1 ip addr add "$VIP/32" dev host0 &&
    tb_exec node4 ping -c1 -W2 "$VIP" >/dev/null
'

expect_success 'an inventory with [server] x3 and [agent], docker off, a k3s_token' '
    {
        echo "[server]"; grep "^node[123] " "$INV"
        echo "[agent]"; echo "$(grep "^node4 " "$INV") my_iface=host0 pool=training"
        echo "[all:vars]"; grep "^ansible_ssh_common_args" "$INV"
        echo "install_docker=false"
        echo "k3s_token=$TOKEN"
        echo "k3s_registration_address=$VIP"
        echo "http_port=8080"
        echo "tls_cert=$PWD/tls.crt"
        echo "tls_key=$PWD/tls.key"
    } >ha.ini && cat ha.ini &&
    openssl req -x509 -newkey rsa:2048 -nodes -keyout tls.key -out tls.crt -days 2 -subj /CN=gpuforge.test 2>/dev/null &&
    tb_exec node1 cat /var/lib/dpkg/status >node-status &&
    build_stack "$PWD" "$PWD/node-status" "$ROOT" >fetch.out 2>&1 || { tail -5 fetch.out; exit 1; }
'

run_site() {
    "$GF" run -i ha.ini "$ROOT/playbooks/site.yml" -e gpuforge_bundle="$PWD/out/gpuforge-stack.gfb" \
        -e gpuforge_bundle_pubkey="$PWD/key.pub" -e k3s_kubeconfig_merge="$PWD/kubeconfig" "$@"
}

expect_success 'site.yml: servers one at a time, rc 0, Docker skipped, token in no output' '
    run_site -vv >site1.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" site1.out
    test $rc = 0 && grep -q "Docker not installed on node4: install_docker=false" site1.out &&
    ! grep -q "$TOKEN" site1.out &&
    ! tb_exec node4 sh -c "command -v dockerd"
'

expect_success 'cluster-init on the first server, the others join it through the VIP; 4 nodes Ready' '
    tb_exec node1 grep -qx "cluster-init: true" /etc/rancher/k3s/config.yaml &&
    for n in node2 node3 node4; do
        tb_exec $n grep -qx "server: \"https://$VIP:6443\"" /etc/rancher/k3s/config.yaml || exit 1
    done &&
    for n in node1 node2 node3; do
        tb_exec $n grep -qx "  - \"$VIP\"" /etc/rancher/k3s/config.yaml || exit 1
    done &&
    grep -q "server: https://$VIP:6443" kubeconfig-gpuforge.yaml && grep -q "server: https://$VIP:6443" kubeconfig &&
    tb_exec node1 k3s kubectl get nodes >nodes && cat nodes &&
    test "$(grep -c " Ready " nodes)" = 4 &&
    test "$(grep -c "control-plane" nodes)" = 3 &&
    tb_exec node4 grep -qx "node-ip: \"$(tb_addr node4)\"" /etc/rancher/k3s/config.yaml &&
    tb_exec node4 grep -qx "flannel-iface: \"host0\"" /etc/rancher/k3s/config.yaml &&
    tb_exec node1 k3s kubectl get nodes --no-headers -o "custom-columns=N:.metadata.name,P:.metadata.labels.gpuforge\.io/pool" | grep -q "^node4 *training"
'

expect_success 'ingress: Traefik on http_port, the TLS secret from tls_cert/tls_key (0600), the key in no output' '
    M=/var/lib/rancher/k3s/server/manifests
    tb_exec node1 grep -q "exposedPort: 8080" $M/gpuforge-traefik-config.yaml &&
    tb_exec node1 grep -q "kind: Secret" $M/gpuforge-tls.yaml &&
    test "$(tb_exec node1 stat -c %a $M/gpuforge-tls.yaml)" = 600 &&
    tb_exec node1 grep -q "tls.key: $(base64 -w0 tls.key)" $M/gpuforge-tls.yaml &&
    ! grep -q "$(sed -n 2p tls.key)" site1.out
'

expect_success 'second run: changed=0' '
    run_site >site2.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" site2.out
    test $rc = 0 && test "$(recap_changed site2.out | sort -u)" = 0
'

expect_success 'upgrade.yml to a new bundle: every node on the new k3s, Ready; a rerun changes nothing' '
    mkdir -p v2 && sed "s/^VERSION=v1.30.0+standin/VERSION=v1.30.1+standin/" "$ROOT/tests/standin/k3s" >v2/k3s &&
    chmod 0755 v2/k3s && cp -r images k3s-airgap-images-amd64.tar install.sh key key.pub v2/ &&
    (cd v2 && "$ROOT/artifacts/fetch" --out out --with k3s,images --k3s-binary k3s \
        --k3s-images k3s-airgap-images-amd64.tar --install-sh install.sh --images images --version 1.30.1 \
        --key key --gpuforge "$GF") >v2.out 2>&1 || { tail -5 v2.out; exit 1; }
    up() { "$GF" run -i ha.ini "$ROOT/playbooks/upgrade.yml" -e gpuforge_bundle="$PWD/v2/out/gpuforge-stack.gfb" \
        -e gpuforge_bundle_pubkey="$PWD/key.pub" -e k3s_kubeconfig_merge="$PWD/kubeconfig"; }
    up >up1.out 2>&1 || { tail -20 up1.out; exit 1; }
    sed -n "/^PLAY RECAP/,\$p" up1.out
    for n in node1 node2 node3 node4; do
        tb_exec $n k3s --version | grep -q v1.30.1+standin || { echo "$n not upgraded"; exit 1; }
    done
    tb_exec node1 k3s kubectl get nodes >nodes2 && cat nodes2 && test "$(grep -c " Ready " nodes2)" = 4 &&
    up >up2.out 2>&1 &&
    test "$(recap_changed up2.out | sort -u)" = 0
'

expect_success 'reset: no k3s unit, binary, interface or data left on any node' '
    "$GF" reset -i ha.ini --yes >reset.out 2>&1 || { tail -20 reset.out; exit 1; }
    for n in node1 node2 node3 node4; do
        tb_exec $n sh -c "test ! -e /usr/local/bin/k3s && test ! -e /etc/rancher && test ! -e /var/lib/rancher &&
            ! ip link show cni0 2>/dev/null && ! ip link show flannel.1 2>/dev/null &&
            ! iptables -S | grep -q KUBE- && ! findmnt -rn | grep -q /run/k3s && ! ps -eo comm= | grep -q ^containerd-shim" || exit 1
    done
'

test_done
