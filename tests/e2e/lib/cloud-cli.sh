# cloud-cli.sh - the life cycle of a cloud plugin that drives a provider's
# real command-line tool (aws, gcloud) against tests/cloud/fake-endpoint on
# 127.0.0.1; sourced by t0810-cloud-aws.sh and t0811-cloud-gcp.sh after
# test-lib.sh, with PROVIDER (aws | gcp) set.
#
# Part 1 runs every command in a network namespace of its own that has only
# a loopback interface (unshare -n), with a fresh fake endpoint on
# 127.0.0.1:8080 that reloads the "cloud" from its state directory: nothing
# can leave the machine. It checks validate, up, the exact requests (types,
# image, tags, spot, GPUs, GCE's onHostMaintenance TERMINATE, user-data with
# the controller's host key), a killed up run again without duplicates,
# status, down, and down after a partial up.
# Part 2 backs the fake instances with testbed nodes (the endpoint applies
# the user-data's user and host key inside them) and goes from up through
# SSH (the host keys cross-checked against the console, and a console that
# reports another key refused) to `gpuforge ping` and a playbook with
# become, then down.
# shellcheck shell=sh

GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
PLUGINS=$TEST_DIR/../../engine/cloud/plugins
ENDPOINT=$TEST_DIR/../cloud/fake-endpoint
FE=$TEST_TMP/fe
NAME=t081-$PROVIDER-$$
export GPUFORGE_CLOUD_PLUGIN_PATH="$PLUGINS"

case $PROVIDER in
aws) CLI=aws ;;
gcp) CLI=gcloud ;;
esac
for t in "$CLI" jq python3 unshare; do
    command -v "$t" >/dev/null 2>&1 || test_skip_all "no $t here (tests/deps.sh)"
done
if ! unshare -n true 2>/dev/null; then
    test_skip_all "cannot make a network namespace (unshare -n): root is needed"
fi

# The environment that points the CLI at the endpoint on 127.0.0.1:$1 and
# keeps it off everything else: no user configuration, no metadata server,
# a dead proxy for any other address.
cli_env() {
    export HTTP_PROXY=http://127.0.0.1:9 HTTPS_PROXY=http://127.0.0.1:9
    export http_proxy="$HTTP_PROXY" https_proxy="$HTTPS_PROXY"
    export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
    case $PROVIDER in
    aws)
        export GPUFORGE_AWS_ENDPOINT_URL="http://127.0.0.1:$1"
        export AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKEFAKE AWS_SECRET_ACCESS_KEY=fake-secret-for-a-fake-cloud
        export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null
        export AWS_EC2_METADATA_DISABLED=true
        ;;
    gcp)
        export CLOUDSDK_API_ENDPOINT_OVERRIDES_COMPUTE="http://127.0.0.1:$1/compute/v1/"
        export CLOUDSDK_CONFIG="$TEST_TMP/gcloud-config"
        export CLOUDSDK_CORE_PROJECT=gf-fake-project CLOUDSDK_AUTH_DISABLE_CREDENTIALS=true
        export CLOUDSDK_CORE_DISABLE_USAGE_REPORTING=true CLOUDSDK_CORE_CHECK_GCE_METADATA=false
        export CLOUDSDK_COMPONENT_MANAGER_DISABLE_UPDATE_CHECK=true
        export GCE_METADATA_HOST=127.0.0.1:9 GCE_METADATA_IP=127.0.0.1:9
        ;;
    esac
}

# offline CMD...: CMD in a network namespace with only loopback, with the
# fake endpoint (state in $FE) on 127.0.0.1:8080 for as long as CMD runs
offline() {
    unshare -n sh -c '
        ip link set lo up || exit 125
        rm -f "$FE/port"
        python3 "$ENDPOINT" --dir "$FE" --port 8080 2>>"$FE/endpoint.log" &
        ep=$!
        n=0
        while [ ! -s "$FE/port" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
        "$@"; rc=$?
        kill $ep; wait $ep 2>/dev/null
        exit $rc' offline "$@"
}
export FE ENDPOINT

# Live instances of cluster ${1:-$NAME} in the fake cloud, one line each: NAME ID
live() {
    case $PROVIDER in
    aws) jq -r --arg c "${1:-$NAME}" '.ec2[] | select(.tags["gpuforge-cluster"] == $c)
                | select(.state != "terminated" and .state != "shutting-down")
                | "\(.tags.Name) \(.id)"' "$FE/state.json" ;;
    gcp) jq -r --arg c "${1:-$NAME}" '.gce[] | select(.resource.labels["gpuforge-cluster"] == $c)
                | select(.deleted | not) | "\(.name) \(.zone)/\(.name)"' "$FE/state.json" ;;
    esac | sort
}

