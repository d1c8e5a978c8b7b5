#!/bin/sh
# seed/kubespray.sh FIRST-ADDRESS GROUP... - a node as a kubespray cluster
# install leaves it, for kubespray's reset role: what that role stops,
# unmounts, flushes and removes is there (reading roles/reset/tasks/main.yml
# and network_plugin/calico's reset.yml): the kubelet, containerd and (on
# etcd nodes) etcd units, enabled and running, with stand-in programs in
# /usr/local/bin (the real ones cannot be had here: shell scripts that
# sleep, and a crictl that lists no containers or pods), the
# configuration and data directories, root's kubeconfig, CNI's and
# Calico's files, the CA certificates, a tmpfs mounted below
# /var/lib/kubelet, kube-proxy's iptables chains, and Calico's vxlan.calico
# and dummy0 interfaces.
set -eu
shift
etcd=0
for g; do [ "$g" != etcd ] || etcd=1; done
bin=/usr/local/bin
sysd=/etc/systemd/system

stand_in() { # NAME: a program that runs until stopped
    printf '#!/bin/sh\n# stand-in for %s\nexec sleep infinity\n' "$1" >"$bin/$1"
    chmod 0755 "$bin/$1"
}
for p in kubelet containerd etcd; do stand_in "$p"; done
for p in kubectl kubeadm etcdctl helm ctr runc containerd-shim containerd-shim-runc-v2 \
    calicoctl.sh etcdctl.sh k8s-certs-renew.sh; do
    printf '#!/bin/sh\n# stand-in for %s\nexit 0\n' "$p" >"$bin/$p"
    chmod 0755 "$bin/$p"
done
printf '#!/bin/sh\n# stand-in for crictl: no containers, no pods\nexit 0\n' >"$bin/crictl"
chmod 0755 "$bin/crictl"
mkdir -p "$bin/kubernetes-scripts" "$bin/etcd-scripts"

unit() { # NAME PROGRAM
    printf '[Unit]\nDescription=%s\n[Service]\nExecStart=%s\n[Install]\nWantedBy=multi-user.target\n' \
        "$1" "$2" >"$sysd/$1.service"
}
unit kubelet "$bin/kubelet"
unit containerd "$bin/containerd"
mkdir -p "$sysd/containerd.service.d"
printf '[Service]\nEnvironment="HTTP_PROXY="\n' >"$sysd/containerd.service.d/http-proxy.conf"
printf '[Unit]\nDescription=renew certificates\n[Service]\nType=oneshot\nExecStart=%s/k8s-certs-renew.sh\n' \
    "$bin" >"$sysd/k8s-certs-renew.service"
printf '[Timer]\nOnCalendar=monthly\n[Install]\nWantedBy=timers.target\n' >"$sysd/k8s-certs-renew.timer"
if [ "$etcd" = 1 ]; then
    unit etcd "$bin/etcd"
    mkdir -p /var/lib/etcd/member/snap /etc/ssl/etcd/ssl
    echo "etcd data" >/var/lib/etcd/member/snap/db
    chmod 0700 /var/lib/etcd
    echo "fake etcd CA" >/etc/ssl/etcd/ssl/ca.pem
    printf 'ETCD_DATA_DIR=/var/lib/etcd\nETCD_NAME=etcd1\n' >/etc/etcd.env
fi

mkdir -p /etc/kubernetes/manifests /etc/kubernetes/ssl /var/lib/kubelet/pods/p1/volumes/data \
    /var/lib/containerd/io.containerd.content.v1.content /root/.kube /etc/cni/net.d /opt/cni/bin \
    /var/lib/cni/networks /var/lib/calico /etc/calico /etc/bash_completion.d \
    /usr/local/share/ca-certificates
echo "apiVersion: v1" >/etc/kubernetes/admin.conf
echo "apiVersion: v1" >/etc/kubernetes/kubelet.conf
echo "fake kube CA" >/etc/kubernetes/ssl/ca.crt
echo "kind: KubeletConfiguration" >/var/lib/kubelet/config.yaml
echo "blob" >/var/lib/containerd/io.containerd.content.v1.content/x
cp /etc/kubernetes/admin.conf /root/.kube/config
chmod 0600 /root/.kube/config
echo '{"name": "k8s-pod-network"}' >/etc/cni/net.d/10-calico.conflist
printf '#!/bin/sh\nexit 0\n' >/opt/cni/bin/calico
chmod 0755 /opt/cni/bin/calico
echo "10.233.64.2" >/var/lib/cni/networks/last_reserved_ip.0
echo "node1" >/var/lib/calico/nodename
echo "datastoreType: kubernetes" >/etc/calico/calicoctl.cfg
echo "runtime-endpoint: unix:///var/run/containerd/containerd.sock" >/etc/crictl.yaml
echo "source <(kubectl completion bash)" >/etc/bash_completion.d/kubectl.sh
echo "br_netfilter" >/etc/modules-load.d/kubespray-br_netfilter.conf
echo "fake kube CA" >/usr/local/share/ca-certificates/kube-ca.crt
cp /usr/local/share/ca-certificates/kube-ca.crt /etc/ssl/certs/kube-ca.pem

systemctl daemon-reload
systemctl enable --now kubelet.service containerd.service 2>&1
systemctl enable k8s-certs-renew.timer 2>&1
[ "$etcd" = 0 ] || systemctl enable --now etcd.service 2>&1

mount -t tmpfs -o size=1m tmpfs /var/lib/kubelet/pods/p1/volumes/data

iptables -t filter -N KUBE-FIREWALL
iptables -t filter -A INPUT -j KUBE-FIREWALL
iptables -t filter -A KUBE-FIREWALL -m mark --mark 0x8000/0x8000 -j DROP
iptables -t nat -N KUBE-SERVICES
iptables -t nat -A PREROUTING -j KUBE-SERVICES
iptables -t nat -A OUTPUT -j KUBE-SERVICES
iptables -t mangle -N KUBE-KUBELET-CANARY

# The role only looks for the names; where the kernel lacks a link type
# (a container cannot load modules), a bridge stands in.
ip link add vxlan.calico type vxlan id 4096 dstport 4789 dev host0 2>/dev/null ||
    ip link add vxlan.calico type bridge
ip link add dummy0 type dummy 2>/dev/null || ip link add dummy0 type bridge
