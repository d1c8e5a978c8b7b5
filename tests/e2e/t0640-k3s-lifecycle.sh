#!/bin/sh
# t0640-k3s-lifecycle: the cluster's life cycle on 3 real nodes against the k3s
# TEST STAND-IN (tests/standin/k3s), which holds k3s's and kubectl's contract for
# it: node1 a server with embedded etcd (cluster-init), node2 an agent with one
# stand-in NVIDIA GPU (tests/e2e/lib/fakegpu.sh), node3 an agent. First the
# stand-in itself: drain refuses DaemonSet pods without --ignore-daemonsets and
# emptyDir pods without --delete-emptydir-data, evicts within a
# PodDisruptionBudget and times out against one that allows no disruption.
# Then playbooks/upgrade.yml: a skipped minor version (v1.33 -> v1.35) is
# refused before anything changes; v1.33 -> v1.34 with a blocking budget stops
# at the drain, the node uncordoned again and no other node touched after it;
# with k3s_force_drain it goes through,
# an etcd snapshot first, then one node at a time (cordon, drain, new k3s Ready
# on the new version, uncordon); a rerun changes nothing. Then k3s's node
# password rule: a node reset without `kubectl delete node` is refused when it
# comes back, and the role says why; playbooks/remove-node.yml (drain, k3s
# stopped, delete node, reset) gives node2 and node3 back pristine, CDI spec
# included, and site.yml joins them again; reset gives every node back.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib/stack.sh"
. "$TEST_DIR/lib/fakegpu.sh"
ROOT=$(cd "$TEST_DIR/../.." && pwd)
GF=${GF_BIN:-$ROOT/gpuforge}
. "$ROOT/artifacts/versions"
AUDIT=/var/lib/rancher/k3s/server/standin/audit.log

run_pb() { # run_pb PLAYBOOK VERSION [ARGS]: PLAYBOOK with the bundle of k3s VERSION
    _pb=$1 _v=$2
    shift 2
    "$GF" run -i "$INV" "$ROOT/playbooks/$_pb" -e gpuforge_bundle="$PWD/out-$_v/gpuforge-stack.gfb" \
        -e gpuforge_bundle_pubkey="$PWD/key.pub" -e @vars.yml "$@"
}
kc() { tb_exec node1 k3s kubectl "$@"; }
# col NODE EXPR: one custom column of NODE as node1's kubectl shows it
col() {
    kc get nodes --no-headers -o "custom-columns=N:.metadata.name,V:$2" | awk -v n="$1" '$1 == n { print $2 }'
}
ready_of() {
    kc get nodes --no-headers -o "custom-columns=N:.metadata.name,R:.status.conditions[?(@.type==\"Ready\")].status" |
        awk -v n="$1" '$1 == n { print $2 }'
}
# pod_node PREFIX: the node of the first pod whose name starts with PREFIX
pod_node() {
    kc get pods -A --no-headers -o custom-columns=N:.metadata.name,NODE:.spec.nodeName |
        awk -v p="$1" 'index($1, p) == 1 { print $2; exit }'
}
# web_running: the number of Running pods of the Deployment web
web_running() {
    kc get pods --no-headers -o custom-columns=N:.metadata.name,S:.status.phase | grep -c "^web-.* Running$"
}
audit_from() { tb_exec node1 sed -n "$1,\$p" "$AUDIT"; }
audit_len() { tb_exec node1 cat "$AUDIT" | wc -l; }
versions() { for n in node1 node2 node3; do tb_exec $n k3s --version | awk 'NR == 1 { print $3 }'; done | sort -u; }

test_begin "k3s life cycle: drain, upgrade, node password, remove-node, reset"
tb_up 3 || exit 1

expect_success 'node2 gets 1 stand-in GPU; pristine state of the 3 nodes' '
    fake_gpus node2 1 &&
    for n in node1 node2 node3; do snap $n pristine.$n || exit 1; done
'