# Another cluster's instance whose name and tag begin like this cluster's:
# nothing of this cluster's life cycle may list, adopt or remove it.
FOREIGN=$NAME-x
foreign_instance() {
    jq -n --arg c "$FOREIGN" --arg n "$FOREIGN-master-1" '{seq: 100, tokens: {},
        ec2: {"i-0000000000f0f0f0f": {id: "i-0000000000f0f0f0f", reservation: "r-0f0f0f0f",
            token: "other", image: "ami-0deb12bbbbbbbbbb2", type: "t3.medium", state: "running",
            polls: 2, spot: false, launch: "2024-01-01T00:00:00.000Z", private: "172.31.9.9",
            address: "10.214.251.250", public: "10.214.251.250",
            tags: {"gpuforge-cluster": $c, Name: $n}}},
        gce: {("gf-fake-project/us-central1-a/" + $n): {id: "7000000000000000999", name: $n,
            project: "gf-fake-project", zone: "us-central1-a", status: "RUNNING", polls: 2,
            deleted: false, created: "2024-01-01T00:00:00.000-00:00", private: "10.128.9.9",
            address: "10.214.251.250", resource: {labels: {"gpuforge-cluster": $c}}}}}'
}

# The fake's record of node $1 (the last one made under that name)
made() {
    case $PROVIDER in
    aws) jq -c --arg n "$1" '[.ec2[] | select(.tags.Name == $n)] | last' "$FE/state.json" ;;
    gcp) jq -c --arg n "$1" '[.gce[] | select(.name == $n)] | last' "$FE/state.json" ;;
    esac
}

# The user-data the fake received for node $1
user_data_of() {
    case $PROVIDER in
    aws) made "$1" | jq -r .user_data ;;
    gcp) made "$1" | jq -r '.resource.metadata.items[] | select(.key == "user-data") | .value' ;;
    esac
}

# Requests that would make something
creates() {
    jq -c 'select(.action == "RunInstances" or (.method // "") == "POST"
           or .action == "TerminateInstances" or (.method // "") == "DELETE")' \
        "$FE/requests.jsonl" 2>/dev/null
}

case $PROVIDER in
aws)
    REGION=us-east-1
    GPU_POOL='instance_type: s, instance_gpu: t4, spot: true, spot_price: 0.4'
    ;;
gcp)
    REGION=us-central1
    GPU_POOL='instance_type: l, instance_gpu: t4, spot: true'
    ;;
esac
cat >cluster.yml <<EOF
name: $NAME
plugin: $PROVIDER
region: $REGION
state: state
labels: {team: ml}
disk_gb: 40
master: {count: 1, instance_type: s}
pools:
  - {pool: gpu, count: 1, $GPU_POOL}
EOF
mkdir -p "$FE"
foreign_instance >"$FE/state.json"
cli_env 8080

test_begin "cloud $PROVIDER: the real $CLI against a fake endpoint on 127.0.0.1"

expect_success 'validate asks the provider and creates nothing' '
    offline "$GF" cloud validate -c cluster.yml &&
    test -s "$FE/requests.jsonl" &&
    test -z "$(creates)" &&
    jq -r .agent "$FE/requests.jsonl" | sort -u >agents && cat agents &&
    case $PROVIDER in
    aws) grep -qx "aws-cli/[0-9.]*" agents ;;
    gcp) grep -qx "google-cloud-sdk gcloud/[0-9.]*" agents ;;
    esac &&
    test "$(wc -l <agents)" = 1
'

expect_code 4 'a value the provider refuses is shown at its line' '
    case $PROVIDER in
    aws) sed "s/master: {count: 1, instance_type: s}/master: {count: 1, instance_type: x9.huge}/" \
            cluster.yml >bad.yml; want="bad.yml:7:.*master.instance_type.*x9.huge" ;;
    gcp) sed "s/instance_gpu: t4/instance_gpu: nvidia-tesla-p100/" cluster.yml >bad.yml
         want="bad.yml:9:.*no zone of us-central1 offers nvidia-tesla-p100" ;;
    esac
    offline "$GF" cloud validate -c bad.yml 2>err; rc=$?
    cat err
    grep -q "$want" err || exit 9
    test -z "$(creates)" || exit 9
    exit $rc
'

expect_success 'up killed after the first instance leaves an intent record' '
    cat >killup.sh <<EOS
"$GF" cloud up -c cluster.yml --wait 0 >up1.out 2>&1 &
up=\$!
n=0
while ! grep -q "$NAME-master-1" "$FE/state.json" && [ \$n -lt 1200 ]; do
    sleep 0.1; n=\$((n + 1))
done
kill \$up
wait \$up
sleep 3 # a create the killed up had under way ends here, or fails
EOS
    offline sh killup.sh
    cat up1.out
    ! grep -q "node(s) up" up1.out &&
    grep -q "\"intent\"\|\"created\"" state/state.json &&
    test -n "$(live)"
