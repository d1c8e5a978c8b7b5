#!/bin/sh
# mig.sh PROFILES - run on a GPU node: every GPU in MIG mode, partitioned into
# the GPU instances PROFILES (comma-separated, as nvidia-smi mig -cgi takes
# them), each with its compute instance. A GPU already partitioned so (the
# same profiles, in any order) is left alone; otherwise its compute and GPU
# instances are destroyed and made anew. Prints GF_CHANGED when it changed
# something; fails, saying why, when MIG mode stays pending (a GPU reset or a
# reboot is needed) or nvidia-smi refuses (a profile this GPU has not, too
# many instances for it). The GPUs it put into MIG mode are recorded for reset
# (STATE/nvidia.mig, one index a line).
S=${GF_STATE:-/var/lib/gpuforge/state}
want=$(echo "$1" | tr ',' '\n' | sed '/^$/d' | sort | tr '\n' ' ')
[ -n "$want" ] || { echo "no MIG profiles given" >&2; exit 1; }
changed=0
# have GPU: the profiles of GPU's MIG devices (nvidia-smi -L), sorted, on one line
have() {
    nvidia-smi -L | awk -v g="$1" '/^GPU [0-9]+:/ { on = ($2 == g ":"); next }
                                   on && /^  MIG / { print $2 }' | sort | tr '\n' ' '
}
# run CMD...: CMD, its output on stderr when it fails
run() {
    out=$("$@" 2>&1) || { echo "$* failed: $out" >&2; exit 1; }
}
for i in $(nvidia-smi --query-gpu=index --format=csv,noheader); do
    if [ "$(nvidia-smi --query-gpu=index,mig.mode.current --format=csv,noheader | awk -F', ' -v g="$i" '$1 == g { print $2 }')" != Enabled ]; then
        mkdir -p "$S" && chmod 0700 "$S" && { grep -qx "$i" "$S/nvidia.mig" 2>/dev/null || echo "$i" >>"$S/nvidia.mig"; }
        run nvidia-smi -i "$i" -mig 1
        changed=1
        m=$(nvidia-smi --query-gpu=index,mig.mode.current --format=csv,noheader | awk -F', ' -v g="$i" '$1 == g { print $2 }')
        [ "$m" = Enabled ] || {
            echo "MIG mode of GPU $i is pending, not enabled: reset the GPU (nvidia-smi -i $i -r, no process may use it) or reboot, then run again" >&2
            exit 1
        }
    fi
    [ "$(have "$i")" = "$want" ] && continue
    if [ -n "$(have "$i")" ] || nvidia-smi mig -i "$i" -lgi 2>/dev/null | grep -q ' MIG '; then
        nvidia-smi mig -i "$i" -dci >/dev/null 2>&1
        run nvidia-smi mig -i "$i" -dgi
    fi
    run nvidia-smi mig -i "$i" -cgi "$1" -C
    changed=1
    [ "$(have "$i")" = "$want" ] || { echo "GPU $i: made $(have "$i")but want $want" >&2; exit 1; }
done
[ "$changed" = 0 ] || echo GF_CHANGED
