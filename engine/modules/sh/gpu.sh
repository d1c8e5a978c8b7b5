# shellcheck shell=sh
# gpu.sh - the GPUs of a node, for setup's hardware facts and for
# `gpuforge ping --gpu`: "@@GF pci" lists the PCI display devices (class
# 0x03*) as "slot|class|vendor|device|driver|lspci -mm line", "@@GF nvver"
# the first line of the NVIDIA driver's version file, "@@GF nvsmi" one
# line per GPU nvidia-smi knows of (bus id, name, driver version, memory
# in MiB, UUID; empty without nvidia-smi). Coreutils only but for the
# optional lspci and nvidia-smi.

s() { echo "@@GF $1"; }
s pci; for d in /sys/bus/pci/devices/*; do [ -r "$d/class" ] || continue; read -r c <"$d/class"
  case $c in 0x03*) read -r v <"$d/vendor"; read -r i <"$d/device"; r=
    [ -L "$d/driver" ] && r=$(readlink "$d/driver"); m=
    command -v lspci >/dev/null 2>&1 && m=$(lspci -mm -s "${d##*/}" 2>/dev/null)
    echo "${d##*/}|$c|$v|$i|${r##*/}|$m";; esac; done
s nvver; head -n 1 /proc/driver/nvidia/version 2>/dev/null
s nvsmi; command -v nvidia-smi >/dev/null 2>&1 &&
  nvidia-smi --query-gpu=pci.bus_id,name,driver_version,memory.total,uuid \
    --format=csv,noheader,nounits 2>/dev/null