'

expect_success 'up again converges: one instance per node, no duplicate' '
    offline "$GF" cloud up -c cluster.yml --wait 0 >up2.out 2>&1; rc=$?
    cat up2.out; live
    test $rc = 0 &&
    grep -q "^$NAME-master-1 .*exists" up2.out &&
    test "$(live | cut -d" " -f1 | tr "\n" " ")" = "$NAME-gpu-1 $NAME-master-1 " &&
    test "$(jq -r "[.nodes[] | select(.status == \"created\")] | length" state/state.json)" = 2
'

expect_success 'the instances are what the spec asks, tagged from the start' '
    m=$(made "$NAME-master-1"); g=$(made "$NAME-gpu-1")
    printf "%s\n" "$m" | jq "del(.user_data)"; printf "%s\n" "$g" | jq "del(.user_data)"
    case $PROVIDER in
    aws)
        printf "%s\n" "$m" | jq -e ".type == \"t3.medium\" and (.spot | not) and .disk_gb == 40
            and .image == \"ami-0deb12bbbbbbbbbb2\"
            and .tags == {\"gpuforge-cluster\": \"$NAME\", Name: \"$NAME-master-1\", team: \"ml\",
                          \"gpuforge-user\": \"gpuforge\", \"gpuforge-role\": \"master\"}" &&
        printf "%s\n" "$g" | jq -e ".type == \"g4dn.xlarge\" and .spot and .spot_price == \"0.4\"
            and .tags[\"gpuforge-pool\"] == \"gpu\" and .tags[\"gpuforge-cluster\"] == \"$NAME\"" &&
        tok=$(jq -r ".nodes[] | select(.name == \"$NAME-gpu-1\") | .token" state/state.json) &&
        printf "%s\n" "$g" | jq -e ".token == \"$tok\"" &&
        grep "\"RunInstances\"" "$FE/requests.jsonl" | grep "$NAME-gpu-1" | head -n 1 | jq -e "
            .params[\"InstanceMarketOptions.SpotOptions.SpotInstanceType\"] == \"one-time\"
            and .params[\"BlockDeviceMapping.1.Ebs.DeleteOnTermination\"] == \"true\"
            and .params[\"TagSpecification.2.ResourceType\"] == \"volume\""
        ;;
    gcp)
        printf "%s\n" "$m" | jq -e ".zone == \"us-central1-a\"
            and (.resource.machineType | endswith(\"/zones/us-central1-a/machineTypes/e2-standard-2\"))
            and .resource.labels == {\"gpuforge-cluster\": \"$NAME\", team: \"ml\",
                \"gpuforge-user\": \"gpuforge\", \"gpuforge-role\": \"master\"}
            and (.resource.guestAccelerators | not)
            and .resource.disks[0].initializeParams.diskSizeGb == \"40\"
            and .resource.disks[0].autoDelete
            and (.resource.disks[0].initializeParams.sourceImage
                 | endswith(\"/projects/debian-cloud/zones/-/imageFamilyViews/debian-12\"))" &&
        printf "%s\n" "$g" | jq -e ".zone == \"us-central1-b\"
            and (.resource.machineType | endswith(\"/machineTypes/n1-standard-16\"))
            and .resource.guestAccelerators[0].acceleratorCount == 2
            and (.resource.guestAccelerators[0].acceleratorType | endswith(\"/nvidia-tesla-t4\"))
            and .resource.scheduling.onHostMaintenance == \"TERMINATE\"
            and .resource.scheduling.provisioningModel == \"SPOT\"
            and .resource.scheduling.instanceTerminationAction == \"DELETE\"
            and .resource.labels[\"gpuforge-pool\"] == \"gpu\""
        ;;
    esac
'

expect_success 'user-data is cloud-init with the host key the controller made' '
    for n in "$NAME-master-1" "$NAME-gpu-1"; do
        user_data_of "$n" >ud.$n
        head -n 1 ud.$n | grep -qx "#cloud-config" || exit 9
        pub=$(cut -d" " -f1,2 "state/hostkeys/${n}_ed25519.pub")
        user=$(cut -d" " -f1,2 state/id_ed25519.pub)
        tail -n +2 ud.$n | jq -e --arg p "$pub" --arg u "$user" \
            "(.ssh_keys.ed25519_public | startswith(\$p)) and .ssh_genkeytypes == []
             and .ssh_deletekeys and (.users[0].ssh_authorized_keys[0] | startswith(\$u))" \
            >/dev/null || exit 9
        grep -qF "$pub" state/known_hosts || exit 9
    done
    ! grep -rq "PRIVATE KEY" "$FE/requests.jsonl"
'

expect_success 'status lists both nodes running' '
    offline "$GF" cloud status -c cluster.yml >st; rc=$?
    cat st
    test $rc = 0 &&
    grep -q "^$NAME-master-1 .* running .*10\.214\." st &&
    grep -q "^$NAME-gpu-1 .* running .*10\.214\." st
'

expect_success 'down removes every instance and the state, site.yml'"'"'s kubeconfig and token too' '
    echo "apiVersion: v1" >state/kubeconfig-gpuforge.yaml &&
    echo "K10::server:x" >state/.gpuforge-gpuforge-token &&
    offline "$GF" cloud down -c cluster.yml &&
    test -z "$(live)" &&
    test ! -e state
'

expect_success 'another cluster with a name this one begins is left alone' '
    test "$(live "$FOREIGN" | cut -d" " -f1)" = "$FOREIGN-master-1" &&
    ! grep -q "$FOREIGN" up2.out st &&
    ! jq -r ".nodes[].id" state/state.json 2>/dev/null | grep -q "f0f0f0f\|$FOREIGN"
'

expect_success 'down after a partial up removes what the up made' '
    echo "$NAME-gpu-1" >"$FE/fail-create"
    offline "$GF" cloud up -c cluster.yml --wait 0 >up3.out 2>&1; rc=$?
    rm -f "$FE/fail-create"
    cat up3.out
    test $rc != 0 &&
    grep -q "pools\[0\]: .*(plugin .$PROVIDER., quota)" up3.out &&
    test "$(live | cut -d" " -f1)" = "$NAME-master-1" &&
    offline "$GF" cloud down -c cluster.yml &&
    test -z "$(live)" &&
    test ! -e state
'

# ---- part 2: instances backed by testbed nodes ---------------------------------------------------
FE=$TEST_TMP/fe2
mkdir -p "$FE"
expect_success 'testbed nodes to back the instances' '
    tb_up 2
'
python3 "$ENDPOINT" --dir "$FE" --backing "$TB" 2>"$FE/endpoint.log" &
EP=$!
n=0
while [ ! -s "$FE/port" ] && [ $n -lt 100 ]; do sleep 0.1; n=$((n + 1)); done
cli_env "$(cat "$FE/port")"
trap '_rc=$?; kill $EP 2>/dev/null; (exit $_rc); _test_cleanup' EXIT
trap 'echo "# interrupted" >&5; kill $EP 2>/dev/null; (exit 130); _test_cleanup' INT
trap 'echo "# terminated" >&5; kill $EP 2>/dev/null; (exit 143); _test_cleanup' TERM

expect_success 'up reaches the nodes over SSH with the host keys it made' '
    "$GF" cloud up -c cluster.yml --wait 120 >up4.out 2>&1; rc=$?
    cat up4.out
    test $rc = 0 &&
    grep -q "^$NAME-master-1 .*ssh up at 10\.213\." up4.out &&
    grep -q "^$NAME-gpu-1 .*ssh up at 10\.213\." up4.out &&
    grep -q "^$NAME-master-1 .*host key matches the provider.s report" up4.out &&
    grep -q "^$NAME-gpu-1 .*host key matches the provider.s report" up4.out &&
    addr=$(jq -r ".nodes[0].address" state/state.json) &&
    ssh -F /dev/null -i state/id_ed25519 -o UserKnownHostsFile=state/known_hosts \
        -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=10 \
        "gpuforge@$addr" true
'

expect_code 2 'a console that reports another host key: up refuses, naming the node' '
    echo "$NAME-gpu-1" >"$FE/wrong-host-key"
    "$GF" cloud up -c cluster.yml --wait 120 >up5.out 2>&1; rc=$?
    rm -f "$FE/wrong-host-key"
    cat up5.out
    grep -q "^$NAME-master-1 .*host key matches the provider.s report" up5.out &&
    grep -q "node .$NAME-gpu-1. (.*): refused: its host key as the provider reports it is not the one gpuforge made" up5.out &&
    grep -q "host_key_mismatch" up5.out && ! grep -q "node(s) up" up5.out || exit 9
    exit $rc
'

expect_success 'gpuforge ping and a playbook with become through the generated inventory' '
    "$GF" ping -i state/inventory.yml &&
    cat >pb.yml <<EOB &&
- hosts: all
  tasks:
    - ansible.builtin.command: id -u
      become: true
      register: r
    - ansible.builtin.assert:
        that: r.stdout == "0"
- hosts: worker
  tasks:
    - ansible.builtin.assert:
        that: has_gpu and pool == "gpu"
EOB
    "$GF" run -i state/inventory.yml pb.yml
'

expect_success 'down releases the instances' '
    "$GF" cloud down -c cluster.yml &&
    test -z "$(live)" &&
    test ! -e state
'

test_done
