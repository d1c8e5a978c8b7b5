# shellcheck shell=sh disable=SC2154
# selinux.sh - what the selinux module needs to know of the node: whether
# it has libselinux's tools (Ansible needs libselinux's Python binding, from
# the same library) and the configuration file. Input: gf_configfile.
# Prints "GFTOOLS 0|1" and "GFCONFIG 0|1".

if command -v selinuxenabled >/dev/null 2>&1 && command -v getenforce >/dev/null 2>&1; then
    echo "GFTOOLS 1"
else
    echo "GFTOOLS 0"
fi
if [ -f "$gf_configfile" ]; then echo "GFCONFIG 1"; else echo "GFCONFIG 0"; fi
