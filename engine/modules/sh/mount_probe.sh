# shellcheck shell=sh disable=SC2154
# mount_probe.sh - what the mount module (ansible.posix.mount) reads before
# it decides: whether the fstab file exists, whether the mount point is a
# directory, the mounted file systems and the fstab's content.
# In: gf_fstab, gf_path.
# Out: "GFFSTAB 0|1", "GFDIR" when gf_path is a directory, "GFMOUNTS" then
# /proc/self/mounts, "GFDATA" then the fstab file (nothing when absent).
# (The inputs are assigned before the script: SC2154.)
if [ -f "$gf_fstab" ]; then echo GFFSTAB 1; else echo GFFSTAB 0; fi
[ -d "$gf_path" ] && echo GFDIR
echo GFMOUNTS; cat /proc/self/mounts; echo GFDATA; [ -f "$gf_fstab" ] && cat "$gf_fstab"
exit 0
