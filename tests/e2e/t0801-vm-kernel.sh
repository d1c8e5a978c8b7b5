#!/bin/sh
# t0801-vm-kernel: what the nspawn testbed cannot test (its nodes share the
# host's kernel), on 3 real Debian VMs made by `gpuforge cloud up` with the
# local-vm plugin. Before gpuforge, each VM gets what an admin's node has: a
# swap file in use, ufw active (SSH allowed), and the first VM an NFS server
# exporting /srv/share to the subnet. Then playbooks/site.yml with the stack
# bundle (the k3s stand-in; install_docker=false) through the inventory `up`
# wrote: prereq loads br_netfilter and overlay into the VM's kernel, sets
# the sysctls and turns swap off; the ingress firewall's ufw rules are in
# the kernel and do filter (a peer reaches the kubelet port, the controller
# does not); the nfs role mounts the export on every VM and a file written
# on one VM is read on another. The VMs reboot: modules, sysctls, swap off,
# the NFS mount and the ufw rules are back. `gpuforge reset` then gives
# every VM back its pristine state (lib/stack.sh's snapshot, plus swap,
# sysctls and ufw), and `down` leaves nothing. Opt-in (GF_E2E_VM=1, or
# `make e2e-vm`): three VMs boot under qemu's emulation (minutes).
# GF_E2E_VM_KEEP=1 keeps the VMs (and the scratch directory) at the end;
# GF_E2E_VM_REUSE=DIR (a kept scratch directory) takes its cluster again:
# `up` adopts the running VMs instead of booting new ones.
. "$(dirname "$0")/test-lib.sh"
. "$TEST_DIR/lib/stack.sh"
ROOT=$(cd "$TEST_DIR/../.." && pwd)
GF=${GF_BIN:-$ROOT/gpuforge}
PLUGIN=$ROOT/engine/cloud/plugins/gpuforge-cloud-local-vm

test_begin "VMs: prereq, nfs, ufw, reboot and reset on real kernels"
if [ "${GF_E2E_VM:-0}" != 1 ]; then
    test_skip_all "set GF_E2E_VM=1 (or run make e2e-vm) to boot real VMs"
fi
test_require ROOT
for t in qemu-system-x86_64 qemu-img cloud-localds jq ssh; do
    if ! command -v "$t" >/dev/null 2>&1; then
        test_skip_all "no $t (make deps)"
    fi
done
export GPUFORGE_CLOUD_PLUGIN_PATH="${PLUGIN%/*}"
NAME=t0801-$$
if [ -n "${GF_E2E_VM_REUSE:-}" ]; then
    NAME=$(sed -n "s/^name: //p" "$GF_E2E_VM_REUSE/cluster.yml") &&
        cp -a "$GF_E2E_VM_REUSE/state" state || exit 1
fi
M=$NAME-master-1
W1=$NAME-worker-1
W2=$NAME-worker-2
cat >cluster.yml <<EOF
name: $NAME
plugin: local-vm
region: local
state: state
master: {count: 1}
worker: {count: 2}
EOF

cleanup_vms() {
    if [ "${GF_E2E_VM_KEEP:-0}" = 1 ]; then
        echo "# kept: $GF cloud down -c $TEST_TMP/cluster.yml" >&5
        TEST_KEEP=1
        return 0
    fi
    "$GF" cloud down -c "$TEST_TMP/cluster.yml" >/dev/null 2>&1 || :
}
trap '_rc=$?; cleanup_vms; (exit $_rc); _test_cleanup' EXIT
trap 'echo "# interrupted" >&5; cleanup_vms; (exit 130); _test_cleanup' INT
trap 'echo "# terminated" >&5; cleanup_vms; (exit 143); _test_cleanup' TERM

# addr NODE: the VM's address from the inventory `up` wrote
addr() {
    "$GF" inventory -i "$TEST_TMP/state/inventory.yml" --host "$1" | jq -r .ansible_host
}

# vm_sh NODE SCRIPT: SCRIPT run by sh as root in NODE, over SSH with the
# cluster's key and strict host key checking
vm_sh() {
    printf '%s\n' "$2" | ssh -F /dev/null -i "$TEST_TMP/state/id_ed25519" \
        -o UserKnownHostsFile="$TEST_TMP/state/known_hosts" -o StrictHostKeyChecking=yes \
        -o BatchMode=yes -o ConnectTimeout=20 -o ServerAliveInterval=15 \
        "gpuforge@$(addr "$1")" sudo sh -s
}

