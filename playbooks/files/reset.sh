#!/bin/sh
# reset.sh WHAT - undoes on a node what site.yml did there, one part at a
# time (playbooks/reset.yml runs it); safe on a node where the part is half
# installed or gone; prints "GF_CHANGED what" for each change.
#   k3s          k3s removed the way its own killall and uninstall scripts do,
#                but surgically: only k3s's (KUBE-, CNI-, flannel) and
#                gpuforge's (comment "gpuforge") firewall rules go, never a
#                flush, so SSH stays reachable
#   packages W.. the packages gpuforge installed for W (docker, nvidia, nfs),
#                as recorded in the state directory when they were installed
#                (W.pkgs; after an interrupted install, the difference between
#                W.pkgs.before and what is installed now), and the related
#                changes: Docker's data and rules, daemon.json back to what it
#                was, the docker group or the users gpuforge added to it, the
#                system users and groups the packages' scripts made, and for
#                nfs the targets and rpc_pipefs mount the client brought up
#   prereq [--keep-state]
#                the prereq role undone: sysctls back to their values before
#                gpuforge, its sysctl and modules-load files, fstab's swap
#                lines, the default route; then the bundles and the state
#                directory. --keep-state (Docker or the NVIDIA stack kept):
#                only gpuforge's sysctl and modules-load files and the bundles
set -u
S=${GF_STATE:-/var/lib/gpuforge/state}
did() { echo "GF_CHANGED $*"; }
# installed: the installed packages, held ones (hi) too
installed() { dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" || $1 == "hi" { print $2 }' | sort; }

# unrule PATTERN CHAINS: the iptables rules matching PATTERN go, then the
# chains whose names start with CHAINS; nothing else is touched.
unrule() {
    for ipt in iptables ip6tables; do
        command -v "$ipt" >/dev/null 2>&1 || continue
        for t in filter nat mangle raw; do
            "$ipt" -t "$t" -S >/dev/null 2>&1 || continue
            "$ipt" -t "$t" -S | grep -E '^-A ' | grep -E -- "$1" | sed 's/^-A /-D /' |
                while read -r r; do echo "$r" | xargs "$ipt" -t "$t" 2>/dev/null && did "$ipt -t $t $r"; done
            for ch in $("$ipt" -t "$t" -S | awk -v p="^$2" '$1 == "-N" && $2 ~ p { print $2 }'); do
                "$ipt" -t "$t" -F "$ch" 2>/dev/null
            done
            for ch in $("$ipt" -t "$t" -S | awk -v p="^$2" '$1 == "-N" && $2 ~ p { print $2 }'); do
                "$ipt" -t "$t" -X "$ch" 2>/dev/null && did "$ipt -t $t chain $ch"
            done
        done
    done
}

reset_k3s() {
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
    unrule 'KUBE-|CNI-|FLANNEL-|[Ff]lannel|--comment "?gpuforge"?( |$)' '(KUBE-|CNI-|FLANNEL-)'
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
    # /etc/rancher/node holds the node password: a node reset without `kubectl
    # delete node` is refused under its old name until then, as after k3s's own
    # uninstall
    for d in /etc/rancher/k3s /etc/rancher/node /run/k3s /run/flannel /var/lib/rancher/k3s /var/lib/kubelet /var/lib/cni; do
        [ -e "$d" ] && rm -rf "$d" && did "removed $d"
    done
    for d in /etc/rancher /var/lib/rancher; do
        [ -d "$d" ] && rmdir "$d" 2>/dev/null && did "removed $d"
    done
    systemctl daemon-reload
    systemctl reset-failed k3s.service k3s-agent.service 2>/dev/null
}

daemon_json_restore() {
    [ -e "$S/daemon.json.state" ] || return 0
    if [ "$(cat "$S/daemon.json.state")" = present ]; then
        cmp -s "$S/daemon.json.orig" /etc/docker/daemon.json ||
            { mkdir -p /etc/docker && cp -p "$S/daemon.json.orig" /etc/docker/daemon.json && did "daemon.json restored"; }
    elif [ -e /etc/docker/daemon.json ]; then
        rm -f /etc/docker/daemon.json && did "daemon.json removed"
        rmdir /etc/docker 2>/dev/null
    fi
    rm -f "$S/daemon.json.state" "$S/daemon.json.orig"
}

# names DB: the names in the passwd or group database
names() { getent "$1" | cut -d: -f1 | sort; }

# unmade W: the users, then the groups, that W's packages' scripts made when
# gpuforge installed them (Debian's purge leaves them); one still in use stays
unmade() {
    for db in users:passwd groups:group; do
        f=$S/$1.${db%:*}
        if [ -e "$f.before" ]; then
            names "${db#*:}" | comm -13 "$f.before" - >>"$f"
        fi
        [ -e "$f" ] || continue
        while read -r n; do
            getent "${db#*:}" "$n" >/dev/null || continue
            if [ "$db" = users:passwd ]; then
                userdel "$n" 2>/dev/null && did "user $n"
            else
                groupdel "$n" 2>/dev/null && did "group $n"
            fi || echo "reset.sh: ${db%s:*} $n (made by the $1 packages) is in use; left" >&2
        done <"$f"
        rm -f "$f" "$f.before"
    done
}

purge() {
    w=$1
    if [ -e "$S/$w.pkgs.before" ]; then
        installed | comm -13 "$S/$w.pkgs.before" - >>"$S/$w.pkgs"
    fi
    [ -e "$S/$w.pkgs" ] || { unmade "$w"; return 0; }
    pkgs=$(sort -u "$S/$w.pkgs" | while read -r p; do installed | grep -qx "$p" && echo "$p"; done)
    if [ -n "$pkgs" ]; then
        # held packages (the nvidia_driver role holds the driver's) are released first,
        # or dpkg would keep their hold records after the purge
        for p in $pkgs; do echo "$p install"; done | dpkg --set-selections
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive dpkg --purge $pkgs >"$S/$w.purge.log" 2>&1 ||
            { echo "purging $w packages failed:" >&2; tail -5 "$S/$w.purge.log" >&2; exit 1; }
        did "purged $(echo "$pkgs" | wc -w) $w packages"
    fi
    unmade "$w"
    rm -f "$S/$w.pkgs" "$S/$w.pkgs.before" "$S/$w.purge.log" "$S/$w.dpkg.log"
    if [ -e "/etc/apt/sources.list.d/gpuforge-$w.list" ]; then
        rm -f "/etc/apt/sources.list.d/gpuforge-$w.list" && did "apt source gpuforge-$w.list"
    fi
}

reset_packages() {
    for w in "$@"; do
        case $w in
        docker)
            if [ -e "$S/docker.pkgs" ] || [ -e "$S/docker.pkgs.before" ]; then
                systemctl stop docker.service docker.socket containerd.service 2>/dev/null
            fi
            purge docker
            daemon_json_restore
            if [ ! -e /usr/bin/dockerd ]; then
                for d in /var/lib/docker /var/lib/containerd /run/docker /run/containerd /etc/docker/key.json; do
                    [ -e "$d" ] && rm -rf "$d" && did "removed $d"
                done
                # what dockerd and containerd made that their packages do not remove
                if [ -e "$S/docker.paths-absent" ]; then
                    while read -r d; do [ -e "$d" ] && rm -rf "$d" && did "removed $d"; done <"$S/docker.paths-absent"
                    rm -f "$S/docker.paths-absent"
                fi
                ip link show docker0 >/dev/null 2>&1 && ip link delete docker0 && did "interface docker0"
                unrule 'DOCKER|docker0' 'DOCKER'
            fi
            if [ -e "$S/docker.group-created" ]; then
                getent group docker >/dev/null && groupdel docker && did "group docker"
                rm -f "$S/docker.group-created"
            elif [ -e "$S/docker.users-added" ]; then
                while read -r u; do gpasswd -d "$u" docker >/dev/null 2>&1 && did "$u left docker"; done <"$S/docker.users-added"
            fi
            rm -f "$S/docker.users-added" "$S/docker.images-loaded"
            ;;
        nvidia)
            # the services gpuforge enabled (Fabric Manager, persistenced on NVSwitch systems)
            units=
            if [ -e "$S/nvidia.units" ]; then
                while read -r u; do
                    systemctl is-enabled -q "$u" 2>/dev/null || systemctl is-active -q "$u" 2>/dev/null || continue
                    systemctl disable --now -q "$u" 2>/dev/null && did "stopped and disabled $u"
                done <"$S/nvidia.units"
                units=1
            fi
            # the GPUs gpuforge put into MIG mode: instances destroyed, MIG mode off (the
            # driver is still there to do it)
            if [ -e "$S/nvidia.mig" ]; then
                if command -v nvidia-smi >/dev/null 2>&1; then
                    while read -r i; do
                        nvidia-smi mig -i "$i" -dci >/dev/null 2>&1
                        nvidia-smi mig -i "$i" -dgi >/dev/null 2>&1
                        if nvidia-smi -i "$i" -mig 0 >/dev/null 2>&1; then
                            did "MIG mode off on GPU $i"
                        else
                            echo "GPU $i: MIG mode could not be turned off (nvidia-smi -i $i -mig 0)" >&2
                        fi
                    done <"$S/nvidia.mig"
                fi
                rm -f "$S/nvidia.mig"
            fi
            purge nvidia
            # their unit files went with the packages
            if [ -n "$units" ]; then
                systemctl daemon-reload
                rm -f "$S/nvidia.units"
            fi
            if [ -e /etc/dkms/framework.conf.d/gpuforge-mok.conf ]; then
                rm -f /etc/dkms/framework.conf.d/gpuforge-mok.conf && did "removed DKMS's signing key setting"
                for d in /etc/dkms/framework.conf.d /etc/dkms; do
                    dpkg -S "$d" >/dev/null 2>&1 || rmdir "$d" 2>/dev/null
                done
            fi
            # the CDI specs of gpuforge (nvidia-ctk cdi generate) and of the device plugin
            for f in /var/run/cdi/nvidia.yaml /var/run/cdi/k8s.device-plugin.nvidia.com-*; do
                [ -e "$f" ] && rm -f "$f" && did "removed $f"
            done
            rmdir /var/run/cdi 2>/dev/null
            daemon_json_restore
            if [ -e /usr/bin/dockerd ] && systemctl is-active -q docker 2>/dev/null; then
                systemctl restart docker
            fi
            ;;
        nfs)
            purge nfs
            # what the client brought up when first used, once it is gone
            if ! command -v mount.nfs >/dev/null 2>&1; then
                if [ -e "$S/nfs.rpc-pipefs-absent" ] && findmnt -n /run/rpc_pipefs >/dev/null 2>&1; then
                    umount /run/rpc_pipefs && did "unmounted /run/rpc_pipefs"
                fi
                if [ -e "$S/nfs.units-inactive" ]; then
                    while read -r u; do
                        systemctl is-active -q "$u" 2>/dev/null || continue
                        systemctl stop "$u" 2>/dev/null && did "stopped $u"
                    done <"$S/nfs.units-inactive"
                fi
            fi
            rm -f "$S/nfs.rpc-pipefs-absent" "$S/nfs.units-inactive"
            ;;
        *) echo "reset.sh: unknown $w" >&2; exit 2 ;;
        esac
    done
}

