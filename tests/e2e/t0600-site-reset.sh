#!/bin/sh
# t0600-site-reset: playbooks/site.yml on 3 real nodes that have no apt
# repository at all (offline), from a bundle that artifacts/fetch fills:
# Docker from its real .deb closure, a real container image, and the k3s
# TEST STAND-IN (tests/standin/k3s) where the k3s binary would be (it cannot
# be obtained here). NVIDIA tasks are skipped with their reason (no GPU
# here). A second run changes nothing; validate.yml reports healthy; `gpuforge
# reset` gives every node back: its packages, /etc, units, listening ports,
# interfaces, routes, firewall rules and mounts equal the pristine node's.
# Reset twice, and reset after an install interrupted halfway, also work.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib/stack.sh"
ROOT=$(cd "$TEST_DIR/../.." && pwd)
GF=${GF_BIN:-$ROOT/gpuforge}

site() { # site [ARGS]: site.yml with this test's bundle
    "$GF" run -i "$INV" -i registry.ini "$ROOT/playbooks/site.yml" -e gpuforge_bundle="$PWD/out/gpuforge-stack.gfb" \
        -e gpuforge_bundle_pubkey="$PWD/key.pub" -e @vars.yml "$@"
}

test_begin "site.yml offline on 3 nodes, second run, validate, reset to pristine"
tb_up 3 --docker || exit 1

expect_success 'nodes offline: no apt repository; node2 has a restrictive firewall; node1 a daemon.json' '
    for n in node1 node2 node3; do
        tb_exec $n sh -c "rm -rf /etc/apt/sources.list /etc/apt/sources.list.d/* /var/lib/apt/lists/*" || exit 1
    done &&
    tb_exec node2 sh -c "iptables -A INPUT -i lo -j ACCEPT && iptables -A INPUT -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT &&
        iptables -A INPUT -p tcp --dport 22 -j ACCEPT && iptables -P INPUT DROP" &&
    tb_exec node1 sh -c "mkdir -p /etc/docker && printf \"{\\\"log-level\\\": \\\"warn\\\"}\\n\" >/etc/docker/daemon.json" &&
    tb_ssh node2 true
'

expect_success 'pristine state of every node' '
    for n in node1 node2 node3; do snap $n pristine.$n || exit 1; done
    grep -q "^## packages" pristine.node1 && grep -q "INPUT DROP" pristine.node2 &&
    cp pristine.node1 pristine.node1.keep
'

expect_success 'artifacts/fetch: Docker closure, image, k3s stand-in into a signed bundle' '
    tb_exec node1 cat /var/lib/dpkg/status >node-status &&
    printf "[registry]\nnode1\n" >registry.ini &&
    mkdir -p images && registry_image images/registry.tar &&
    build_stack "$PWD" "$PWD/node-status" "$ROOT" >fetch.out 2>&1; rc=$?
    tail -3 fetch.out
    test $rc = 0 && test -s out/gpuforge-stack.gfb &&
    printf "docker_daemon_options:\n  max-concurrent-downloads: 5\nk3s_kubeconfig_merge: $PWD/kube/config\n" >vars.yml &&
    mkdir kube && printf "apiVersion: v1\nkind: Config\nclusters:\n- name: other\n  cluster: {server: \"https://192.0.2.1:6443\"}\nusers:\n- name: other\n  user: {token: x}\ncontexts:\n- name: other\n  context: {cluster: other, user: other}\ncurrent-context: other\n" >kube/config
'

expect_success 'site.yml --check on the pristine nodes: rc 0, nothing changed on any node' '
    site --check >check.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" check.out
    test $rc = 0 &&
    for n in node1 node2 node3; do
        snap $n chk.$n && test_cmp pristine.$n chk.$n && tb_exec $n test ! -e /var/lib/gpuforge || exit 1
    done
'

expect_success 'site.yml: rc 0, NVIDIA skipped with the reason, token in no output' '
    site >site1.out 2>&1; rc=$?
    tail -6 site1.out
    test $rc = 0 &&
    grep -q "NVIDIA driver skipped on node3: no NVIDIA PCI device (the inventory says has_gpu=true)" site1.out &&
    grep -q "NVIDIA driver skipped on node1: no NVIDIA PCI device" site1.out &&
    grep -q "GPU scheduling skipped: no node has an NVIDIA device (has_gpu=true on node3" site1.out &&
    tok=$(tb_exec node1 sed "s/.*::server://" /var/lib/rancher/k3s/server/token) && test -n "$tok" &&
    ! grep -q "$tok" site1.out
'

expect_success 'Docker: the SSH user runs a container of the bundled image; daemon.json merged' '
    tb_ssh node2 docker run --rm gpuforge/busybox:1 /bin/busybox echo hello-from-the-bundle >run.out 2>&1; cat run.out
    grep -qx hello-from-the-bundle run.out &&
    tb_exec node1 cat /etc/docker/daemon.json >dj && cat dj &&
    grep -q "\"log-level\": \"warn\"" dj && grep -q "\"max-concurrent-downloads\": 5" dj
'

