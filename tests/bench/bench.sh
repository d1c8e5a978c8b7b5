#!/bin/bash
# bench.sh - gpuforge's benchmarks against the tools it replaces. Entry point of `make bench`.
#
#   tests/bench/bench.sh [--quick] [--sections "P1 P2 P3 P4"] [--reps N]
#   make bench            full run (5 alternating repetitions of every comparison)
#   make bench QUICK=1    a few-minute version (see QUICK below)
#
# Boots its own hosts, runs every comparison with alternating repetitions (the order of the
# tools rotates from one repetition to the next), and writes under tests/bench/results/RUN/:
#   raw.tsv       one row per measured run (every metric gfb-measure reports)
#   summary.tsv   one row per (section, N, tool): medians, minima, maxima, per-host figures
#   summary.json  the same, plus the machine, the versions and the settings
#   table.txt     the table printed at the end; table.md the same in Markdown (for README)
#   env.txt       machine, versions, exact settings, negotiated algorithms
#   logs/         stdout/stderr of every run
# tests/bench/results/latest points at the newest RUN.
#
# Sections (each a function below):
#   P1  fan-out: `true` on N hosts (default tb:8 light:64 light:256); gpuforge exec and ping
#       against pdsh -R ssh, parallel-ssh (pssh), clush and `ansible -m raw` (best config and
#       defaults). tb:N = N nspawn testbed nodes (real Debian nodes, tests/testbed/testbed);
#       light:N = N sshd listeners on loopback addresses (tests/bench/lighthosts.sh).
#   P2  playbook run: tests/bench/p2.yml (20 tasks), cold (a new target directory each run)
#       and warm (converged), on tb:8 and light:64 (QUICK: tb:8; BENCH_P2); gpuforge run, with
#       a channel per command (GPUFORGE_FRAMED=0) and the framed shell (the default), against
#       ansible-playbook (best config and defaults) and Ansible with Mitogen (Debian's
#       ansible-mitogen: strategy mitogen_linear, forks N). BENCH_P2_TOOLS picks among
#       gf-run gf-run-framed ansible-pb-best ansible-pb-default ansible-pb-mitogen.
#   P2B the same with become (-b on every tool's command line): every task through sudo.
#   P3  bundle push: a 256 MB bundle (QUICK 64; BENCH_P3_MB) to 8 testbed nodes
#       (BENCH_P3_NODES), every node's link and the controller's uplink capped at 200mbit
#       (BENCH_P3_RATE), chain against star (BENCH_P3_TOPOLOGIES), REPS runs after a warm-up.
#   P4  scale: gpuforge ping with bounded fan-out on 250, 500, 1000 light hosts: controller
#       peak RSS (total and per host), open fds, threads, time to first and last result.
#
# Environment: QUICK=1; BENCH_SECTIONS; BENCH_REPS (default 5, QUICK 3); BENCH_P1 (sizes,
# default "tb:8 light:64 light:256"); BENCH_P4 (default "250 500 1000"); BENCH_P4_FORKS
# (default "50 200", QUICK "50"); BENCH_TOOLS (default all of gf-exec gf-ping pdsh pssh clush
# ansible-best ansible-default); GPUFORGE (binary, default ./gpuforge, copied before use);
# BENCH_RESULTS (default tests/bench/results); BENCH_RUN_TIMEOUT (s per run, default 300);
# BENCH_KEEP=1 keeps the scratch directory. Needs root (testbed, sshd as root, cgroups).
set -u

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
QUICK=${QUICK:-0}
SECTIONS=${BENCH_SECTIONS:-P1 P2 P2B P3 P4}
REPS=${BENCH_REPS:-}
while [ $# -gt 0 ]; do
    case $1 in
        --quick) QUICK=1 ;;
        --sections) SECTIONS=$2; shift ;;
        --reps) REPS=$2; shift ;;
        -h|--help) sed -n '2,/^set -u/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 0 ;;
        *) echo "bench: unknown argument $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done
[ "$QUICK" = 1 ] || QUICK=0
if [ -z "$REPS" ]; then
    if [ "$QUICK" = 1 ]; then REPS=3; else REPS=5; fi
