#!/bin/sh
# t0641-k3s-registry-ufw: the embedded registry mirror option and ufw, on 2 real
# nodes with the k3s TEST STAND-IN (tests/standin/k3s): node1 a server, node2 an
# agent whose host firewall is ufw (Debian's ufw package, active, SSH allowed).
# site.yml with k3s_embedded_registry=true writes embedded-registry: true on the
# server only, the mirrors into every node's registries.yaml, and opens on
# node2 5001/tcp and 6443/tcp from its peers and all traffic from the pod and
# service CIDRs, as k3s documents for ufw hosts; a second run changes nothing;
# reset leaves both nodes as they were, ufw still active with its own rule.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib/stack.sh"
ROOT=$(cd "$TEST_DIR/../.." && pwd)
GF=${GF_BIN:-$ROOT/gpuforge}

site() {
    "$GF" run -i "$INV" "$ROOT/playbooks/site.yml" -e gpuforge_bundle="$PWD/out/gpuforge-stack.gfb" \
        -e gpuforge_bundle_pubkey="$PWD/key.pub" -e @vars.yml "$@"
}

test_begin "embedded registry mirror and ufw rules"
# Debian's ufw package from the package registry (the nodes have no apt source)
for _try in 1 2 3; do
    apt-get download ufw >/dev/null 2>&1 && break
    sleep 5
done
UFW_DEB=$(ls ufw_*_all.deb 2>/dev/null | head -1)
[ -n "$UFW_DEB" ] || test_skip_all "needs Debian's ufw package (apt-get download ufw failed)"
tb_up 2 || exit 1
N1=$(tb_addr node1)

expect_success 'node2: ufw from Debian, active, SSH allowed; pristine state of both nodes' '
    tb_exec node2 sh -c "cat >/root/ufw.deb" <"$UFW_DEB" &&
    tb_exec node2 sh -c "DEBIAN_FRONTEND=noninteractive dpkg -i /root/ufw.deb >/root/ufw.log 2>&1 && rm /root/ufw.deb &&
        ufw allow 22/tcp >/dev/null && ufw --force enable >/dev/null && ufw status" >ufw0 && cat ufw0 &&
    grep -q "^Status: active" ufw0 &&
    for n in node1 node2; do snap $n pristine.$n || exit 1; done
'

expect_success 'a bundle with the k3s stand-in' '
    mkdir -p k3simg && echo "stand-in airgap images" >k3simg/x &&
    tar -C k3simg -cf k3s-airgap-images-amd64.tar x && printf "#!/bin/sh\nexit 1\n" >install.sh &&
    "$GF" bundle keygen -o key >/dev/null &&
    "$ROOT/artifacts/fetch" --out out --with k3s --k3s-binary "$ROOT/tests/standin/k3s" \
        --k3s-images k3s-airgap-images-amd64.tar --install-sh install.sh --key key --gpuforge "$GF" >fetch.out 2>&1 ||
        { tail -5 fetch.out; exit 1; }
    printf "%s\n" "install_docker: false" "k3s_embedded_registry: true" >vars.yml
'

expect_success 'site.yml: embedded-registry on the server, mirrors on every node, ufw opened on node2' '
    site >site1.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" site1.out
    test $rc = 0 && test "$(tb_exec node1 k3s kubectl get nodes --no-headers | grep -c " Ready ")" = 2 &&
    tb_exec node1 grep -qx "embedded-registry: true" /etc/rancher/k3s/config.yaml &&
    ! tb_exec node2 grep -q "embedded-registry" /etc/rancher/k3s/config.yaml &&
    for n in node1 node2; do
        for m in docker.io registry.k8s.io ghcr.io quay.io nvcr.io; do
            tb_exec $n grep -qx "  \"$m\":" /etc/rancher/k3s/registries.yaml || { echo "$n: no mirror $m"; exit 1; }
        done
    done &&
    tb_exec node1 ss -Hltn | grep -q ":5001 " &&
    tb_exec node2 ufw status >ufw1 && cat ufw1 &&
    grep -Eq "^5001/tcp +ALLOW +$N1 +# gpuforge" ufw1 && grep -Eq "^6443/tcp +ALLOW +$N1 +# gpuforge" ufw1 &&
    grep -Eq "^10250/tcp +ALLOW +$N1 +# gpuforge" ufw1 &&
    grep -Eq "^Anywhere +ALLOW +10.42.0.0/16 +# gpuforge" ufw1 && grep -Eq "^Anywhere +ALLOW +10.43.0.0/16 +# gpuforge" ufw1
'

expect_success 'second run: changed=0 on both nodes' '
    site >site2.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" site2.out
    test $rc = 0 && test "$(recap_changed site2.out | sort -u)" = 0
'

expect_success 'reset: both nodes equal their pristine state; ufw active with the SSH rule only' '
    "$GF" reset -i "$INV" --yes >reset.out 2>&1 || { tail -20 reset.out; exit 1; }
    for n in node1 node2; do
        snap $n after.$n && test_cmp pristine.$n after.$n || exit 1
    done
    tb_exec node2 ufw status >ufw2 && test_cmp ufw0 ufw2
'

test_done