expect_success 'k3s (stand-in): 3 nodes Ready with pool labels, kubeconfig and token on the controller (0600)' '
    tb_exec node1 k3s kubectl get nodes --no-headers -o "custom-columns=N:.metadata.name,R:.status.conditions[?(@.type==\"Ready\")].status,P:.metadata.labels.gpuforge\.io/pool" >nodes
    cat nodes
    grep -q "^node1 *True *cpu" nodes && grep -q "^node2 *True *cpu" nodes && grep -q "^node3 *True *gpu" nodes &&
    test "$(stat -c %a "$TB/kubeconfig-gpuforge.yaml")" = 600 &&
    grep -q "current-context: gpuforge" "$TB/kubeconfig-gpuforge.yaml" &&
    grep -q "server: https://$(tb_addr node1):6443" "$TB/kubeconfig-gpuforge.yaml" &&
    test "$(stat -c %a "$TB/.gpuforge-gpuforge-token")" = 600 &&
    cat kube/config && test "$(stat -c %a kube/config)" = 600 &&
    grep -q "^current-context: other" kube/config && grep -q "^- name: other" kube/config &&
    grep -q "^  name: gpuforge" kube/config &&
    grep -q "server: https://$(tb_addr node1):6443" kube/config &&
    tb_exec node2 grep -q "^server: \"https://$(tb_addr node1):6443\"" /etc/rancher/k3s/config.yaml &&
    test "$(tb_exec node2 stat -c %a /etc/rancher/k3s/config.yaml)" = 600
'

expect_success 'registry: the registry:2 container from the bundle answers on node1:5000; registries.yaml on every node' '
    tb_exec node2 timeout 5 bash -c "exec 3<>/dev/tcp/$(tb_addr node1)/5000 && printf \"GET /v2/ HTTP/1.0\r\n\r\n\" >&3 && cat <&3" >v2.out
    cat v2.out
    grep -q "^HTTP/1.[01] 200" v2.out && grep -q "Docker-Distribution-Api-Version: registry/2.0" v2.out &&
    for n in node1 node2 node3; do
        tb_exec $n grep -q "endpoint: \[\"http://$(tb_addr node1):5000\"\]" /etc/rancher/k3s/registries.yaml || exit 1
    done
'

expect_success 'firewall: k3s ports opened on node2 with rules marked gpuforge, SSH rule kept' '
    tb_exec node2 iptables -S INPUT >fw; cat fw
    grep -q -- "-A INPUT -p tcp -m tcp --dport 22 -j ACCEPT" fw &&
    grep -q -- "--dport 10250 .*gpuforge" fw && grep -q -- "--dport 8472 .*gpuforge" fw &&
    ! tb_exec node1 iptables -S INPUT | grep -q gpuforge
'

expect_success 'second run: changed=0 on every host' '
    site >site2.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" site2.out
    test $rc = 0 && test "$(recap_changed site2.out | sort -u)" = 0
'

expect_success 'validate.yml: healthy report for each node' '
    "$GF" run -i "$INV" "$ROOT/playbooks/validate.yml" >val.out 2>&1; rc=$?
    grep "\"msg\"" val.out
    test $rc = 0 && grep -q "node3: Ready, pool gpu, NVIDIA GPUs 0 (allocatable nvidia.com/gpu <none>), API 6443 open, kubelet 10250 open" val.out
'

expect_code 4 'reset without a terminal and without --yes: refused, nothing run' '
    "$GF" reset -i "$INV" </dev/null
'

expect_success 'reset --keep-docker: k3s gone, Docker still runs the bundled image' '
    "$GF" reset -i "$INV" --yes --keep-docker >keep.out 2>&1 || { tail -20 keep.out; exit 1; }
    tb_exec node2 sh -c "test ! -e /usr/local/bin/k3s && test ! -e /etc/rancher && ! ip link show cni0 2>/dev/null" &&
    tb_ssh node2 docker run --rm gpuforge/busybox:1 /bin/busybox true
'

expect_success 'reset: SSH stays reachable throughout, rc 0' '
    ( while [ ! -e reset.done ]; do tb_ssh node2 true || echo lost >>ssh.lost; sleep 0.3; done ) &
    "$GF" reset -i "$INV" --yes >reset1.out 2>&1; rc=$?; touch reset.done; wait
    sed -n "/^PLAY RECAP/,\$p" reset1.out
    test $rc = 0 && test ! -e ssh.lost
'

expect_success 'after reset every node equals its pristine state' '
    for n in node1 node2 node3; do
        snap $n after.$n && test_cmp pristine.$n after.$n || exit 1
    done
'

expect_success 'reset twice: rc 0 and nothing to change' '
    "$GF" reset -i "$INV" --yes >reset2.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" reset2.out
    test $rc = 0 && test "$(recap_changed reset2.out | sort -u)" = 0
'

expect_success 'an install interrupted halfway (k3s up on the first server only), then reset: pristine' '
    site >site3.out 2>&1 &
    pid=$!
    i=0
    until tb_exec node1 systemctl is-active -q k3s; do
        i=$((i + 1)); [ $i -lt 600 ] || { kill $pid; echo "k3s never started"; exit 1; }; sleep 0.2
    done
    kill -9 $pid; wait $pid 2>/dev/null
    tail -3 site3.out
    ! tb_exec node2 test -e /etc/systemd/system/k3s-agent.service || echo "(node2 had joined already)"
    "$GF" reset -i "$INV" --yes >reset3.out 2>&1 || { tail -20 reset3.out; exit 1; }
    for n in node1 node2 node3; do
        snap $n after3.$n && test_cmp pristine.$n after3.$n || exit 1
    done
'

test_done
