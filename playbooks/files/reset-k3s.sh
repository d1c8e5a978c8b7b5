#!/bin/sh
# reset-k3s.sh - removes k3s from a node the way k3s's own killall and
# uninstall scripts do, but surgically: only k3s's (KUBE-, CNI-, flannel)
# and gpuforge's (comment "gpuforge") firewall rules go, never a flush, so
# SSH stays reachable. Safe on a node where k3s is half installed or gone.
# Prints "GF_CHANGED what" for each change.
set -u
did() { echo "GF_CHANGED $*"; }

for u in k3s k3s-agent; do
    if [ -e "/etc/systemd/system/$u.service" ]; then
        systemctl stop "$u.service" 2>/dev/null
        systemctl disable "$u.service" >/dev/null 2>&1
        did "stopped $u"
    fi
done

# Containers outlive the service (KillMode=process): every process left in
# a k3s unit's or a pod's cgroup.
for c in /proc/[0-9]*/cgroup; do
    p=${c#/proc/}; p=${p%/cgroup}
    grep -qE 'k3s(-agent)?\.service|kubepods' "$c" 2>/dev/null || continue
    kill -9 "$p" 2>/dev/null && did "killed $p"
done

# Mounts under k3s's, kubelet's and CNI's directories, deepest first.
awk '{ print $2 }' /proc/self/mounts |
    grep -E '^(/run/k3s|/var/lib/kubelet|/var/lib/rancher/k3s|/run/netns/cni-)' |
    sort -r | while read -r m; do umount -l "$m" 2>/dev/null && did "unmounted $m"; done

for n in $(ip netns list 2>/dev/null | awk '/^cni-/ { print $1 }'); do
    ip netns delete "$n" && did "netns $n"
done
for i in cni0 flannel.1 flannel-v6.1 kube-ipvs0 flannel-wg flannel-wg-v6; do
    ip link show "$i" >/dev/null 2>&1 && ip link delete "$i" && did "interface $i"
done

# Firewall: rules that jump to or mention k3s's chains, flannel's rules and
# gpuforge's own; then k3s's chains. Built-in chains and their policies,
# and every other rule, stay.
for ipt in iptables ip6tables; do
    command -v "$ipt" >/dev/null 2>&1 || continue
    for t in filter nat mangle raw; do
        "$ipt" -t "$t" -S >/dev/null 2>&1 || continue
        "$ipt" -t "$t" -S | grep -E '^-A ' | grep -E -- 'KUBE-|CNI-|FLANNEL-|[Ff]lannel|--comment "?gpuforge"?( |$)' |
            sed 's/^-A /-D /' | while read -r r; do
                echo "$r" | xargs "$ipt" -t "$t" 2>/dev/null && did "$ipt -t $t $r"
            done
        for ch in $("$ipt" -t "$t" -S | awk '/^-N (KUBE-|CNI-|FLANNEL-)/ { print $2 }'); do
            "$ipt" -t "$t" -F "$ch" 2>/dev/null
        done
        for ch in $("$ipt" -t "$t" -S | awk '/^-N (KUBE-|CNI-|FLANNEL-)/ { print $2 }'); do
            "$ipt" -t "$t" -X "$ch" 2>/dev/null && did "$ipt -t $t chain $ch"
        done
    done
done
if command -v ufw >/dev/null 2>&1; then
    for n in $(ufw status numbered 2>/dev/null | grep '# gpuforge' | sed 's/^\[ *\([0-9]*\)\].*/\1/' | sort -rn); do
        ufw --force delete "$n" >/dev/null && did "ufw rule $n"
    done
fi

# What k3s's uninstall removes; kubectl/crictl/ctr only where they are k3s.
for f in /etc/systemd/system/k3s.service /etc/systemd/system/k3s-agent.service \
         /etc/systemd/system/k3s.service.env /etc/systemd/system/k3s-agent.service.env; do
    [ -e "$f" ] && rm -f "$f" && did "removed $f"
done
for l in kubectl crictl ctr; do
    f=/usr/local/bin/$l
    [ -L "$f" ] && [ "$(readlink "$f")" = k3s ] && rm -f "$f" && did "removed $f"
done
for f in /usr/local/bin/k3s /usr/local/bin/k3s-killall.sh /usr/local/bin/k3s-uninstall.sh \
         /usr/local/bin/k3s-agent-uninstall.sh; do
    [ -e "$f" ] && rm -f "$f" && did "removed $f"
done
for d in /etc/rancher/k3s /run/k3s /run/flannel /var/lib/rancher/k3s /var/lib/kubelet /var/lib/cni; do
    [ -e "$d" ] && rm -rf "$d" && did "removed $d"
done
for d in /etc/rancher /var/lib/rancher; do
    [ -d "$d" ] && rmdir "$d" 2>/dev/null && did "removed $d"
done
systemctl daemon-reload
systemctl reset-failed k3s.service k3s-agent.service 2>/dev/null
exit 0