fi
P1_SIZES=${BENCH_P1:-tb:8 light:64 light:256}
P4_SIZES=${BENCH_P4:-250 500 1000}
if [ "$QUICK" = 1 ]; then P4_FORKS=${BENCH_P4_FORKS:-50}; P4_REPS=1
else P4_FORKS=${BENCH_P4_FORKS:-50 200}; P4_REPS=$REPS; fi
TOOLS=${BENCH_TOOLS:-gf-exec gf-ping pdsh pssh clush ansible-best ansible-default}
RUN_TIMEOUT=${BENCH_RUN_TIMEOUT:-300}
GF_SRC=${GPUFORGE:-$ROOT/gpuforge}
RESULTS=${BENCH_RESULTS:-$HERE/results}
TESTBED=$ROOT/tests/testbed/testbed
LIGHT=$HERE/lighthosts.sh

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

[ "$(id -u)" = 0 ] || die "run as root: the testbed, the light hosts' sshd and cgroups need it"
[ -x "$GF_SRC" ] || die "no gpuforge binary at $GF_SRC (run make first)"
for c in cc ssh ssh-keygen /usr/sbin/sshd python3; do
    command -v "$c" > /dev/null || die "$c not found: run make deps"
done

WORK=$(mktemp -d /tmp/gfbench.XXXXXX) || die "mktemp"
STAMP=$(date +%Y%m%d-%H%M%S)
OUT=$RESULTS/$STAMP
mkdir -p "$OUT/logs" "$OUT/settings" || die "cannot create $OUT"
LIGHT_DIRS=()
TB_DIRS=()
P2_BECOME=()

cleanup() {
    local d
    trap - EXIT INT TERM HUP
    for d in "${LIGHT_DIRS[@]}"; do "$LIGHT" down "$d"; done
    for d in "${TB_DIRS[@]}"; do "$TESTBED" down --dir "$d" > /dev/null 2>&1; done
    if [ "${BENCH_KEEP:-0}" = 1 ]; then say "scratch directory kept: $WORK"
    else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT TERM HUP

# Our own copy of the binary, so that a rebuild of ./gpuforge during the run changes nothing.
GF=$WORK/gpuforge
cp "$GF_SRC" "$GF" || die "cannot copy $GF_SRC"
MEASURE=$WORK/gfb-measure
cc -O2 -Wall -o "$MEASURE" "$HERE/measure.c" || die "cannot build measure.c"

have() { command -v "$1" > /dev/null 2>&1; }
tool_available() {
    case $1 in
        gf-*) return 0 ;;
        pdsh) have pdsh ;;
        pssh) have parallel-ssh ;;
        clush) have clush ;;
        ansible-pb-mitogen) have ansible-playbook && [ -n "$(mitogen_strategies)" ] ;;
        ansible-*) have ansible ;;
    esac
}

# The directory of Mitogen's strategy plugins (Debian's ansible-mitogen), or nothing; asked
# of the Python that runs ansible-playbook (python3 on PATH may be another one).
mitogen_strategies() {
    local py
    have ansible-playbook || return 0
    py=$(sed -n '1s/^#! *\([^ ]*\).*/\1/p' "$(command -v ansible-playbook)")
    "${py:-python3}" -c 'import os, ansible_mitogen.plugins.strategy as s
print(os.path.dirname(s.__file__))' 2> /dev/null
}

RAW=$OUT/raw.tsv
printf 'section\tkind\tn\ttool\tforks\trep\tok\trc\ttimed_out\twall_s\tuser_s\tsys_s\tmaxrss_kb\tcg_cpu_s\tcg_mem_peak_kb\tlines\tfirst_line_s\tlast_line_s\tmax_fds\tmax_threads\tmax_rss_kb\tsrv_cpu_s\tsys_busy_s\tload1\n' > "$RAW"

