#!/bin/sh
# gpu-labels.sh REPLICAS FEATURES MIG-STRATEGY - run on a GPU node: prints, one a
# line, the node labels GPU feature discovery (GFD) would give it, as kubectl
# label takes them: nvidia.com/gpu.product (the name nvidia-smi reports, spaces
# as '-', with -MIG-<profile> under the single MIG strategy and -SHARED when
# time-slicing shares the devices), nvidia.com/gpu.memory (MiB of the first GPU;
# of its MIG profile under single, as the profile names it), nvidia.com/gpu.count
# (GPUs, or MIG devices under single), nvidia.com/gpu.replicas,
# nvidia.com/gpu.sharing-strategy (time-slicing or none) and
# nvidia.com/mig.strategy. GFD needs Node Feature Discovery to apply its
# labels, which the bundle does not carry; gpuforge applies the same labels
# itself. FEATURES 0: the removals (KEY-) instead.
#
# The first line is "expect N" before the labels: the nvidia.com/gpu the
# device plugin advertises with these options (GPUs, or MIG devices under
# single, times REPLICAS), which the role waits for, so that a count from
# before a change of options is not taken for the new one. N is 0 (any
# count) when FEATURES is 0 and nvidia-smi does not answer.
reps=$1 features=$2 strategy_mig=${3:-none}
keys="nvidia.com/gpu.product nvidia.com/gpu.memory nvidia.com/gpu.count nvidia.com/gpu.replicas nvidia.com/gpu.sharing-strategy nvidia.com/mig.strategy"
unlabel() { for k in $keys; do echo "$k-"; done; }
# no_gpus WHY: nvidia-smi gives no GPU: the removals without features, else WHY, failing
no_gpus() {
    [ "$features" = 1 ] || { echo "expect 0"; unlabel; exit 0; }
    echo "$1" >&2
    exit 1
}
q=$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits) ||
    no_gpus "nvidia-smi --query-gpu fails on this node: the NVIDIA driver does not answer"
[ -n "$q" ] || no_gpus "nvidia-smi lists no GPU on this node"
count=$(printf '%s\n' "$q" | wc -l)
first=$(printf '%s\n' "$q" | head -n 1)
mem=$(printf '%s\n' "${first##*,}" | tr -dc 0-9)
mig=
if [ "$strategy_mig" = single ]; then
    # the MIG devices (one profile under single): their count and the profile's memory
    migs=$(nvidia-smi -L | awk '/^  MIG / { print $2 }')
    if [ -n "$migs" ]; then
        count=$(printf '%s\n' "$migs" | wc -l)
        mig=-MIG-$(printf '%s\n' "$migs" | head -n 1)
        gb=$(printf '%s\n' "$migs" | head -n 1 | sed -n 's/^[0-9]*g\.\([0-9]*\)gb.*/\1/p')
        [ -z "$gb" ] || mem=$((gb * 1024))
    fi
fi
echo "expect $((count * reps))"
[ "$features" = 1 ] || { unlabel; exit 0; }
shared=
strategy=none
if [ "$reps" -gt 1 ]; then
    shared=-SHARED
    strategy=time-slicing
fi
# a label value: at most 63 characters of [A-Za-z0-9_.-], alphanumeric at both ends
product=$(printf '%s\n' "${first%,*}" | sed 's/^ *//; s/ *$//; s/ /-/g; s/[^A-Za-z0-9_.-]//g')
max=$((63 - ${#shared} - ${#mig}))
product=$(printf '%s\n' "$product" | cut -c "1-$max" | sed 's/^[^A-Za-z0-9]*//; s/[^A-Za-z0-9]*$//')
echo "nvidia.com/gpu.product=$product$mig$shared"
echo "nvidia.com/gpu.memory=$mem"
echo "nvidia.com/gpu.count=$count"
echo "nvidia.com/gpu.replicas=$reps"
echo "nvidia.com/gpu.sharing-strategy=$strategy"
echo "nvidia.com/mig.strategy=$strategy_mig"
