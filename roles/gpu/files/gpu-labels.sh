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
reps=$1 features=$2 strategy_mig=${3:-none}
keys="nvidia.com/gpu.product nvidia.com/gpu.memory nvidia.com/gpu.count nvidia.com/gpu.replicas nvidia.com/gpu.sharing-strategy nvidia.com/mig.strategy"
if [ "$features" != 1 ]; then
    for k in $keys; do echo "$k-"; done
    exit 0
fi
q=$(nvidia-smi --query-gpu=name,memory.total --format=csv,noheader,nounits) || {
    echo "nvidia-smi --query-gpu fails on this node: the NVIDIA driver does not answer" >&2
    exit 1
}
[ -n "$q" ] || { echo "nvidia-smi lists no GPU on this node" >&2; exit 1; }
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