# ---- environment: machine, versions, settings ------------------------------------------
pkgver() { dpkg-query -W -f='${Version}' "$1" 2>/dev/null || echo "not installed"; }
{
    echo "run: $STAMP  quick=$QUICK reps=$REPS sections='$SECTIONS'"
    echo "machine: $(nproc) CPUs (nproc), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), kernel $(uname -r), $(awk '/MemTotal/ {printf "%.1f GiB RAM", $2/1048576}' /proc/meminfo)"
    echo "os: $(sed -n 's/^PRETTY_NAME="\{0,1\}\([^"]*\)"\{0,1\}$/\1/p' /etc/os-release)"
    echo "load at start: $(cut -d' ' -f1-3 /proc/loadavg)"
    echo "gpuforge: $("$GF" --version 2>&1) ($(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD -- engine 2>/dev/null || echo ', engine/ has uncommitted changes')), libssh $(pkgver libssh-4)"
    echo "openssh: client $(pkgver openssh-client), server $(pkgver openssh-server) ($(ssh -V 2>&1))"
    echo "pdsh: $(pkgver pdsh) ($(pdsh -V 2>&1 | head -1))"
    echo "pssh: $(pkgver pssh) (parallel-ssh $(parallel-ssh --version 2>&1 | head -1))"
    echo "clustershell: $(pkgver clustershell) ($(clush --version 2>&1 | head -1))"
    echo "ansible-core: $(pkgver ansible-core) ($(ansible --version 2>/dev/null | head -1)), python $(python3 -c 'import sys; print(sys.version.split()[0])')"
    echo "ansible-mitogen: $(pkgver ansible-mitogen) (strategy plugins: $(mitogen_strategies))"
    echo "settings: every sshd accepts only ssh-ed25519 host/user keys, curve25519-sha256 and chacha20-poly1305@openssh.com, so every client (gpuforge's libssh included) negotiates exactly these; ed25519 user key; populated known_hosts, strict checking; fan-out = N for every tool; connect timeouts 60 s"
    echo "settings: OpenSSH peers get -F /dev/null BatchMode IdentitiesOnly UpdateHostKeys=no and the pinned algorithms (settings/commands.txt); ansible best = forks N, pipelining, ControlPersist=60s (no -C); ansible defaults = forks 5, ansible's default ssh_args (-C, ControlPersist=60s); ansible mitogen = ansible best plus strategy mitogen_linear (one Python interpreter per host and become user for the whole run, over Mitogen's own ssh connection with the same ssh_args); ControlPersist masters are killed after every run (no connection reused across runs)"
    echo "settings: light hosts = OpenSSH sshd as root, 16 loopback addresses per daemon, MaxStartups 1000:30:2000, UsePAM no, sshd re-exec on, SetEnv SHLVL=1 (bash skips ~/.bashrc); testbed nodes = Debian bookworm nspawn, UsePAM yes, user gf"
} > "$OUT/env.txt"
cat "$OUT/env.txt" >&2

# ---- host sets --------------------------------------------------------------------------
# A host set is a directory with: inventory.ini (ansible_host/ansible_port, ansible_user and
# ansible_ssh_private_key_file under [all:vars]), hosts.txt ("ADDR PORT NAME"), known_hosts,
# id_ed25519, user, port, and srv_cpu (the servers' CPU counter) where it can be measured.

# light_set N DIR: N light hosts
light_set() {
    "$LIGHT" up "$1" "$2" >&2 || die "light hosts did not start"
    LIGHT_DIRS+=("$2")
    echo root > "$2/user"
    head -1 "$2/hosts.txt" | cut -d' ' -f2 > "$2/port"
}

# Pins the algorithms of every node's sshd the way the light hosts are pinned.
PIN_CONF='# gpuforge benchmark: the same algorithms on every side
HostKeyAlgorithms ssh-ed25519
PubkeyAcceptedAlgorithms ssh-ed25519
KexAlgorithms curve25519-sha256
Ciphers chacha20-poly1305@openssh.com
MACs hmac-sha2-256-etm@openssh.com'

# tb_set N DIR: N nspawn testbed nodes (user gf, port 22, UsePAM yes: real Debian nodes)
tb_set() {
    local n=$1 dir=$2 tb=$2/tb k name addr
    mkdir -p "$dir"
    TB_DIRS+=("$tb")
    "$TESTBED" up --nodes "$n" --dir "$tb" >&2 || die "testbed did not come up"
    for ((k = 1; k <= n; k++)); do
        "$TESTBED" exec --dir "$tb" "node$k" sh -c \
            "printf '%s\n' '$PIN_CONF' > /etc/ssh/sshd_config.d/50-gfbench.conf && sshd -t && systemctl reload ssh" \
            >&2 || die "cannot pin sshd algorithms on node$k"
    done
    cp "$tb/id_ed25519" "$tb/known_hosts" "$dir/"
    echo gf > "$dir/user"; echo 22 > "$dir/port"
    : > "$dir/hosts.txt"
    { echo "# gpuforge benchmark: $n testbed nodes"; echo "[tb]"; } > "$dir/inventory.ini"
    while read -r name addr; do
        echo "$addr 22 $name" >> "$dir/hosts.txt"
        echo "$name ansible_host=$addr ansible_port=22" >> "$dir/inventory.ini"
    done < <(sed -n 's/^\(node[0-9]*\) ansible_host=\([0-9.]*\) .*/\1 \2/p' "$tb/inventory.ini")
    printf '\n[all:vars]\nansible_user=gf\nansible_ssh_private_key_file=%s\n' \
        "$dir/id_ed25519" >> "$dir/inventory.ini"
    [ "$(wc -l < "$dir/hosts.txt")" = "$n" ] || die "testbed inventory has not $n nodes"
    # sshd reloads: wait (bounded) until every node accepts a login again
    local deadline=$((SECONDS + 60))
    while read -r addr _ name; do
        # shellcheck disable=SC2046  # ssh_common's options are meant to be split
        until ssh -n $(ssh_common "$dir") -l gf "$addr" true 2> /dev/null; do
            [ $SECONDS -lt $deadline ] || die "$name does not accept logins after the sshd reload"
            sleep 0.2
        done
    done < "$dir/hosts.txt"
}

# ssh_common DIR: the OpenSSH client options every OpenSSH-based peer gets (word-split)
ssh_common() {
    echo "-F /dev/null -o BatchMode=yes -o IdentitiesOnly=yes -o IdentityFile=$1/id_ed25519" \
         "-o IdentityAgent=none -o UserKnownHostsFile=$1/known_hosts" \
         "-o GlobalKnownHostsFile=/dev/null -o StrictHostKeyChecking=yes -o UpdateHostKeys=no" \
         "-o HostKeyAlgorithms=ssh-ed25519 -o PubkeyAcceptedAlgorithms=ssh-ed25519" \
         "-o KexAlgorithms=curve25519-sha256 -o Ciphers=chacha20-poly1305@openssh.com" \
         "-o LogLevel=ERROR -o Port=$(cat "$1/port")"
}

# Prepares the per-tool files of a host set: ip list, ip:port list, ansible configs.
prepare_tools() {
    local dir=$1 n=$2 ext
    awk '{print $1}' "$dir/hosts.txt" > "$dir/hosts.ip"
    awk '{print $1 ":" $2}' "$dir/hosts.txt" > "$dir/hosts.ipport"
    ext=$(ssh_common "$dir")
    mkdir -p "$dir/ansible-tmp"
    # best: forks = N, pipelining, ControlPersist (ansible's own ssh_args minus -C)
    cat > "$dir/ansible-best.cfg" <<EOF
[defaults]
forks = $n
host_key_checking = True
timeout = 60
retry_files_enabled = False
interpreter_python = /usr/bin/python3
local_tmp = $dir/ansible-tmp
nocolor = True
[ssh_connection]
pipelining = True
ssh_args = -o ControlMaster=auto -o ControlPersist=60s
ssh_extra_args = $ext
EOF
    # Mitogen: the best configuration plus strategy mitogen_linear (forks N), Ansible's
    # linear strategy with one Python interpreter per host (and become user) for the run
    sed "/^\[defaults\]/a strategy_plugins = $(mitogen_strategies)\nstrategy = mitogen_linear" \
        "$dir/ansible-best.cfg" > "$dir/ansible-mitogen.cfg"
    # defaults: forks 5, no pipelining, ansible's default ssh_args
    # (-C -o ControlMaster=auto -o ControlPersist=60s); only the pinned algorithms, the key,
    # the known_hosts file and the connect timeout are set, as for every other peer
    cat > "$dir/ansible-default.cfg" <<EOF
[defaults]
host_key_checking = True
timeout = 60
retry_files_enabled = False
interpreter_python = /usr/bin/python3
local_tmp = $dir/ansible-tmp
nocolor = True
[ssh_connection]
ssh_extra_args = $ext
EOF
}

# Keeps the exact server and peer configuration of a host set with the results.
save_settings() {
    local dir=$1 label=$2
    mkdir -p "$OUT/settings"
    [ -f "$dir/sshd.0.conf" ] && cp "$dir/sshd.0.conf" "$OUT/settings/$label-sshd.conf"
    [ -d "$dir/tb" ] && "$TESTBED" exec --dir "$dir/tb" node1 sh -c \
        'cat /etc/ssh/sshd_config /etc/ssh/sshd_config.d/*.conf' > "$OUT/settings/$label-sshd.conf" 2>&1
    cp "$dir/ansible-best.cfg" "$OUT/settings/$label-ansible-best.cfg"
    cp "$dir/ansible-default.cfg" "$OUT/settings/$label-ansible-default.cfg"
    cp "$dir/ansible-mitogen.cfg" "$OUT/settings/$label-ansible-mitogen.cfg"
}

# Records which algorithms an OpenSSH client negotiates with the first host of a set.
record_algorithms() {
    local dir=$1 label=$2 addr
    addr=$(head -1 "$dir/hosts.txt" | cut -d' ' -f1)
    {
        echo "negotiated with $label ($addr, OpenSSH client, our options):"
        # shellcheck disable=SC2046  # ssh_common's options are meant to be split
        ssh -n -o LogLevel=DEBUG1 $(ssh_common "$dir") -l "$(cat "$dir/user")" "$addr" true 2>&1 |
            grep -E 'kex: algorithm|kex: host key algorithm|kex: server->client|Server host key|Authenticated to' |
            sed 's/^\(debug1: \)\{0,1\}/  /'
    } >> "$OUT/env.txt"
}

# settle DIR: wait (at most 10 s) until the servers of DIR are idle again: no session of
# the previous run still running in their cgroup (light hosts only).
settle() {
    local dir=$1 cg nd i
    [ -s "$dir/srv_cpu" ] || { sleep 0.5; return 0; }
    cg=$(dirname "$(cat "$dir/srv_cpu")")
    nd=$(find "$dir" -maxdepth 1 -name 'sshd.*.pid' | wc -l)
    for ((i = 0; i < 100; i++)); do
        [ "$(wc -l < "$cg/cgroup.procs")" -le "$nd" ] && break
        sleep 0.1
    done
    sleep 0.3
}

# ---- one measured run -------------------------------------------------------------------
# run_tool SECTION KIND N TOOL FORKS REP DIR INVENTORY KNOWN_HOSTS [SAMPLE_MS]
# REP 0 is the warm-up (logged, not recorded). Appends a row to raw.tsv.
run_tool() {
    local sec=$1 kind=$2 n=$3 tool=$4 forks=$5 rep=$6 dir=$7 inv=$8 kh=$9 sample=${10:-0}
    local user ext log srv=() cmd=() env=() res ok=0 lines rc
    user=$(cat "$dir/user")
    ext=$(ssh_common "$dir")
    log=$OUT/logs/$sec-$kind$n-$tool-f$forks-r$rep
    [ -s "$dir/srv_cpu" ] && srv=(-S "$(cat "$dir/srv_cpu")")
    case $tool in
        gf-exec) cmd=("$GF" exec -i "$inv" all -f "$forks" -T 60 --known-hosts "$kh" -- true) ;;
        gf-ping) cmd=("$GF" ping -i "$inv" all -f "$forks" -T 60 --known-hosts "$kh") ;;
        pdsh) env=(PDSH_SSH_ARGS="$ext -l%u %h")
              cmd=(pdsh -R ssh -S -f "$forks" -l "$user" -w "^$dir/hosts.ip" true) ;;
        pssh) cmd=(parallel-ssh -h "$dir/hosts.ipport" -l "$user" -p "$forks" -t 0 -x "$ext" true) ;;
        clush) cmd=(clush --hostfile="$dir/hosts.ip" -l "$user" -f "$forks" -t 60 -S -o "$ext" true) ;;
        ansible-best|ansible-default)
              rm -rf "$dir/cp"; mkdir -p "$dir/cp"
              env=(ANSIBLE_CONFIG="$dir/$tool.cfg" ANSIBLE_SSH_CONTROL_PATH_DIR="$dir/cp")
              cmd=(ansible all -i "$inv" -m raw -a true) ;;
        gf-run|gf-run-framed)
              env=(GPUFORGE_FRAMED=0); [ "$tool" = gf-run-framed ] && env=(GPUFORGE_FRAMED=1)
              cmd=("$GF" run -i "$inv" -f "$forks" -T 60 --known-hosts "$kh" -e "run=$P2_RUN"
                   "${P2_BECOME[@]}" "$HERE/p2.yml") ;;
        ansible-pb-best|ansible-pb-default|ansible-pb-mitogen)
              rm -rf "$dir/cp"; mkdir -p "$dir/cp"
              env=(ANSIBLE_CONFIG="$dir/${tool/-pb/}.cfg" ANSIBLE_SSH_CONTROL_PATH_DIR="$dir/cp")
              cmd=(ansible-playbook -i "$inv" -e "run=$P2_RUN" "${P2_BECOME[@]}" "$HERE/p2.yml") ;;
        *) die "unknown tool $tool" ;;
    esac
    if [ "$rep" = 0 ]; then                 # the exact command lines, once per set and tool
        {
            printf '%s %s:%s %s:' "$sec" "$kind" "$n" "$tool"
            printf ' %q' "${env[@]}" "${cmd[@]}"
            echo
        } >> "$OUT/settings/commands.txt"
    fi
    settle "$dir"
    res=$(env "${env[@]}" "$MEASURE" -t "$RUN_TIMEOUT" -s "$sample" "${srv[@]}" \
              -o "$log.out" -e "$log.err" -- "${cmd[@]}") || die "gfb-measure failed"
    rc=$(echo "$res" | tr '\t' '\n' | sed -n 's/^rc=//p')
    lines=$(echo "$res" | tr '\t' '\n' | sed -n 's/^lines=//p')
    # success: exit 0 and every host accounted for where the tool prints one line per host
    if [ "$rc" = 0 ]; then
        case $tool in
            gf-run*|ansible-pb-*)                      # a recap line per host, all clean
                [ "$(grep -c ' : ok=[0-9]* .*unreachable=0 *failed=0 ' "$log.out")" = "$n" ] &&
                    ok=1 ;;
            gf-exec|ansible-*) [ "$(grep -c '| CHANGED | rc=0 >>' "$log.out")" = "$n" ] && ok=1 ;;
            gf-ping) [ "$(grep -c '| ok |' "$log.out")" = "$n" ] && ok=1 ;;
            pssh) [ "$(grep -c '\[SUCCESS\]' "$log.out")" = "$n" ] && ok=1 ;;
            pdsh|clush) [ ! -s "$log.err" ] && ok=1 ;;   # -S: rc is the largest remote rc
        esac
    fi
    if [ "$rep" = 0 ]; then
        [ "$ok" = 1 ] || say "warm-up of $tool on $kind:$n FAILED (rc=$rc; see $log.err)"
        return 0
    fi
    echo "$res" | awk -F'\t' -v pre="$sec	$kind	$n	$tool	$forks	$rep	$ok" \
        '{ s = pre; for (i = 1; i <= NF; i++) { sub(/^[a-z0-9_]*=/, "", $i); s = s "\t" $i }; print s }' >> "$RAW"
    printf 'bench: %-3s %-5s N=%-4s %-15s f=%-4s rep %s: %s wall %ss cpu %ss%s\n' "$sec" "$kind" \
        "$n" "$tool" "$forks" "$rep" "$([ $ok = 1 ] && echo ok || echo FAILED)" \
        "$(echo "$res" | tr '\t' '\n' | sed -n 's/^wall_s=//p')" \
        "$(echo "$res" | tr '\t' '\n' | sed -n 's/^cg_cpu_s=//p')" \
        "$([ $ok = 1 ] || echo " rc=$rc lines=$lines")" >&2
}

