#!/bin/sh
# t0630-gpu-standin: the GPU path of playbooks/site.yml end to end, on 2 real
# nodes of which node2 has 2 stand-in NVIDIA GPUs (tests/e2e/lib/fakegpu.sh:
# PCI vendor 0x10de, /dev/nvidia*, a stand-in nvidia-smi) and the bundle a
# stand-in NVIDIA Container Toolkit .deb, with the k3s TEST STAND-IN, which
# holds k3s's contract: nvidia.com/gpu becomes allocatable on a node only when
# the device plugin's pod runs there under the nvidia runtime (runtimeClassName
# nvidia or default-runtime nvidia), k3s's containerd has that runtime, its
# binary exists and the CDI spec exists. First the device plugin as NVIDIA's
# static manifest deploys it (no runtimeClassName): no GPU allocatable, the
# gpu role fails saying why and the play stops on every host. Then the role's
# own DaemonSet: GPUs on exactly node2; each part of the contract taken away
# takes them away; a second run changes nothing; the static manifest works
# with default-runtime nvidia instead; reset gives both nodes back, CDI spec
# included.
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
# gpus NODE: the allocatable nvidia.com/gpu of NODE as node1's kubectl shows it
gpus() {
    tb_exec node1 k3s kubectl get nodes --no-headers \
        -o "custom-columns=N:.metadata.name,G:.status.allocatable.nvidia\.com/gpu" | awk -v n="$1" '$1 == n { print $2 }'
}
# wait_gpus NODE VALUE: until NODE shows VALUE (at most 20 s; heartbeats are 2 s apart)
wait_gpus() {
    _i=0
    while [ "$(gpus "$1")" != "$2" ]; do
        _i=$((_i + 1)); [ $_i -le 20 ] || { echo "$1: nvidia.com/gpu $(gpus "$1"), not $2"; return 1; }
        sleep 1
    done
}

test_begin "GPU path on stand-in GPUs: the old manifest fails loudly, the role's runs"
tb_up 2 || exit 1

expect_success 'node2 gets 2 stand-in GPUs; setup sees them as NVIDIA devices; pristine state' '
    fake_gpus node2 2 &&
    tb_exec node2 nvidia-smi -L >smi && cat smi && test "$(grep -c "^GPU [01]: " smi)" = 2 &&
    printf -- "- hosts: node2\n  tasks:\n    - debug:\n        msg: \"nvidia {{ gpuforge_gpus | selectattr(\047vendor_id\047, \047equalto\047, \04710de\047) | list | length }} {{ gpuforge_gpus[0].uuid }}\"\n" >facts.yml &&
    "$GF" run -i "$INV" facts.yml >facts 2>&1; grep "nvidia " facts
    grep -q "\"nvidia 2 GPU-5ca1ab1e-0000-4000-8000-000000000000\"" facts &&
    for n in node1 node2; do snap $n pristine.$n || exit 1; done
'

expect_success 'the bundle: k3s stand-in, device plugin image and NVIDIA static-style manifest, toolkit .deb' '
    mkdir -p k3simg dpimg/bin ctk && echo "stand-in airgap images" >k3simg/x &&
    tar -C k3simg -cf k3s-airgap-images-amd64.tar x && printf "#!/bin/sh\nexit 1\n" >install.sh &&
    echo "device plugin image stand-in" >dpimg/bin/README &&
    mk_image dpimg "$DEVICE_PLUGIN_IMAGE:$DEVICE_PLUGIN_VERSION" dp.tar &&
    cat >static.yml <<-EOM &&
	# the shape of NVIDIA'"'"'s static deployments/static/nvidia-device-plugin.yml (v0.16):
	# a DaemonSet with tolerations and no runtimeClassName
	apiVersion: apps/v1
	kind: DaemonSet
	metadata:
	  name: nvidia-device-plugin-daemonset
	  namespace: kube-system
	spec:
	  selector:
	    matchLabels:
	      name: nvidia-device-plugin-ds
	  template:
	    metadata:
	      labels:
	        name: nvidia-device-plugin-ds
	    spec:
	      tolerations:
	      - key: nvidia.com/gpu
	        operator: Exists
	        effect: NoSchedule
	      priorityClassName: "system-node-critical"
	      containers:
	      - image: $DEVICE_PLUGIN_IMAGE:$DEVICE_PLUGIN_VERSION
	        name: nvidia-device-plugin-ctr
	EOM
    toolkit_deb ctk "$NVIDIA_CTK_VERSION" && "$GF" bundle keygen -o key >/dev/null &&
    "$ROOT/artifacts/fetch" --out out --with k3s,device-plugin,nvidia-toolkit \
        --k3s-binary "$ROOT/tests/standin/k3s" --k3s-images k3s-airgap-images-amd64.tar --install-sh install.sh \
        --device-plugin-manifest static.yml --device-plugin-image dp.tar --nvidia-toolkit-debs ctk \
        --version 1.35.6 --key key --gpuforge "$GF" >fetch.out 2>&1; rc=$?
    tail -4 fetch.out
    test $rc = 0 && test -s out/gpuforge-stack.gfb &&
    printf "install_docker: false\ngpu_smoke_test: false\ngpu_allocatable_timeout: 20\n" >vars.yml
