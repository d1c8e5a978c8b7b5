#!/bin/sh
# reset-packages.sh WHAT... - purges the packages gpuforge installed for
# WHAT (docker, nvidia, nfs), as recorded in the state directory when they
# were installed (NAME.pkgs; after an interrupted install, the difference
# between NAME.pkgs.before and what is installed now), and undoes the
# related changes: Docker's data, daemon.json back to what it was, the
# docker group or the users gpuforge added to it.
set -u
S=${GF_STATE:-/var/lib/gpuforge/state}
did() { echo "GF_CHANGED $*"; }
installed() { dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" { print $2 }' | sort; }

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

purge() {
    w=$1
    if [ -e "$S/$w.pkgs.before" ]; then
        installed | comm -13 "$S/$w.pkgs.before" - >>"$S/$w.pkgs"
    fi
    [ -e "$S/$w.pkgs" ] || return 0
    pkgs=$(sort -u "$S/$w.pkgs" | while read -r p; do installed | grep -qx "$p" && echo "$p"; done)
    if [ -n "$pkgs" ]; then
        # shellcheck disable=SC2086
        DEBIAN_FRONTEND=noninteractive dpkg --purge $pkgs >"$S/$w.purge.log" 2>&1 ||
            { echo "purging $w packages failed:" >&2; tail -5 "$S/$w.purge.log" >&2; exit 1; }
        did "purged $(echo $pkgs | wc -w) $w packages"
    fi
    rm -f "$S/$w.pkgs" "$S/$w.pkgs.before" "$S/$w.purge.log" "$S/$w.dpkg.log"
    if [ -e "/etc/apt/sources.list.d/gpuforge-$w.list" ]; then
        rm -f "/etc/apt/sources.list.d/gpuforge-$w.list" && did "apt source gpuforge-$w.list"
    fi
}

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
        purge nvidia
        daemon_json_restore
        if [ -e /usr/bin/dockerd ] && systemctl is-active -q docker 2>/dev/null; then
            systemctl restart docker
        fi
        ;;
    nfs) purge nfs ;;
    *) echo "reset-packages.sh: unknown $w" >&2; exit 2 ;;
    esac
done
exit 0