# What reset must give back, beyond lib/stack.sh's NODE_STATE: swap in use,
# ip_forward, ufw's rules as ufw lists them. The bridge sysctls are left
# out: they exist while br_netfilter is loaded, and reset, like k3s's own
# uninstall, leaves loaded modules until the next boot (it removes the
# modules-load.d file, which the /etc part compares). The listening
# sockets leave out ports from 32768 up, which the NFS server's RPC
# services (statd, mountd, lockd) draw anew at every boot, and the reserved
# UDP port on 127.0.0.1 that rpc.statd also draws anew.
VM_STATE="$NODE_STATE"'
echo "## swap"; swapon --show=NAME,TYPE --noheadings
echo "## sysctl"; echo "ip_forward $(cat /proc/sys/net/ipv4/ip_forward)"
echo "## ufw"; ufw status verbose
'
vm_snap() { # vm_snap NODE FILE
    vm_sh "$1" "$VM_STATE" 2>&1 | awk '
        /^## / { sec = $0 }
        sec == "## listening" { n = split($2, a, ":"); if (a[n] + 0 >= 32768) next
                                if ($1 == "udp" && a[1] == "127.0.0.1" && a[n] + 0 < 1024) next }
        { print }' >"$2"
}

# vm_put NODE DIR: DIR's files into NODE's /root/debs
vm_put() {
    tar -C "$2" -cf - . | ssh -F /dev/null -i "$TEST_TMP/state/id_ed25519" \
        -o UserKnownHostsFile="$TEST_TMP/state/known_hosts" -o StrictHostKeyChecking=yes \
        -o BatchMode=yes -o ConnectTimeout=20 "gpuforge@$(addr "$1")" \
        "sudo sh -c 'mkdir -p /root/debs && tar -C /root/debs -xf -'"
}

site() { # site [ARGS]: site.yml on the VMs with this test's bundle
    "$GF" run -i state/inventory.yml "$ROOT/playbooks/site.yml" \
        -e gpuforge_bundle="$PWD/out/gpuforge-stack.gfb" -e gpuforge_bundle_pubkey="$PWD/key.pub" \
        -e @vars.yml "$@"
}

expect_success 'up: 3 VMs, SSH with the controller-made host keys' '
    t0=$(date +%s)
    "$GF" cloud up -c cluster.yml --wait 1800 2>&1 | while IFS= read -r l; do
        echo "$(($(date +%s) - t0)) $l"
    done >up.out
    cat up.out
    echo "up: $(($(date +%s) - t0)) s" >>times
    test "$(grep -c "ssh up at 10\.214\." up.out)" = 3 &&
    test "$(grep -c "host key matches the provider.s report" up.out)" = 3 &&
    for n in "$M" "$W1" "$W2"; do vm_sh "$n" "test \$(id -u) = 0" || exit 1; done
'