reset_prereq() {
    if [ "${1:-}" != --keep-state ]; then
        if [ -e "$S/sysctl.orig" ]; then
            while IFS='=' read -r k v; do
                p=/proc/sys/$(echo "$k" | tr . /)
                [ -e "$p" ] && [ "$(cat "$p")" != "$v" ] && echo "$v" >"$p" && did "sysctl $k=$v"
            done <"$S/sysctl.orig"
        fi
    fi
    for f in /etc/sysctl.d/90-gpuforge-k3s.conf /etc/modules-load.d/gpuforge-k3s.conf; do
        [ -e "$f" ] && rm -f "$f" && did "removed $f"
    done
    if [ "${1:-}" = --keep-state ]; then
        [ -d /var/lib/gpuforge/bundles ] && rm -rf /var/lib/gpuforge/bundles && did "removed /var/lib/gpuforge/bundles"
        return 0
    fi
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
    [ -e /var/lib/gpuforge ] && rm -rf /var/lib/gpuforge && did "removed /var/lib/gpuforge"
}

what=${1:-}
[ $# -gt 0 ] && shift
case $what in
    k3s) reset_k3s ;;
    packages) reset_packages "$@" ;;
    prereq) reset_prereq "$@" ;;
    *) echo "usage: reset.sh k3s | packages WHAT... | prereq [--keep-state]" >&2; exit 2 ;;
esac
exit 0