'

expect_success 'the static manifest (no runtimeClassName): site.yml fails, no GPU allocatable, the reason named' '
    site -e "gpu_device_plugin_manifest={{ gpuforge_stack }}/gpu/nvidia-device-plugin.yml" >old.out 2>&1; rc=$?
    grep -A3 "^fatal\|FAILED" old.out | head -20
    test $rc != 0 &&
    grep -q "nvidia.com/gpu is not allocatable on node2 after 20 s: node2: the device plugin.s pod runs under runc here and finds no NVIDIA driver: its manifest has no runtimeClassName: nvidia, and default-runtime in /etc/rancher/k3s/config.yaml is not set, not nvidia" old.out &&
    test "$(gpus node2)" = "<none>" && test "$(gpus node1)" = "<none>" &&
    ! sed -n "/^fatal: .*nvidia.com.gpu is not allocatable/,\$p" old.out | grep -q "^TASK "
'

expect_success 'the toolkit, the CDI spec and k3s.s nvidia runtime are on node2 only' '
    tb_exec node2 sh -c "test -x /usr/bin/nvidia-container-runtime && grep -q \"path: /dev/nvidia1\" /var/run/cdi/nvidia.yaml &&
        grep -q \"containerd.runtimes..nvidia.\]\" /var/lib/rancher/k3s/agent/etc/containerd/config.toml &&
        grep -q nvidia.com/gpu.present=true /etc/rancher/k3s/config.yaml" &&
    tb_exec node1 sh -c "test ! -e /usr/bin/nvidia-container-runtime && test ! -e /var/run/cdi/nvidia.yaml &&
        grep -q \"containerd.runtimes..runc.\]\" /var/lib/rancher/k3s/agent/etc/containerd/config.toml &&
        ! grep -q nvidia /var/lib/rancher/k3s/agent/etc/containerd/config.toml &&
        ! grep -q nvidia.com/gpu.present /etc/rancher/k3s/config.yaml"
'

expect_success 'the role.s DaemonSet: site.yml rc 0, nvidia.com/gpu 2 on node2 and none on node1, no second RuntimeClass' '
    site >new.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" new.out
    test $rc = 0 && test "$(gpus node2)" = 2 && test "$(gpus node1)" = "<none>" &&
    tb_exec node1 sh -c "cd /var/lib/rancher/k3s/server/manifests && grep -q \"^  *runtimeClassName: nvidia\" gpuforge-nvidia-device-plugin.yaml &&
        grep -q \"nvidia.com/gpu.present: .true.\" gpuforge-nvidia-device-plugin.yaml &&
        grep -q \"^handler: nvidia\" runtimes.yaml && test ! -e gpuforge-runtimeclass.yaml" &&
    tb_exec node2 test -s /var/lib/rancher/k3s/agent/images/nvidia-device-plugin.tar
'

expect_success 'second run: changed=0 on both nodes' '
    site >site2.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" site2.out
    test $rc = 0 && test "$(recap_changed site2.out | sort -u)" = 0
'

expect_success 'the stand-in is strict: without the CDI spec, then without the runtime binary, no GPU' '
    tb_exec node2 mv /var/run/cdi/nvidia.yaml /root/cdi.keep && wait_gpus node2 "<none>" &&
    tb_exec node2 mv /root/cdi.keep /var/run/cdi/nvidia.yaml && wait_gpus node2 2 &&
    tb_exec node2 mv /usr/bin/nvidia-container-runtime /root/ncr.keep && wait_gpus node2 "<none>" &&
    tb_exec node2 mv /root/ncr.keep /usr/bin/nvidia-container-runtime && wait_gpus node2 2
'

expect_success 'the static manifest with default-runtime: nvidia in node2.s k3s config: GPUs allocatable' '
    printf "k3s_agent_config:\n  default-runtime: nvidia\n" >dr.yml &&
    site -e "gpu_device_plugin_manifest={{ gpuforge_stack }}/gpu/nvidia-device-plugin.yml" -e @dr.yml >dr.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" dr.out
    test $rc = 0 && test "$(gpus node2)" = 2 && test "$(gpus node1)" = "<none>" &&
    tb_exec node2 grep -q "default_runtime_name = .nvidia." /var/lib/rancher/k3s/agent/etc/containerd/config.toml
'

expect_success 'reset: both nodes equal their pristine state, toolkit and CDI spec gone' '
    "$GF" reset -i "$INV" --yes >reset.out 2>&1 || { tail -20 reset.out; exit 1; }
    for n in node1 node2; do
        snap $n after.$n && test_cmp pristine.$n after.$n || exit 1
    done
    tb_exec node2 sh -c "test ! -e /var/run/cdi/nvidia.yaml && test ! -e /usr/bin/nvidia-ctk && ! dpkg -s nvidia-container-toolkit >/dev/null 2>&1"
'

test_done
