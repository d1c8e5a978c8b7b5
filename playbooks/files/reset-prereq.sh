#!/bin/sh
# reset-prereq.sh - undoes the prereq role: sysctls back to their values
# before gpuforge, its sysctl and modules-load files, fstab's swap lines,
# the dummy default route; then the bundles and the state directory.
set -u
S=${GF_STATE:-/var/lib/gpuforge/state}
did() { echo "GF_CHANGED $*"; }

if [ -e "$S/sysctl.orig" ]; then
    while IFS='=' read -r k v; do
        p=/proc/sys/$(echo "$k" | tr . /)
        [ -e "$p" ] && [ "$(cat "$p")" != "$v" ] && echo "$v" >"$p" && did "sysctl $k=$v"
    done <"$S/sysctl.orig"
fi
for f in /etc/sysctl.d/90-gpuforge-k3s.conf /etc/modules-load.d/gpuforge-k3s.conf; do
    [ -e "$f" ] && rm -f "$f" && did "removed $f"
done
if [ -e "$S/fstab.orig" ]; then
    cmp -s "$S/fstab.orig" /etc/fstab || { cat "$S/fstab.orig" >/etc/fstab && did "fstab restored"; }
    swapon -a 2>/dev/null
fi
if [ -e "$S/default-route" ]; then
    dev=$(cat "$S/default-route")
    ip route del default dev "$dev" metric 9999 2>/dev/null && did "default route via $dev"
    [ "$dev" = gpuforge0 ] && ip link delete gpuforge0 2>/dev/null
fi
if [ -e /etc/systemd/system/gpuforge-default-route.service ]; then
    systemctl disable gpuforge-default-route.service >/dev/null 2>&1
    rm -f /etc/systemd/system/gpuforge-default-route.service
    systemctl daemon-reload
    did "dummy default route"
fi
for d in /var/lib/gpuforge; do
    [ -e "$d" ] && rm -rf "$d" && did "removed $d"
done
exit 0
