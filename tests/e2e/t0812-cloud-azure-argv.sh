#!/bin/sh
# t0812-cloud-azure-argv: the azure cloud plugin against a RECORDED-ARGV
# stand-in for `az` (tests/cloud/argv-az/az), not against Azure nor the real
# az: neither an Azure endpoint nor an emulator of its API can be reached
# here. It checks the command lines the plugin runs (the OS disk and NIC
# deleted with the VM, spot, sizes from the tables, tags, custom-data from
# a file, no secret in any argument) through gpuforge's life cycle:
# validate, an up stopped by a capacity error, up again without duplicates,
# status, down (the resource group goes with the last VM).
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
export GPUFORGE_CLOUD_PLUGIN_PATH="$TEST_DIR/../../engine/cloud/plugins"
export PATH="$TEST_DIR/../cloud/argv-az:$PATH"
export GF_AZ_DIR="$TEST_TMP/az"
NAME=t0812-$$

test_begin "cloud azure: the plugin's az command lines (recorded argv, no Azure)"
command -v jq >/dev/null 2>&1 || test_skip_all "no jq (tests/deps.sh)"
cat >cluster.yml <<EOB
name: $NAME
plugin: azure
region: eu-west
state: state
labels: {team: ml}
disk_gb: 40
master: {count: 1, instance_type: s}
pools:
  - {pool: gpu, count: 1, instance_type: s, instance_gpu: t4, spot: true, spot_price: 0.4}
EOB

# the recorded calls whose first two words are $1 $2
calls() {
    jq -c --arg a "$1" --arg b "$2" 'select(.[0] == $a and .[1] == $b)' "$GF_AZ_DIR/argv.jsonl"
}

expect_success 'validate checks account and sizes and creates nothing' '
    "$GF" cloud validate -c cluster.yml &&
    test -n "$(calls account show)" &&
    calls vm list-skus | grep -q "\"westeurope\"" &&
    test -z "$(calls group create)$(calls vm create)"
'

expect_success 'an up stopped by a capacity error leaves the master, tagged' '
    echo "$NAME-gpu-1" >"$GF_AZ_DIR/fail-create"
    "$GF" cloud up -c cluster.yml --wait 0 >up1.out 2>&1; rc=$?
    rm "$GF_AZ_DIR/fail-create"
    cat up1.out
    test $rc != 0 &&
    grep -q "AllocationFailed.*(plugin .azure., quota)" up1.out &&
    ls "$GF_AZ_DIR/groups/gpuforge-$NAME/vms/" | grep -qx "$NAME-master-1.json" &&
    test "$(ls "$GF_AZ_DIR/groups/gpuforge-$NAME/vms/" | grep -c "\.json$")" = 1
'

