# shellcheck shell=sh
# setup_hw.sh - setup's subset "hardware" (after setup.sh, then gpu.sh):
# CPUs, memory, mounts and the size of each mounted file system.
s cpu; grep -E '^(processor|model name|Processor|vendor_id|cpu|Vendor|physical id|core id|cpu cores|siblings|# processors|ncpus active)[[:space:]]*:' /proc/cpuinfo 2>/dev/null
s nproc; nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null
s mem; grep -E '^(MemTotal|MemFree|Buffers|Cached|SwapTotal|SwapFree|SwapCached):' /proc/meminfo 2>/dev/null
s mounts; cat /proc/self/mounts 2>/dev/null
s binds; findmnt -lnu -o TARGET,SOURCE 2>/dev/null
s statfs; awk '{ print $2 }' /proc/self/mounts 2>/dev/null | while read -r m; do
  m=$(printf '%b' "$(printf %s "$m" | sed 's/\\\([0-7]\{3\}\)/\\0\1/g')")
  printf '%s|' "$m"; stat -f -c '%S %s %b %f %a %c %d' "$m" 2>/dev/null || echo; done
