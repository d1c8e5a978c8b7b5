#!/bin/sh
# seed/k3s.sh SERVER-ADDRESS GROUP... - a node as k3s-ansible's site.yml
# leaves it (k3s's installer run with INSTALL_K3S_SKIP_DOWNLOAD, the service
# started), for k3s-ansible's reset.yml and reboot.yml: the k3s binary (the
# project's test stand-in, tests/standin/k3s) with its kubectl, crictl and
# ctr links, the installer's k3s-killall.sh and k3s-uninstall.sh (or
# k3s-agent-uninstall.sh), the unit and its env file, the configuration in
# /etc/rancher/k3s, the data directory, and for servers the user's
# kubeconfig and .bashrc lines. Servers are the nodes in group "server",
# agents those in "agent" (they join SERVER-ADDRESS). k3s-ansible keeps the
# installer as /usr/local/bin/k3s-install.sh: here a stub that installs
# nothing (upgrade.yml runs it, then restarts the same stand-in).
# needs: tests/standin/k3s
# live: /var/lib/rancher/k3s/server/standin
set -eu
server=$1
shift
role=
for g; do
    case $g in server) role=server ;; agent) [ -n "$role" ] || role=agent ;; esac
done
[ -n "$role" ] || { echo "seed/k3s.sh: node in neither server nor agent" >&2; exit 1; }
token='changeme!'
bin=/usr/local/bin
sysd=/etc/systemd/system

install -m 0755 /run/compat-seed/k3s "$bin/k3s"
for c in kubectl crictl ctr; do ln -sf k3s "$bin/$c"; done
printf '#!/bin/sh\n# k3s installer, as k3s-ansible copies it to the node\nexit 0\n' >"$bin/k3s-install.sh"
chmod 0755 "$bin/k3s-install.sh"

mkdir -p /etc/rancher/k3s
if [ "$role" = server ]; then
    unit=k3s
    uninstall=k3s-uninstall.sh
    printf 'token: "%s"\n' "$token" >/etc/rancher/k3s/config.yaml
    exec_args=server
else
    unit=k3s-agent
    uninstall=k3s-agent-uninstall.sh
    printf 'server: "https://%s:6443"\ntoken: "%s"\n' "$server" "$token" >/etc/rancher/k3s/config.yaml
    exec_args=agent
fi
chmod 0600 /etc/rancher/k3s/config.yaml
# k3s makes a random node password at the first start (/etc/rancher/node); a
# fixed one, as the token is, so that both sides start out alike
mkdir -p /etc/rancher/node && chmod 0700 /etc/rancher/node
(umask 077 && printf 'compat-seed-%s\n' "$(hostname)" >/etc/rancher/node/password)

# The unit and env file the installer writes.
: >"$sysd/$unit.service.env"
chmod 0600 "$sysd/$unit.service.env"
cat >"$sysd/$unit.service" <<EOF
[Unit]
Description=Lightweight Kubernetes
Documentation=https://k3s.io
Wants=network-online.target
After=network-online.target

[Install]
WantedBy=multi-user.target

[Service]
Type=exec
EnvironmentFile=-/etc/default/%N
EnvironmentFile=-/etc/sysconfig/%N
EnvironmentFile=-$sysd/$unit.service.env
KillMode=process
Delegate=yes
LimitNOFILE=1048576
LimitNPROC=infinity
LimitCORE=infinity
TasksMax=infinity
TimeoutStartSec=0
Restart=always
RestartSec=5s
ExecStart=$bin/k3s $exec_args
EOF

# k3s-killall.sh as the installer writes it: stop the units, kill the
# containers' shims, unmount and remove what k3s mounted, remove its
# interfaces, its data of CNI and its firewall rules.
cat >"$bin/k3s-killall.sh" <<'EOF'
#!/bin/sh
[ $(id -u) -eq 0 ] || exec sudo $0 $@

for bin in /var/lib/rancher/k3s/data/**/bin/; do
    [ -d $bin ] && export PATH=$PATH:$bin:$bin/aux
done

set -x

for service in /etc/systemd/system/k3s*.service; do
    [ -s $service ] && systemctl stop $(basename $service)
done

pschildren() {
    ps -e -o ppid= -o pid= | sed -e 's/^\s*//g; s/\s\s*/\t/g;' | grep -w "^$1" | cut -f2
}

pstree() {
    for pid in $@; do
        echo $pid
        for child in $(pschildren $pid); do
            pstree $child
        done
    done
}

killtree() {
    kill -9 $(
        { set +x; } 2>/dev/null;
        pstree $@;
        set -x;
    ) 2>/dev/null
}