expect_success 'up again converges: the master adopted, one VM per node' '
    "$GF" cloud up -c cluster.yml --wait 0 >up2.out 2>&1; rc=$?
    cat up2.out
    test $rc = 0 &&
    grep -q "^$NAME-master-1 .*exists" up2.out &&
    test "$(ls "$GF_AZ_DIR/groups/gpuforge-$NAME/vms/" | grep -c "\.json$")" = 2 &&
    test "$(calls vm create | jq -r ".[index(\"--name\") + 1]" | sort | uniq -c | awk "{print \$1}" | tr "\n" " ")" = "2 1 "
'

expect_success 'vm create: disk and NIC deleted with the VM, spot, size, tags' '
    calls vm create | tail -n 1 >gpu.argv && cat gpu.argv &&
    jq -e "
        def arg(o): .[index(o) + 1];
        arg(\"--name\") == \"$NAME-gpu-1\" and arg(\"--size\") == \"Standard_NC4as_T4_v3\"
        and arg(\"--location\") == \"westeurope\" and arg(\"--resource-group\") == \"gpuforge-$NAME\"
        and arg(\"--os-disk-delete-option\") == \"Delete\" and arg(\"--nic-delete-option\") == \"Delete\"
        and arg(\"--priority\") == \"Spot\" and arg(\"--max-price\") == \"0.4\"
        and arg(\"--eviction-policy\") == \"Delete\" and arg(\"--os-disk-size-gb\") == \"40\"
        and arg(\"--image\") == \"Debian:debian-12:12-gen2:latest\"
        and index(\"gpuforge-cluster=$NAME\") != null and index(\"team=ml\") != null
        and index(\"gpuforge-pool=gpu\") != null" gpu.argv &&
    calls vm create | head -n 1 | jq -e "index(\"--priority\") == null and
        .[index(\"--size\") + 1] == \"Standard_F2s_v2\""
'

expect_success 'custom-data carries the controller-made host key, argv no secret' '
    cd=$GF_AZ_DIR/groups/gpuforge-$NAME/vms/$NAME-gpu-1.custom-data
    head -n 1 "$cd" | grep -qx "#cloud-config" &&
    grep -qF "$(cut -d" " -f2 "state/hostkeys/$NAME-gpu-1_ed25519.pub")" "$cd" &&
    grep -q "ed25519_private" "$cd" &&
    ! grep -q "PRIVATE KEY" "$GF_AZ_DIR/argv.jsonl" &&
    jq -r ".[index(\"--ssh-key-values\") + 1]" gpu.argv | grep -q "^/"
'

expect_success 'status lists both VMs running' '
    "$GF" cloud status -c cluster.yml >st && cat st &&
    grep -q "^$NAME-master-1 .* running .*10\.214\.252\." st &&
    grep -q "^$NAME-gpu-1 .* running .*10\.214\.252\." st
'

expect_success 'down deletes the VMs, then the resource group with what is left' '
    "$GF" cloud down -c cluster.yml &&
    test -n "$(calls vm delete)" &&
    calls group delete | grep -q "gpuforge-$NAME" &&
    test ! -e "$GF_AZ_DIR/groups/gpuforge-$NAME" &&
    test ! -e state
'

# The real az, when installed (Debian: azure-cli), parses each kind of
# command line the plugin ran: without a login and without a network it
# must stop at "az login" (exit 1), not at its argument parser (exit 2).
# Debian 12's azure-cli 2.45 cannot load some API versions of its own SDK
# (`vm list`, `vm show`): those are reported as not checked.
REAL_AZ=$(PATH=${PATH#*:} command -v az || true)
if [ -n "$REAL_AZ" ] && unshare -n true 2>/dev/null; then
expect_success 'the real az parses every kind of command line the plugin ran' '
    ssh-keygen -q -t ed25519 -N "" -f user -C replay && mv user.pub user.pub.tmp &&
    mv user.pub.tmp user.pub
    printf "#cloud-config\n{}\n" >custom-data
    jq -c --arg k "$PWD/user.pub" --arg d "$PWD/custom-data" "
        (index(\"--ssh-key-values\") // -9) as \$i | (index(\"--custom-data\") // -9) as \$j
        | to_entries | map(if .key == \$i + 1 then \$k elif .key == \$j + 1 then \$d
                           else .value end)" "$GF_AZ_DIR/argv.jsonl" |
        jq -sc "group_by(.[0:2]) | map(last) | .[]" >replay.jsonl
    wc -l <replay.jsonl
    unshare -n sh -c "
        ip link set lo up
        export AZURE_CONFIG_DIR=\"$PWD/azure-config\" AZURE_CORE_COLLECT_TELEMETRY=false
        while read -r line; do
            printf \"%s\\n\" \"\$line\" | jq -r \".[]\" >args
            set --
            while IFS= read -r a; do set -- \"\$@\" \"\$a\"; done <args
            \"$REAL_AZ\" \"\$@\" >out 2>&1 </dev/null; rc=\$?
            echo \"\$rc \$1 \$2\"
            if grep -q \"^ModuleNotFoundError: No module named .azure\\.mgmt\" out; then
                # Debian 12 azure-cli 2.45 lacks API versions of its own SDK
                echo \"  not checked: this az cannot load its own SDK for \$1 \$2\"
                continue
            fi
            [ \$rc = 1 ] && grep -q \"az login\" out || { cat out; exit 1; }
        done <replay.jsonl"
'
fi

test_done
