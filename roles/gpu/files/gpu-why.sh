#!/bin/sh
# gpu-why.sh RUNTIMECLASS RUNTIMECLASS_FOUND SELECTOR [DATA_DIR] - run on a GPU
# node that advertises no nvidia.com/gpu: prints, one line each, what keeps the
# device plugin from seeing its GPUs, in the order a node fails in: where the
# plugin's pod runs and under which runtime, then the runtime's handler, its
# binary, the CDI spec and the driver. RUNTIMECLASS is the deployed plugin's
# runtimeClassName (- for none), RUNTIMECLASS_FOUND 1 when the RuntimeClass
# exists, SELECTOR its nodeSelector as KEY=VALUE,... (- for none).
rc=$1 rc_found=$2 sel=$3 data=${4:-/var/lib/rancher/k3s}
cfg=/etc/rancher/k3s/config.yaml
toml=$data/agent/etc/containerd/config.toml
def=$(sed -n 's/^default-runtime:[[:space:]]*["'\'']\{0,1\}\([^"'\'']*\).*$/\1/p' "$cfg" 2>/dev/null | head -n 1)
n=0
say() { echo "$*"; n=$((n + 1)); }

if [ "$sel" != - ]; then
    for l in $(echo "$sel" | tr ',' ' '); do
        grep -qF -- "$l" "$cfg" 2>/dev/null ||
            say "the device plugin's nodeSelector $l does not match this node: no node-label $l in $cfg (k3s applies node labels at the first registration only)"
    done
fi
if [ "$rc" = - ]; then
    [ "$def" = nvidia ] ||
        say "the device plugin's pod runs under runc here and finds no NVIDIA driver: its manifest has no runtimeClassName: nvidia, and default-runtime in $cfg is ${def:-not set}, not nvidia"
elif [ "$rc_found" != 1 ]; then
    say "the device plugin asks for RuntimeClass $rc, which does not exist (k3s ships it unless its packaged component 'runtimes' is disabled)"
fi
[ -x /usr/bin/nvidia-container-runtime ] ||
    say "nvidia-container-runtime is not installed (/usr/bin/nvidia-container-runtime): the NVIDIA Container Toolkit is missing"
grep -Eq "runtimes\\.['\"]?nvidia['\"]?\\]" "$toml" 2>/dev/null ||
    say "k3s's containerd has no runtime 'nvidia' ($toml): k3s detects nvidia-container-runtime only when it starts; restart k3s after installing the toolkit"
[ -s /var/run/cdi/nvidia.yaml ] || [ -s /etc/cdi/nvidia.yaml ] ||
    say "no CDI spec for the GPUs (/var/run/cdi/nvidia.yaml): nvidia-ctk cdi generate --output=/var/run/cdi/nvidia.yaml"
nvidia-smi -L >/dev/null 2>&1 || say "nvidia-smi -L fails: the NVIDIA driver is not loaded"
[ $n -gt 0 ] ||
    echo "nothing missing on the node; the device plugin's log says more: k3s kubectl -n kube-system logs -l name=nvidia-device-plugin-ds"
exit 0