expect_success 'three bundles: stand-in k3s v1.33.5, v1.34.2, v1.35.1, with the device plugin and the toolkit' '
    mkdir -p k3simg dpimg/bin ctk && echo "stand-in airgap images" >k3simg/x &&
    tar -C k3simg -cf k3s-airgap-images-amd64.tar x && printf "#!/bin/sh\nexit 1\n" >install.sh &&
    echo "device plugin image stand-in" >dpimg/bin/README &&
    mk_image dpimg "$DEVICE_PLUGIN_IMAGE:$DEVICE_PLUGIN_VERSION" dp.tar &&
    printf "apiVersion: apps/v1\nkind: DaemonSet\nmetadata:\n  name: nvidia-device-plugin-daemonset\n" >static.yml &&
    toolkit_deb ctk "$NVIDIA_CTK_VERSION" && "$GF" bundle keygen -o key >/dev/null &&
    for v in 1.33.5 1.34.2 1.35.1; do
        sed "s/^VERSION=.*/VERSION=v$v+standin/" "$ROOT/tests/standin/k3s" >k3s-$v && chmod 0755 k3s-$v &&
        "$ROOT/artifacts/fetch" --out out-$v --with k3s,device-plugin,nvidia-toolkit \
            --k3s-binary k3s-$v --k3s-images k3s-airgap-images-amd64.tar --install-sh install.sh \
            --device-plugin-manifest static.yml --device-plugin-image dp.tar --nvidia-toolkit-debs ctk \
            --version $v --key key --gpuforge "$GF" >fetch-$v.out 2>&1 || { tail -5 fetch-$v.out; exit 1; }
    done &&
    printf "%s\n" "install_docker: false" "gpu_smoke_test: false" "gpu_allocatable_timeout: 20" \
        "k3s_server_config:" "  cluster-init: true" "k3s_ready_timeout: 30" "k3s_drain_timeout: 8" >vars.yml
'

expect_success 'site.yml on v1.33.5: 3 nodes Ready on v1.33.5, embedded etcd, 1 GPU on node2' '
    run_pb site.yml 1.33.5 >site1.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" site1.out
    test $rc = 0 && kc get nodes >nodes && cat nodes &&
    test "$(grep -c " Ready .* v1.33.5+standin$" nodes)" = 3 &&
    test "$(col node2 .status.allocatable.nvidia\\.com/gpu)" = 1 &&
    tb_exec node1 test -d /var/lib/rancher/k3s/server/db/etcd
'

expect_success 'stand-in drain: DaemonSet pods need --ignore-daemonsets; the node stays cordoned' '
    kc create deployment web --image=gpuforge/busybox:1 --replicas=2 >out && grep -qx "deployment.apps/web created" out &&
    test "$(web_running)" = 2 &&
    ! kc drain node2 >out 2>err && cat out err &&
    grep -q "^error: unable to drain node \"node2\" due to error: cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): kube-system/nvidia-device-plugin-r1-mig-none-" err &&
    grep -qx "node/node2 cordoned" out &&
    kc get nodes | grep -q "^node2 .*Ready,SchedulingDisabled" &&
    test "$(col node2 .spec.unschedulable)" = true &&
    kc uncordon node2 | grep -qx "node/node2 uncordoned" && test "$(col node2 .spec.unschedulable)" = "<none>"
'

expect_success 'stand-in drain: emptyDir pods (metrics-server) need --delete-emptydir-data' '
    n=$(pod_node metrics-server-) && test -n "$n" &&
    ! kc drain $n --ignore-daemonsets >out 2>err; cat err
    grep -q "cannot delete Pods with local storage (use --delete-emptydir-data to override): kube-system/metrics-server-" err &&
    kc uncordon $n >/dev/null
'

expect_success 'stand-in drain: a budget of minAvailable 1 lets the web pod go elsewhere' '
    kc create pdb web --selector=app=web --min-available=1 | grep -qx "poddisruptionbudget.policy/web created" &&
    n=$(pod_node web-) && test -n "$n" &&
    kc drain $n --ignore-daemonsets --delete-emptydir-data --timeout=20s >out 2>err; rc=$?
    cat out err
    test $rc = 0 && grep -q "^pod/web-.* evicted$" out && grep -qx "node/$n drained" out &&
    test "$(web_running)" = 2 &&
    ! kc get pods --no-headers -o custom-columns=N:.metadata.name,NODE:.spec.nodeName | grep -q "^web-.* $n$" &&
    kc uncordon $n >/dev/null
