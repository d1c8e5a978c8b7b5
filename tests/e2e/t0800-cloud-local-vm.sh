#!/bin/sh
# t0800-cloud-local-vm: the built-in cloud plugin with one real Debian VM
# under qemu (software emulation). `gpuforge cloud up` is killed while the VM
# is being made, run again (it adopts the VM: no duplicate), the node answers
# with the host key the controller made (strict checking from the first
# connection; the key cloud-init prints on the serial console is the same),
# status lists it, and `down` leaves no qemu process, bridge,
# tap, overlay or state. Opt-in (GF_E2E_VM=1, or `make e2e-vm`): the first
# run builds the image (minutes) and a boot takes ~80 s of CPU.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
PLUGIN=$TEST_DIR/../../engine/cloud/plugins/gpuforge-cloud-local-vm
VMDIR=${GPUFORGE_LOCAL_VM_DIR:-/var/lib/gpuforge-vm}

test_begin "cloud local-vm: one VM, a killed up, down"
if [ "${GF_E2E_VM:-0}" != 1 ]; then
    test_skip_all "set GF_E2E_VM=1 (or run make e2e-vm) to boot a real VM"
fi
for t in qemu-system-x86_64 qemu-img cloud-localds jq; do
    if ! command -v "$t" >/dev/null 2>&1; then
        test_skip_all "no $t (make deps)"
    fi
done
export GPUFORGE_CLOUD_PLUGIN_PATH="${PLUGIN%/*}"
NAME=t0800-$$
cat >cluster.yml <<EOF
name: $NAME
plugin: local-vm
region: local
state: state
master: {count: 1}
EOF

# the ids of this cluster's VMs in the plugin's account
vm_ids() {
    grep -l "^tag=$NAME\$" "$VMDIR"/instances/*/meta 2>/dev/null | while read -r m; do
        basename "$(dirname "$m")"
    done
}

# 0 when process $1 runs (a zombie its reaper has not collected is gone)
alive() {
    _st=$(ps -o stat= -p "$1") && [ "${_st#Z}" = "$_st" ]
}

# what down must remove
cleanup_vms() {
    "$GF" cloud down -c "$TEST_TMP/cluster.yml" >/dev/null 2>&1 || :
}
trap '_rc=$?; cleanup_vms; (exit $_rc); _test_cleanup' EXIT
trap 'echo "# interrupted" >&5; cleanup_vms; (exit 130); _test_cleanup' INT
trap 'echo "# terminated" >&5; cleanup_vms; (exit 143); _test_cleanup' TERM

expect_success 'validate asks the plugin and creates nothing' '
    "$GF" cloud validate -c cluster.yml &&
    test -z "$(vm_ids)"
'

expect_code 4 'a GPU is refused at its line and column' '
    sed "s/master: {count: 1}/master: {count: 1, instance_gpu: t4}/" cluster.yml >gpu.yml
    "$GF" cloud validate -c gpu.yml 2>err; rc=$?
    cat err
    grep -q "gpu.yml:5:34: master: instance_gpu .t4.: local-vm has no GPUs" err || exit 9
    exit $rc
'

expect_success 'up killed while the VM is made leaves an intent and a tagged VM' '
    "$GF" cloud up -c cluster.yml --wait 0 >up1.out 2>&1 &
    up=$!
    n=0
    while [ -z "$(vm_ids)" ] && [ $n -lt 9000 ]; do sleep 0.1; n=$((n + 1)); done
    kill "$up" || exit 9
    wait "$up"
    cat up1.out
    grep -q "\"intent\"" state/state.json &&
    ! grep -q "node(s) up" up1.out &&
    n=0
    while ! grep -q "^start=" "$VMDIR/instances/$(vm_ids)/meta" && [ $n -lt 300 ]; do
        sleep 1; n=$((n + 1))
    done
    test "$(vm_ids | wc -l)" = 1
'

expect_success 'up again adopts the VM (no duplicate) and waits for SSH' '
    "$GF" cloud up -c cluster.yml --wait 1200 >up2.out 2>&1; rc=$?
    cat up2.out
    test $rc = 0 &&
    test "$(vm_ids | wc -l)" = 1 &&
    grep -q "^$NAME-master-1 .*exists" up2.out &&
    grep -q "ssh up at 10\.214\." up2.out &&
    grep -q "^$NAME-master-1 .*host key matches the provider.s report" up2.out
'

expect_success 'the node presents the controller-made host key (strict from the start)' '
    addr=$("$GF" inventory -i state/inventory.yml --host "$NAME-master-1" | jq -r .ansible_host) &&
    case $addr in 10.214.*) ;; *) exit 9 ;; esac &&
    n=0
    until ssh -F /dev/null -i state/id_ed25519 -o UserKnownHostsFile=state/known_hosts \
        -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=10 \
        "gpuforge@$addr" true 2>/dev/null; do
        n=$((n + 1)); [ $n -lt 60 ] || exit 9; sleep 5
    done
    "$GF" ping -i state/inventory.yml
'

expect_success 'a playbook runs with become through the generated inventory' '
    cat >pb.yml <<EOB
- hosts: master
  tasks:
    - ansible.builtin.command: id -u
      register: r
    - ansible.builtin.assert:
        that: r.stdout == "0"
EOB
    "$GF" run -i state/inventory.yml pb.yml
'

expect_success 'status lists the VM as running' '
    "$GF" cloud status -c cluster.yml >st &&
    cat st &&
    grep -q "^$NAME-master-1 .* running .*10\.214\." st
'

expect_success 'down leaves no process, bridge, tap, overlay or state' '
    ids=$(vm_ids)
    pids=$(for i in $ids; do cat "$VMDIR/instances/$i/pid"; done)
    taps=$(for i in $ids; do sed -n "s/^tap=//p" "$VMDIR/instances/$i/meta"; done)
    net=$(cat "$VMDIR/clusters/$NAME/subnet")
    "$GF" cloud down -c cluster.yml &&
    test -z "$(vm_ids)" &&
    for p in $pids; do ! alive "$p" || exit 9; done &&
    for t in $taps; do ! ip link show "$t" >/dev/null 2>&1 || exit 9; done &&
    ! ip link show "gfvm$net" >/dev/null 2>&1 &&
    for i in $ids; do test ! -e "$VMDIR/instances/$i" || exit 9; done &&
    test ! -e "$VMDIR/clusters/$NAME" &&
    test ! -e state
'

test_done
