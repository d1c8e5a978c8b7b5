#!/bin/sh
# t0631-gpu-options: the per-node GPU options of the gpu role on 2 real nodes, node2
# with 2 stand-in NVIDIA GPUs (tests/e2e/lib/fakegpu.sh) and the k3s TEST STAND-IN,
# which applies the device plugin's config file as NVIDIA's plugin does: time-slicing
# replicas R make nvidia.com/gpu = GPUs x R; a config the plugin cannot load (wrong
# version, a key missing from the ConfigMap) makes none. The role delivers the configs
# as a ConfigMap through k3s's auto-deploy manifests, one DaemonSet per config, and
# labels each GPU node with its config (nvidia.com/device-plugin.config) and the GPU
# feature discovery labels (nvidia.com/gpu.product, .memory, .count, .replicas,
# .sharing-strategy); a node whose count is not the one its options give (a GPU the
# plugin holds unhealthy) fails the run. MIG single: every GPU partitioned (the
# stand-in nvidia-smi holds NVIDIA's MIG rules), the CDI spec regenerated,
# nvidia.com/gpu = MIG devices;
# the stand-in refuses single with GPUs in and out of MIG mode, as the plugin does.
# Options come from the inventory's host_vars; reset turns MIG mode off.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib/stack.sh"
. "$TEST_DIR/lib/fakegpu.sh"
ROOT=$(cd "$TEST_DIR/../.." && pwd)
GF=${GF_BIN:-$ROOT/gpuforge}
. "$ROOT/artifacts/versions"

site() { # site [ARGS]: site.yml with this test's bundle
    "$GF" run -i "$INV" "$ROOT/playbooks/site.yml" -e gpuforge_bundle="$PWD/out/gpuforge-stack.gfb" \
        -e gpuforge_bundle_pubkey="$PWD/key.pub" -e @vars.yml "$@"
}
# col NODE EXPR: one custom column of NODE as node1's kubectl shows it
col() {
    tb_exec node1 k3s kubectl get nodes --no-headers -o "custom-columns=N:.metadata.name,V:$2" |
        awk -v n="$1" '$1 == n { print $2 }'
}
gpus() { col "$1" '.status.allocatable.nvidia\.com/gpu'; }
# labels NODE: the GPU labels of NODE, one KEY=VALUE a line
labels() {
    for _k in device-plugin.config gpu.product gpu.memory gpu.count gpu.replicas gpu.sharing-strategy; do
        echo "$_k=$(col "$1" ".metadata.labels.nvidia\\.com/$(echo "$_k" | sed 's/\./\\./g')")"
    done
}
# wait_gpus NODE VALUE: until NODE shows VALUE (at most 20 s; heartbeats are 2 s apart)
wait_gpus() {
    _i=0
    while [ "$(gpus "$1")" != "$2" ]; do
        _i=$((_i + 1)); [ $_i -le 20 ] || { echo "$1: nvidia.com/gpu $(gpus "$1"), not $2"; return 1; }
        sleep 1
    done
}
MANIFEST=/var/lib/rancher/k3s/server/manifests/gpuforge-nvidia-device-plugin.yaml

test_begin "GPU options per node: time-slicing through the plugin's config, GPU feature labels"
tb_up 2 || exit 1
mkdir -p "$(dirname "$INV")/host_vars"
HV=$(dirname "$INV")/host_vars/node2.yml

expect_success 'the bundle, 2 stand-in GPUs on node2, time-slicing 4 for node2 in host_vars' '
    fake_gpus node2 2 &&
    mkdir -p k3simg dpimg/bin ctk && echo "stand-in airgap images" >k3simg/x &&
    tar -C k3simg -cf k3s-airgap-images-amd64.tar x && printf "#!/bin/sh\nexit 1\n" >install.sh &&
    echo "device plugin image stand-in" >dpimg/bin/README &&
    mk_image dpimg "$DEVICE_PLUGIN_IMAGE:$DEVICE_PLUGIN_VERSION" dp.tar &&
    printf "kind: DaemonSet\nmetadata:\n  name: nvidia-device-plugin-daemonset\n" >static.yml &&
    toolkit_deb ctk "$NVIDIA_CTK_VERSION" && "$GF" bundle keygen -o key >/dev/null &&
    "$ROOT/artifacts/fetch" --out out --with k3s,device-plugin,nvidia-toolkit \
        --k3s-binary "$ROOT/tests/standin/k3s" --k3s-images k3s-airgap-images-amd64.tar --install-sh install.sh \
        --device-plugin-manifest static.yml --device-plugin-image dp.tar --nvidia-toolkit-debs ctk \
        --version 1.35.6 --key key --gpuforge "$GF" >fetch.out 2>&1 || { tail -5 fetch.out; exit 1; }
    printf "install_docker: false\ngpu_smoke_test: false\ngpu_allocatable_timeout: 20\n" >vars.yml &&
    printf "gpu_time_slicing_replicas: 4\n" >"$HV"