expect_success 'each VM: a swap file in use, ufw active; the first VM an NFS server' '
    vm_sh "$M" "cat /var/lib/dpkg/status" >vm-status && grep -q "^Package: openssh-server" vm-status &&
    "$GF" bundle fetch-debs ufw -o debs-ufw --status vm-status >fetch-ufw.out 2>&1 &&
    "$GF" bundle fetch-debs nfs-kernel-server -o debs-nfsd --status vm-status >fetch-nfsd.out 2>&1 &&
    ls debs-ufw debs-nfsd &&
    net=$(addr "$M" | sed "s/\.[0-9]*\$/.0/") &&
    for n in "$M" "$W1" "$W2"; do
        # the three at once: dpkg under emulation takes minutes
        {
            vm_put "$n" debs-ufw &&
            if [ "$n" = "$M" ]; then vm_put "$n" debs-nfsd || exit 1; fi &&
            vm_sh "$n" "
                set -e
                DEBIAN_FRONTEND=noninteractive dpkg -i /root/debs/*.deb >/dev/null
                rm -rf /root/debs
                fallocate -l 64M /swapfile && chmod 600 /swapfile && mkswap /swapfile >/dev/null
                swapon /swapfile && echo \"/swapfile none swap sw 0 0\" >>/etc/fstab
                ufw allow 22/tcp >/dev/null
                if [ -x /usr/sbin/exportfs ]; then
                    mkdir -p /srv/share && chmod 1777 /srv/share
                    echo \"/srv/share $net/24(rw,sync,no_subtree_check,no_root_squash)\" >/etc/exports
                    exportfs -ra
                    ufw allow from $net/24 to any port 2049 proto tcp >/dev/null
                fi
                ufw --force enable >/dev/null
                # what a boot does for an enabled ufw (the reboot below does it too)
                systemctl start ufw.service
                swapon --show --noheadings | grep -q /swapfile
                ufw status | grep -q \"^Status: active\"
            " && echo "setup done on $n"
        } >"setup.$n" 2>&1 &
    done
    wait
    cat setup.*
    test "$(cat setup.* | grep -c "^setup done on")" = 3
'

expect_success 'pristine state of every VM (swap on, ufw active, NFS export)' '
    for n in "$M" "$W1" "$W2"; do vm_snap "$n" "pristine.$n" || exit 1; done
    grep -q "^/swapfile file" "pristine.$M" && grep -q "^Status: active" "pristine.$W2" &&
    grep -q "2049/tcp .*ALLOW IN" "pristine.$M" && grep -q "^## packages" "pristine.$W1" &&
    ! grep -q "^ii nfs-common " "pristine.$W1"
'

expect_success 'the stack bundle (k3s stand-in, NFS client closure) for the VMs'"'"' dpkg status' '
    t0=$(date +%s)
    STACK_WITH=k3s,images,nfs build_stack "$PWD" "$PWD/vm-status" "$ROOT" >fetch.out 2>&1; rc=$?
    tail -3 fetch.out
    echo "bundle: $(($(date +%s) - t0)) s" >>times
    test $rc = 0 && test -s out/gpuforge-stack.gfb &&
    printf "install_docker: false\nnfs_server: %s\nnfs_path: /srv/share\nk3s_kubeconfig_merge: \"\"\n" \
        "$(addr "$M")" >vars.yml
'

expect_success 'site.yml on the VMs: rc 0, the NFS client installed from the bundle' '
    t0=$(date +%s)
    site >site1.out 2>&1; rc=$?
    echo "site.yml: $(($(date +%s) - t0)) s" >>times
    sed -n "/^PLAY RECAP/,\$p" site1.out
    test $rc = 0 &&
    vm_sh "$W1" "dpkg-query -W -f=\"\\\${Status}\" nfs-common" | grep -q "install ok installed"
'

# kernel_ok NODE: the prereq settings are in NODE's kernel, swap is off
kernel_ok() {
    vm_sh "$1" "
        set -e
        grep -q \"^br_netfilter \" /proc/modules
        grep -q \"^overlay \" /proc/modules
        test \$(cat /proc/sys/net/ipv4/ip_forward) = 1
        test \$(cat /proc/sys/net/bridge/bridge-nf-call-iptables) = 1
        test -z \"\$(swapon --show --noheadings)\"
        grep -q \"^# gpuforge: /swapfile\" /etc/fstab
    "
}

expect_success 'kernel: br_netfilter and overlay loaded, sysctls set, swap off' '
    for n in "$M" "$W1" "$W2"; do kernel_ok "$n" || exit 1; done
'

# ufw_ok: the k3s ports are in ufw and in the kernel's tables, and they
# filter: a peer reaches the master's kubelet port, the controller does not
ufw_ok() {
    ma=$(addr "$M") && w1=$(addr "$W1") &&
    vm_sh "$M" "ufw status" >ufw.m && cat ufw.m &&
    grep -qE "^6443/tcp +ALLOW +Anywhere .*# gpuforge" ufw.m &&
    grep -qE "^10250/tcp +ALLOW +$w1 .*# gpuforge" ufw.m &&
    vm_sh "$M" "iptables -S ufw-user-input" >ipt.m && cat ipt.m &&
    grep -q -- "-p tcp .*--dport 6443 .*-j ACCEPT" ipt.m &&
    grep -q -- "-s $w1/32 -p tcp .*--dport 10250 .*-j ACCEPT" ipt.m &&
    # after a boot, k3s listens a while after SSH answers (minutes under TCG)
    vm_sh "$M" "n=0; until ss -Hltn | grep -q \":10250 \" && ss -Hltn | grep -q \":6443 \"; do
        n=\$((n+1)); [ \$n -lt 150 ] || exit 1; sleep 2; done" &&
    vm_sh "$W1" "timeout 10 bash -c \"exec 3<>/dev/tcp/$ma/10250\"" &&
    vm_sh "$W1" "timeout 10 bash -c \"exec 3<>/dev/tcp/$ma/6443\"" &&
    ! timeout 10 bash -c "exec 3<>/dev/tcp/$ma/10250" 2>/dev/null &&
    vm_sh "$M" "ss -Hltn | grep -q \":111 \"" &&
    ! vm_sh "$W1" "timeout 10 bash -c \"exec 3<>/dev/tcp/$ma/111\""
}

expect_success 'ufw: the k3s ports open in the kernel, for peers only where meant' '
    ufw_ok
'

expect_success 'NFS: the export mounted on every VM, a file written on one read on another' '
    for n in "$M" "$W1" "$W2"; do
        vm_sh "$n" "findmnt -n -o FSTYPE,SOURCE /mnt/shared" >mnt.$n && cat mnt.$n &&
        grep -q "^nfs4\? .*:/srv/share" mnt.$n || exit 1
    done &&
    vm_sh "$W1" "echo written-on-worker-1 >/mnt/shared/hello && sync" &&
    test "$(vm_sh "$W2" "cat /mnt/shared/hello")" = written-on-worker-1 &&
    test "$(vm_sh "$M" "cat /srv/share/hello")" = written-on-worker-1
'

expect_success 'site.yml again: changed=0 on every VM' '
    site >site2.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" site2.out
    test $rc = 0 && test "$(recap_changed site2.out | sort -u)" = 0
'

expect_success 'reboot: every VM back, modules, sysctls, swap off, ufw, the NFS mount' '
    cat >reboot.yml <<EOB
- hosts: all
  gather_facts: false
  tasks:
    - ansible.builtin.reboot:
        reboot_timeout: 1500
EOB
    t0=$(date +%s)
    "$GF" run -i state/inventory.yml reboot.yml >reboot.out 2>&1; rc=$?
    echo "reboot: $(($(date +%s) - t0)) s" >>times
    sed -n "/^PLAY RECAP/,\$p" reboot.out
    test $rc = 0 &&
    for n in "$M" "$W1" "$W2"; do
        kernel_ok "$n" &&
        vm_sh "$n" "n=0; until findmnt -n /mnt/shared >/dev/null; do n=\$((n+1)); [ \$n -lt 150 ] || exit 1; sleep 2; done" ||
        exit 1
    done &&
    test "$(vm_sh "$W2" "cat /mnt/shared/hello")" = written-on-worker-1 &&
    ufw_ok
'

expect_success 'reset: every VM equal to its pristine state (swap back on, rules gone)' '
    "$GF" reset -i state/inventory.yml --yes -e @vars.yml >reset.out 2>&1; rc=$?
    sed -n "/^PLAY RECAP/,\$p" reset.out
    test $rc = 0 &&
    for n in "$M" "$W1" "$W2"; do
        vm_snap "$n" "after.$n" && test_cmp "pristine.$n" "after.$n" || exit 1
    done
'

expect_success 'down leaves no process, bridge, tap, overlay or state' '
    vmdir=${GPUFORGE_LOCAL_VM_DIR:-/var/lib/gpuforge-vm}
    ids=$(grep -l "^tag=$NAME\$" "$vmdir"/instances/*/meta | xargs -n1 dirname | xargs -n1 basename)
    test "$(echo "$ids" | wc -l)" = 3 &&
    pids=$(for i in $ids; do cat "$vmdir/instances/$i/pid"; done) &&
    taps=$(for i in $ids; do sed -n "s/^tap=//p" "$vmdir/instances/$i/meta"; done) &&
    net=$(cat "$vmdir/clusters/$NAME/subnet") &&
    "$GF" cloud down -c cluster.yml || exit 1
    left=
    # an exited qemu the test shell has not reaped yet (a zombie) holds nothing
    for p in $pids; do
        st=$(sed "s/^.*) //" "/proc/$p/stat" 2>/dev/null | cut -d" " -f1)
        test -z "$st" || test "$st" = Z || left="$left process $p ($st)"
    done
    for t in $taps "gfvm$net"; do ! ip link show "$t" >/dev/null 2>&1 || left="$left link $t"; done
    for i in $ids; do test ! -e "$vmdir/instances/$i" || left="$left instance $i"; done
    test ! -e "$vmdir/clusters/$NAME" || left="$left cluster record"
    test ! -e state || left="$left state"
    echo "left:${left:- nothing}"
    test -z "$left"
'

echo "# times: $(tr "\n" ";" <"times" 2>/dev/null)" >&5
test_done