getshims() {
    ps -e -o pid= -o args= | sed -e 's/^ *//; s/\s\s*/\t/;' | grep -w 'k3s/data/[^/]*/bin/containerd-shim' | cut -f1
}

killtree $({ set +x; } 2>/dev/null; getshims; set -x)

do_unmount_and_remove() {
    set +x
    while read -r _ path _; do
        case "$path" in $1*) echo "$path" ;; esac
    done < /proc/self/mounts | sort -r | xargs -r -t -n 1 sh -c 'umount -f "$0" && rm -rf "$0"'
    set -x
}

do_unmount_and_remove '/run/k3s'
do_unmount_and_remove '/var/lib/rancher/k3s'
do_unmount_and_remove '/var/lib/kubelet/pods'
do_unmount_and_remove '/var/lib/kubelet/plugins'
do_unmount_and_remove '/run/netns/cni-'

ip netns show 2>/dev/null | grep cni- | xargs -r -t -n 1 ip netns delete

ip link show 2>/dev/null | grep 'master cni0' | while read -r ignore iface ignore; do
    iface=${iface%%@*}
    [ -z "$iface" ] || ip link delete $iface
done
ip link delete cni0
ip link delete flannel.1
ip link delete flannel-v6.1
ip link delete kube-ipvs0
ip link delete flannel-wg
ip link delete flannel-wg-v6
rm -rf /var/lib/cni/
iptables-save | grep -v KUBE- | grep -v CNI- | grep -iv flannel | iptables-restore
ip6tables-save | grep -v KUBE- | grep -v CNI- | grep -iv flannel | ip6tables-restore
EOF
chmod 0755 "$bin/k3s-killall.sh"

# The uninstall script, for this node's unit.
cat >"$bin/$uninstall" <<EOF
#!/bin/sh
set -x
[ \$(id -u) -eq 0 ] || exec sudo \$0 \$@

$bin/k3s-killall.sh

if command -v systemctl; then
    systemctl disable $unit
    systemctl reset-failed $unit
    systemctl daemon-reload
fi

rm -f $sysd/$unit.service
rm -f $sysd/$unit.service.env

remove_uninstall() {
    rm -f $bin/$uninstall
}
trap remove_uninstall EXIT

if (ls $sysd/k3s*.service || ls /etc/init.d/k3s*) >/dev/null 2>&1; then
    set +x; echo 'Additional k3s services installed, skipping uninstall of k3s'; set -x
    exit
fi

for cmd in kubectl crictl ctr; do
    if [ -L $bin/\$cmd ]; then
        rm -f $bin/\$cmd
    fi
done

clean_mounted_directory() {
    if ! grep -q " \$1" /proc/mounts; then
        rm -rf "\$1"
        return 0
    fi
    for path in "\$1"/*; do
        if [ -d "\$path" ]; then
            if grep -q " \$path" /proc/mounts; then
                clean_mounted_directory "\$path"
            else
                rm -rf "\$path"
            fi
        else
            rm "\$path"
        fi
    done
}

rm -rf /etc/rancher/k3s
rm -rf /run/k3s
rm -rf /run/flannel
clean_mounted_directory /var/lib/rancher/k3s
rm -rf /var/lib/kubelet
rm -f $bin/k3s
rm -f $bin/k3s-killall.sh
EOF
chmod 0755 "$bin/$uninstall"

systemctl daemon-reload
systemctl enable --now "$unit.service" 2>&1

# k3s is up once its side effects are there (the containers' shim is the last).
i=0
while ! pgrep -f containerd-shim-runc-v2 >/dev/null && [ $i -lt 40 ]; do sleep 1; i=$((i + 1)); done
pgrep -f containerd-shim-runc-v2 >/dev/null || { echo "seed/k3s.sh: $unit did not come up" >&2; exit 1; }

if [ "$role" = server ]; then
    # k3s-ansible's user set-up: the kubeconfig and .bashrc lines.
    install -d -o gf -g gf -m 0755 /home/gf/.kube
    sed "s/127.0.0.1/$server/" /etc/rancher/k3s/k3s.yaml >/home/gf/.kube/config
    chown gf:gf /home/gf/.kube/config
    chmod 0600 /home/gf/.kube/config
    touch /home/gf/.bashrc
    {
        echo '. <(k3s completion bash)  # Added by k3s-ansible'
        echo 'export KUBECONFIG=~/.kube/config # Added by k3s-ansible'
        echo '. <(kubectl completion bash)  # Added by k3s-ansible'
    } >>/home/gf/.bashrc
fi