'

expect_success 'site.yml: nvidia.com/gpu 8 on node2 (2 GPUs x 4 replicas), none on node1; the labels' '
    site >ts.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" ts.out; grep -A3 "^fatal" ts.out | head
    test $rc = 0 && test "$(gpus node2)" = 8 && test "$(gpus node1)" = "<none>" &&
    labels node2 >l2 && cat l2 && test_cmp - l2 <<-\EOL &&
	device-plugin.config=r4-mig-none
	gpu.product=NVIDIA-H100-80GB-HBM3-gpuforge-stand-in-SHARED
	gpu.memory=81559
	gpu.count=2
	gpu.replicas=4
	gpu.sharing-strategy=time-slicing
	EOL
    test "$(col node1 ".metadata.labels.nvidia\\.com/gpu\\.product")" = "<none>" &&
    tb_exec node1 cat $MANIFEST >m4 && grep -q "^kind: ConfigMap" m4 && grep -q "^  r4-mig-none: |" m4 &&
    grep -q "^            replicas: 4" m4 && grep -q "^      nvidia.com/device-plugin.config: r4-mig-none" m4
'

expect_success 'second run: changed=0 on both nodes' '
    site >ts2.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" ts2.out
    test $rc = 0 && test "$(recap_changed ts2.out | sort -u)" = 0
'

expect_success 'the stand-in loads the config as the plugin does: a bad version, a missing key: no GPU' '
    tb_exec node1 sed -i "s/^    version: v1/    version: v2/" $MANIFEST && wait_gpus node2 "<none>" &&
    tb_exec node1 sed -i "s/^    version: v2/    version: v1/" $MANIFEST && wait_gpus node2 8 &&
    tb_exec node1 sed -i "s/^  r4-mig-none: |/  r5-mig-none: |/" $MANIFEST && wait_gpus node2 "<none>" &&
    tb_exec node1 sed -i "s/^  r5-mig-none: |/  r4-mig-none: |/" $MANIFEST && wait_gpus node2 8
'

expect_success 'back to 1 replica: nvidia.com/gpu 2, the labels follow, no time-slicing in the config' '
    printf "gpu_time_slicing_replicas: 1\n" >"$HV" &&
    site >ts1.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" ts1.out
    test $rc = 0 && test "$(gpus node2)" = 2 &&
    labels node2 >l1 && test_cmp - l1 <<-\EOL &&
	device-plugin.config=r1-mig-none
	gpu.product=NVIDIA-H100-80GB-HBM3-gpuforge-stand-in
	gpu.memory=81559
	gpu.count=2
	gpu.replicas=1
	gpu.sharing-strategy=none
	EOL
    tb_exec node1 cat $MANIFEST >m1 && ! grep -q "r4-mig-none\|timeSlicing" m1
'

expect_success 'a GPU the plugin holds unhealthy (a critical Xid): site.yml fails naming node2 and both counts' '
    tb_exec node2 sh -c "mkdir -p /run/gpuforge-standin/xid && echo 43 >/run/gpuforge-standin/xid/1" &&
    sleep 3 && test "$(gpus node2)" = 2 &&
    tb_exec node2 sh -c "echo 79 >/run/gpuforge-standin/xid/1" && wait_gpus node2 1 &&
    site >xid.out 2>&1; rc=$?
    grep -A3 "^fatal" xid.out | head -4
    test $rc != 0 &&
    grep -q "after 20 s, node2 advertises 1, not the 2 its GPU options give .*or holds some GPUs unhealthy" xid.out &&
    tb_exec node2 rm -r /run/gpuforge-standin/xid && wait_gpus node2 2