'

expect_success 'stand-in drain: a budget of minAvailable 2 blocks until --timeout, the pod stays' '
    kc delete pdb web | grep -qx "poddisruptionbudget.policy \"web\" deleted" &&
    kc create pdb web --selector=app=web --min-available=2 >/dev/null &&
    n=$(pod_node web-) && p=$(kc get pods --no-headers -o custom-columns=N:.metadata.name,NODE:.spec.nodeName | awk -v n=$n "\$2 == n { print \$1; exit }") &&
    start=$(date +%s) && ! kc drain $n --ignore-daemonsets --delete-emptydir-data --timeout=6s >out 2>err
    took=$(($(date +%s) - start)); cat err; echo "took $took s"
    grep -q "error when evicting pods/\"$p\" -n \"default\" (will retry after 5s): Cannot evict pod as it would violate the pod.s disruption budget." err &&
    grep -q "global timeout reached: 6s" err && test $took -ge 6 && test $took -le 15 &&
    kc get pods --no-headers -o custom-columns=N:.metadata.name,NODE:.spec.nodeName | grep -q "^$p *$n$" &&
    kc uncordon $n >/dev/null
'

expect_success 'upgrade.yml to v1.35.1 (skips v1.34): refused before any node is cordoned or k3s replaced' '
    before=$(audit_len) &&
    run_pb upgrade.yml 1.35.1 >skip.out 2>&1; rc=$?
    grep -m3 "skips a minor" skip.out
    test $rc != 0 && grep -q "k3s v1.33.5+standin to v1.35.1+standin skips a minor version: Kubernetes upgrades one minor version at a time; upgrade to a v1.34 release first; nothing was changed" skip.out &&
    test "$(versions)" = v1.33.5+standin && test -z "$(audit_from $((before + 1)))" &&
    ! tb_exec node1 test -e /var/lib/rancher/k3s/server/db/snapshots
'

expect_success 'upgrade.yml to v1.34.2 with a budget that allows no disruption: stops at the drain, node uncordoned' '
    before=$(audit_len) &&
    run_pb upgrade.yml 1.34.2 >blocked.out 2>&1; rc=$?
    grep "could not be drained" blocked.out | head -3; sed -n "/^PLAY RECAP/,\$p" blocked.out
    n=$(sed -n "s/.*\"msg\": \"\(node[0-9]\) could not be drained within 8 s.*/\1/p; s/.*msg: \(node[0-9]\) could not be drained within 8 s.*/\1/p" blocked.out | head -1)
    echo "blocked at: $n"
    test $rc != 0 && test -n "$n" && grep -q "set k3s_force_drain=true to delete the pods regardless of their budgets" blocked.out &&
    test "$(col $n .spec.unschedulable)" = "<none>" &&
    test "$(tb_exec $n k3s --version | awk "NR == 1 { print \$3 }")" = v1.33.5+standin &&
    audit_from $((before + 1)) >audit.blocked && cat audit.blocked &&
    head -1 audit.blocked | grep -q " etcd-snapshot gpuforge-pre-upgrade-node1-[0-9]*$" &&
    test "$(awk "\$2 == \"cordon\" || \$2 == \"uncordon\" { l = \$2 \" \" \$3 } END { print l }" audit.blocked)" = "uncordon $n" &&
    tb_exec node1 sh -c "ls /var/lib/rancher/k3s/server/db/snapshots/gpuforge-pre-upgrade-node1-*"
'