# ---- P1: fan-out ------------------------------------------------------------------------
section_p1() {
    local spec kind n dir tools=() t r i k
    for t in $TOOLS; do
        if tool_available "$t"; then tools+=("$t")
        else say "P1: $t not installed: skipped (make deps)"; fi
    done
    for spec in $P1_SIZES; do
        kind=${spec%%:*}; n=${spec#*:}
        dir=$WORK/p1-$kind-$n
        say "P1: setting up $n $kind hosts"
        case $kind in
            tb) tb_set "$n" "$dir" ;;
            light) light_set "$n" "$dir" ;;
            *) die "BENCH_P1: unknown host kind $kind (tb or light)" ;;
        esac
        prepare_tools "$dir" "$n"
        save_settings "$dir" "$kind$n"
        record_algorithms "$dir" "$kind:$n"
        for t in "${tools[@]}"; do                          # warm-up, not recorded
            run_tool P1 "$kind" "$n" "$t" "$n" 0 "$dir" "$dir/inventory.ini" "$dir/known_hosts"
        done
        for ((r = 1; r <= REPS; r++)); do                   # alternating: rotate the order
            for ((i = 0; i < ${#tools[@]}; i++)); do
                k=$(( (i + r - 1) % ${#tools[@]} ))
                run_tool P1 "$kind" "$n" "${tools[$k]}" "$n" "$r" "$dir" \
                    "$dir/inventory.ini" "$dir/known_hosts"
            done
        done
        case $kind in
            tb) "$TESTBED" down --dir "$dir/tb" > /dev/null 2>&1 ;;
            light) "$LIGHT" down "$dir" ;;
        esac
    done
}

# ---- P2: playbook run; P3: bundle push -------------------------------------------------
# section_p2 SECTION: P2, or P2B (every tool with -b: each task through sudo)
section_p2() {
    local sec=$1 spec kind n dir tools=() t r i k phase
    P2_BECOME=(); [ "$sec" = P2B ] && P2_BECOME=(-b)
    for t in ${BENCH_P2_TOOLS:-gf-run gf-run-framed ansible-pb-best ansible-pb-default ansible-pb-mitogen}; do
        if tool_available "$t"; then tools+=("$t")
        else say "P2: $t not installed: skipped (make deps)"; fi
    done
    local sets="tb:8 light:64"
    [ "$QUICK" = 1 ] && sets="tb:8"
    for spec in ${BENCH_P2:-$sets}; do
        kind=${spec%%:*}; n=${spec#*:}
        dir=$WORK/$sec-$kind-$n
        say "$sec: setting up $n $kind hosts"
        case $kind in
            tb) tb_set "$n" "$dir" ;;
            light) light_set "$n" "$dir" ;;
            *) die "BENCH_P2: unknown host kind $kind (tb or light)" ;;
        esac
        prepare_tools "$dir" "$n"
        save_settings "$dir" "$sec-$kind$n"
        # cold: a new target directory every run; warm: the same one, converged by the
        # warm-up
        for phase in cold warm; do
            for t in "${tools[@]}"; do
                P2_RUN=$phase-0-$t; [ $phase = warm ] && P2_RUN=warm
                run_tool "$sec$phase" "$kind" "$n" "$t" "$n" 0 "$dir" "$dir/inventory.ini" \
                    "$dir/known_hosts"
            done
            for ((r = 1; r <= REPS; r++)); do
                for ((i = 0; i < ${#tools[@]}; i++)); do
                    k=$(( (i + r - 1) % ${#tools[@]} ))
                    P2_RUN=$phase-$r-${tools[$k]}; [ $phase = warm ] && P2_RUN=warm
                    run_tool "$sec$phase" "$kind" "$n" "${tools[$k]}" "$n" "$r" "$dir" \
                        "$dir/inventory.ini" "$dir/known_hosts"
                done
            done
        done
        case $kind in
            tb) "$TESTBED" down --dir "$dir/tb" > /dev/null 2>&1 ;;
            light) "$LIGHT" down "$dir"; rm -rf /tmp/gfbench-p2 ;;
        esac
    done
}
section_p3() {
    local n=${BENCH_P3_NODES:-8} mb rate=${BENCH_P3_RATE:-200mbit} dir=$WORK/p3 tb k r t
    local bridge bytes sb start end out dest secs
    if [ "$QUICK" = 1 ]; then mb=${BENCH_P3_MB:-64}; else mb=${BENCH_P3_MB:-256}; fi
    tb=$dir/tb
    say "P3: setting up $n tb hosts, a $mb MB bundle, every link capped at $rate"
    tb_set "$n" "$dir"
    mkdir -p "$dir/dl"
    head -c "$((mb * 1000000))" /dev/urandom > "$dir/dl/payload" || die "P3: no payload"
    printf 'name: p3\nversion: 1.0.0\ncomponents:\n  - name: c\n    files:\n      - {src: dl/payload, dest: payload, mode: "0644"}\n' > "$dir/spec.yml"
    (cd "$dir" && "$GF" bundle keygen -o key > /dev/null &&
        "$GF" bundle build spec.yml -o p3.gfb --key key > /dev/null) || die "P3: bundle build"
    bytes=$(stat -c %s "$dir/p3.gfb")
    # each node's link (into the node) and the controller's own uplink (into the bridge)
    for ((k = 1; k <= n; k++)); do
        "$TESTBED" fault --dir "$tb" "node$k" rate "$rate" >&2 || die "P3: cannot cap node$k"
    done
    bridge=$("$TESTBED" status --dir "$tb" | sed -n 's/.*bridge \([^,]*\),.*/\1/p')
    tc qdisc replace dev "$bridge" root tbf rate "$rate" burst 256kb latency 200ms ||
        die "P3: cannot cap the controller's uplink on $bridge"
    sb=$(awk -v b="$bytes" -v r="$rate" 'BEGIN { sub(/mbit$/, "", r); printf "%.1f", b * 8 / (r * 1e6) }')
    out=$OUT/p3.txt
    : > "$out"
    for t in ${BENCH_P3_TOPOLOGIES:-chain star}; do
        local times=()
        for ((r = 0; r <= REPS; r++)); do
            dest=/var/lib/gfbench-p3/r$r-$t
            start=$(date +%s.%N)
            "$GF" bundle push -i "$dir/inventory.ini" --known-hosts "$dir/known_hosts" \
                --topology "$t" --dest "$dest" --pubkey "$dir/key.pub" "$dir/p3.gfb" \
                > "$OUT/logs/P3-$t-r$r.out" 2>&1 || say "P3: $t push rep $r FAILED (see logs)"
            end=$(date +%s.%N)
            secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
            for ((k = 1; k <= n; k++)); do
                "$TESTBED" exec --dir "$tb" "node$k" rm -rf /var/lib/gfbench-p3 >&2
            done
            say "P3: $t rep $r: $secs s$([ "$r" = 0 ] && echo ' (warm-up, not counted)')"
            [ "$r" = 0 ] || times+=("$secs")
        done
        printf '%s\n' "${times[@]}" | sort -n | awk -v t="$t" -v n="$n" -v mb="$mb" -v sb="$sb" \
            -v rate="$rate" -v reps="$REPS" '{ v[NR] = $1 } END {
                m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
                printf "P3 bundle push, %s: %d MB to %d testbed nodes, every link %s (S/B = %s s): median %.1f s of %d (min %.1f, max %.1f) = %.2f x S/B", t, mb, n, rate, sb, m, NR, v[1], v[NR], m / sb
                if (t == "chain") printf "; target <= 1.25 x S/B + 10 s = %.1f s: %s", 1.25 * sb + 10, (m <= 1.25 * sb + 10) ? "MET" : "MISSED"
                if (t == "star") printf "; N x S/B = %.1f s", n * sb
                printf "\n" }' | tee -a "$out" >&2
    done
    tc qdisc del dev "$bridge" root 2> /dev/null
    "$TESTBED" down --dir "$tb" > /dev/null 2>&1
}

# ---- P4: scale --------------------------------------------------------------------------
section_p4() {
    local max=0 n f r dir=$WORK/p4 sub
    for n in $P4_SIZES; do [ "$n" -gt "$max" ] && max=$n; done
    say "P4: setting up $max light hosts"
    light_set "$max" "$dir"
    prepare_tools "$dir" "$max"
    save_settings "$dir" "p4-light$max"
    for n in $P4_SIZES; do                 # inventories and known_hosts of the first n hosts
        sub=$dir/n$n; mkdir -p "$sub"
        awk -v n="$n" '/^\[light\]/ { print; c = 1; next }
                       c && /^h[0-9]/ { if (++k > n) next }
                       { print }' "$dir/inventory.ini" > "$sub/inventory.ini"
        head -n "$n" "$dir/known_hosts" > "$sub/known_hosts"
    done
    run_tool P4 light "${P4_SIZES%% *}" gf-ping 50 0 "$dir" "$dir/n${P4_SIZES%% *}/inventory.ini" \
        "$dir/n${P4_SIZES%% *}/known_hosts" 20
    for ((r = 1; r <= P4_REPS; r++)); do
        for f in $P4_FORKS; do
            for n in $P4_SIZES; do
                run_tool P4 light "$n" gf-ping "$f" "$r" "$dir" "$dir/n$n/inventory.ini" \
                    "$dir/n$n/known_hosts" 20
            done
        done
    done
    "$LIGHT" down "$dir"
}

T0=$SECONDS
for s in $SECTIONS; do
    case $s in
        P1) section_p1 ;;
        P2|P2B) P2_RUN=warm; section_p2 "$s" ;;
        P3) section_p3 ;;
        P4) section_p4 ;;
        *) die "unknown section $s (P1 P2 P2B P3 P4)" ;;
    esac
done
echo "duration: $((SECONDS - T0)) s; load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$OUT/env.txt"

python3 "$HERE/summarize.py" "$OUT" "$QUICK" "$REPS" || die "summarize.py failed"
ln -sfn "$STAMP" "$RESULTS/latest"
cat "$OUT/table.txt"
say "results: $OUT (table.txt, table.md, summary.tsv, summary.json, raw.tsv, env.txt)"