'

expect_success 'MIG single, 3 x 1g.10gb: both GPUs partitioned, nvidia.com/gpu 6, MIG labels, CDI spec regenerated' '
    printf "gpu_mig_strategy: single\ngpu_mig_profile: 1g.10gb,1g.10gb,1g.10gb\n" >"$HV" &&
    site >mig.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" mig.out; grep -A3 "^fatal" mig.out | head
    test $rc = 0 && test "$(gpus node2)" = 6 &&
    tb_exec node2 nvidia-smi -L >migl && test "$(grep -c "^  MIG 1g.10gb " migl)" = 6 &&
    labels node2 >lm && test_cmp - lm <<-\EOL &&
	device-plugin.config=r1-mig-single
	gpu.product=NVIDIA-H100-80GB-HBM3-gpuforge-stand-in-MIG-1g.10gb
	gpu.memory=10240
	gpu.count=6
	gpu.replicas=1
	gpu.sharing-strategy=none
	EOL
    test "$(col node2 ".metadata.labels.nvidia\\.com/mig\\.strategy")" = single &&
    tb_exec node2 cat /var/run/cdi/nvidia.yaml >cdi && grep -q "^- name: .0:0.\$" cdi && grep -q "^- name: .1:2.\$" cdi &&
    tb_exec node1 grep -q "^      migStrategy: single" $MANIFEST
'

expect_success 'MIG: a second run changes nothing; the stand-in refuses single with one GPU out of MIG mode' '
    site >mig2.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" mig2.out
    test $rc = 0 && test "$(recap_changed mig2.out | sort -u)" = 0 &&
    tb_exec node2 sh -c "nvidia-smi mig -i 1 -dci && nvidia-smi mig -i 1 -dgi && nvidia-smi -i 1 -mig 0" >/dev/null &&
    wait_gpus node2 "<none>" &&
    site >mig3.out 2>&1; rc=$?
    test $rc = 0 && test "$(gpus node2)" = 6
'

expect_success 'MIG refused: mixed (not implemented), single with two profiles, naming the host' '
    printf "gpu_mig_strategy: mixed\ngpu_mig_profile: 3g.40gb,2g.20gb\n" >"$HV" &&
    site >mixed.out 2>&1; rc=$?
    grep "^fatal" mixed.out | head -3
    test $rc != 0 && grep -q "node2: gpu_mig_strategy=mixed .*gpuforge partitions GPUs for the single strategy only" mixed.out &&
    printf "gpu_mig_strategy: single\ngpu_mig_profile: 3g.40gb,2g.20gb\n" >"$HV" &&
    site >two.out 2>&1; rc=$?
    grep "^fatal" two.out | head -3
    test $rc != 0 && grep -q "node2: gpu_mig_strategy=single gpu_mig_profile=.3g.40gb,2g.20gb.: gpuforge partitions" two.out &&
    test "$(gpus node2)" = 6
'

expect_success 'invalid options fail before anything is deployed, naming the host' '
    printf "gpu_time_slicing_replicas: 0\n" >"$HV" &&
    site >bad.out 2>&1; rc=$?
    grep -A2 "^fatal" bad.out | head -5
    test $rc != 0 && grep -q "node2: invalid GPU options: gpu_time_slicing_replicas=0" bad.out &&
    printf "gpu_mig_strategy: halves\n" >"$HV" &&
    site >bad2.out 2>&1; rc=$?
    test $rc != 0 && grep -q "node2: gpu_mig_strategy=halves gpu_mig_profile=..: gpuforge partitions GPUs for the single strategy only" bad2.out &&
    ! grep -q "^fatal: \[node1\]" bad.out &&
    test "$(gpus node2)" = 6
'

expect_success 'reset: MIG mode off on both GPUs, no MIG instance, CDI spec gone' '
    "$GF" reset -i "$INV" --yes >reset.out 2>&1 || { tail -20 reset.out; exit 1; }
    tb_exec node2 nvidia-smi --query-gpu=mig.mode.current --format=csv,noheader >modes && cat modes &&
    test "$(sort -u modes)" = Disabled && ! tb_exec node2 nvidia-smi -L | grep -q MIG &&
    ! tb_exec node2 test -e /var/run/cdi/nvidia.yaml
'

test_done