expect_success 'upgrade.yml to v1.34.2 with k3s_force_drain: snapshot, then one node at a time; all Ready on v1.34.2' '
    before=$(audit_len) &&
    todo=$(for n in node1 node2 node3; do tb_exec $n k3s --version | grep -q v1.33.5 && echo $n; done) &&
    run_pb upgrade.yml 1.34.2 -e k3s_force_drain=true >up.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" up.out
    audit_from $((before + 1)) >audit.up && cat audit.up
    test $rc = 0 && kc get nodes >nodes && cat nodes &&
    test "$(grep -c " Ready .* v1.34.2+standin$" nodes)" = 3 && ! grep -q SchedulingDisabled nodes &&
    test "$(versions)" = v1.34.2+standin && echo "versions ok; nodes upgraded: $todo" &&
    head -1 audit.up | grep -q " etcd-snapshot gpuforge-pre-upgrade-node1-" &&
    test "$(awk "\$2 == \"cordon\" || \$2 == \"uncordon\" { printf \"%s %s \", \$2, \$3 }" audit.up)" = "$(for n in $todo; do printf "cordon %s uncordon %s " $n $n; done)" &&
    grep -q " delete pod default/web-" audit.up && echo "order ok" &&
    test "$(web_running)" = 2 && echo "web ok" && test "$(col node2 .status.allocatable.nvidia\\.com/gpu)" = 1
'

expect_success 'upgrade.yml again: nothing to do, changed=0 on every node, nothing cordoned' '
    before=$(audit_len) &&
    run_pb upgrade.yml 1.34.2 >up2.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" up2.out
    test $rc = 0 && test "$(recap_changed up2.out | sort -u)" = 0 && test -z "$(audit_from $((before + 1)))"
'

expect_success 'node3 reset without delete node: refused on rejoin (node password), the role says why' '
    kc delete pdb web >/dev/null &&
    "$GF" run -i "$INV" "$ROOT/playbooks/reset.yml" -l node3 >reset3.out 2>&1 || { tail -5 reset3.out; exit 1; }
    run_pb site.yml 1.34.2 >rejoin.out 2>&1; rc=$?
    grep -m2 "node password" rejoin.out
    test $rc != 0 &&
    grep -q "node3 is not Ready after 30 s: the cluster refused its node password (.*Node password rejected, duplicate hostname or contents of .*/etc/rancher/node/password.* may not match server node-passwd entry" rejoin.out &&
    grep -q "run playbooks/remove-node.yml -e node=node3, then this playbook again" rejoin.out &&
    test "$(ready_of node3)" = False &&
    tb_exec node1 grep -q " reject node3 node password$" "$AUDIT"
'

expect_success 'remove-node.yml node2,node3: drained, deleted, reset; both pristine, CDI spec gone' '
    run_pb remove-node.yml 1.34.2 -e node=node2,node3 >remove.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" remove.out
    test $rc = 0 && kc get nodes --no-headers >nodes && cat nodes && test "$(awk "{ print \$1 }" nodes)" = node1 &&
    tb_exec node1 grep -q " delete node node2$" "$AUDIT" && tb_exec node1 grep -q " delete node node3$" "$AUDIT" &&
    test "$(web_running)" = 2 &&
    for n in node2 node3; do snap $n removed.$n && test_cmp pristine.$n removed.$n || exit 1; done &&
    tb_exec node2 sh -c "test ! -e /var/run/cdi/nvidia.yaml && test ! -e /etc/rancher/node"
'

expect_success 'site.yml: node2 and node3 join again, 1 GPU on node2' '
    run_pb site.yml 1.34.2 >site2.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" site2.out
    test $rc = 0 && kc get nodes >nodes && cat nodes && test "$(grep -c " Ready .* v1.34.2+standin$" nodes)" = 3 &&
    test "$(col node2 .status.allocatable.nvidia\\.com/gpu)" = 1
'

expect_success 'reset: every node equals its pristine state; node2 has no CDI spec, toolkit or node password' '
    "$GF" reset -i "$INV" --yes >reset.out 2>&1 || { tail -20 reset.out; exit 1; }
    for n in node1 node2 node3; do
        snap $n after.$n && test_cmp pristine.$n after.$n || exit 1
    done
    tb_exec node2 sh -c "test ! -e /var/run/cdi/nvidia.yaml && test ! -e /usr/bin/nvidia-ctk && test ! -e /etc/rancher/node"
'

test_done
