#!/bin/bash
# lighthosts.sh - many cheap SSH "hosts" on loopback for the benchmarks.
#
#   lighthosts.sh up N DIR     start ceil(N/16) OpenSSH sshd daemons, each listening on 16
#                              loopback addresses (127.B.C.D, one port), and write into DIR:
#                              inventory.ini, hosts.txt ("ADDR PORT NAME" per host),
#                              known_hosts, id_ed25519(.pub), sshd.K.conf, sshd.K.pid
#   lighthosts.sh down DIR     stop every sshd started by 'up' in DIR (by its PID file)
#
# Each light host is one address on 127.0.0.0/8 (all of it is loopback on Linux; nothing is
# added to any interface), so every peer tool can address it by IP with a single port, even
# pdsh, which has no per-host port. sshd caps its listen sockets at 16, hence 16 per daemon.
# Algorithms are pinned on the server so that every client negotiates the same ones:
# ssh-ed25519 host and user keys, curve25519-sha256, chacha20-poly1305@openssh.com.
# MaxStartups 1000:30:2000 so that hundreds of simultaneous handshakes are not dropped.
# 'SetEnv SHLVL=1' makes root's bash (the login shell sshd runs every command through) skip
# ~/.bashrc, which Debian's bash otherwise sources for commands run by sshd: the light hosts
# then behave like clean nodes even on a workstation whose ~/.bashrc is slow (pyenv init
# costs ~100 ms and ~100 processes per session). GFB_CLEAN_SHELL=0 keeps ~/.bashrc.
# Runs as root (logs in as root with a generated key). Environment: GFB_NET (first two octets,
# default 127.66), GFB_PORT (default 2299), GFB_SSHD_REEXEC (1 = sshd re-execs itself per
# connection as it does by default; 0 = pass -r; default 1).
set -u

PER_SSHD=16
NET=${GFB_NET:-127.66}
PORT=${GFB_PORT:-2299}
REEXEC=${GFB_SSHD_REEXEC:-1}
CLEAN_SHELL=${GFB_CLEAN_SHELL:-1}
SSHD=${GFB_SSHD:-/usr/sbin/sshd}

die() { echo "lighthosts: $*" >&2; exit 1; }

# Server CPU accounting: the daemons run in a cpuacct cgroup of their own when this machine
# allows it (cgroup v1 cpuacct, or v2 with the cpu controller); DIR/srv_cpu names its counter.
srv_cgroup_dir() {
    local name
    name="gfbench-srv.$(echo "$1" | cksum | cut -d' ' -f1)"
    if [ -w /sys/fs/cgroup/cpuacct ]; then
        echo "/sys/fs/cgroup/cpuacct/$name"
    elif grep -qw cpu /sys/fs/cgroup/cgroup.controllers 2>/dev/null && [ -w /sys/fs/cgroup ]; then
        echo "/sys/fs/cgroup/$name"
    fi
}

# Stops the daemons of DIR: TERM by PID file, then KILL what is left (bounded wait).
down() {
    local dir=$1 f pid n cg
    [ -d "$dir" ] || return 0
    for f in "$dir"/sshd.*.pid; do
        [ -f "$f" ] || continue
        pid=$(cat "$f" 2>/dev/null)
        case $pid in ''|*[!0-9]*) rm -f "$f"; continue ;; esac
        # only a process that is an sshd started with our config
        if tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q -- "$dir/sshd\."; then
            kill -TERM "$pid" 2>/dev/null
            n=0
            # alive = has a command line (a zombie has none: PID 1 may reap it late)
            while grep -q . "/proc/$pid/cmdline" 2>/dev/null && [ $n -lt 50 ]; do
                sleep 0.1; n=$((n + 1))
            done
            [ $n -lt 50 ] || kill -KILL "$pid" 2>/dev/null
        fi
        rm -f "$f"
    done
    cg=$(srv_cgroup_dir "$dir")
    if [ -n "$cg" ] && [ -d "$cg" ]; then
        n=0   # sessions that outlived their daemon: end them, then remove the cgroup
        while [ -s "$cg/cgroup.procs" ] && [ $n -lt 50 ]; do
            while read -r pid; do kill -KILL "$pid" 2>/dev/null; done < "$cg/cgroup.procs"
            sleep 0.1; n=$((n + 1))
        done
        rmdir "$cg" 2>/dev/null
    fi
    rm -f "$dir/srv_cpu"
    return 0
}

up() {
    local n=$1 dir=$2 nd d a hk
    case $n in ''|*[!0-9]*) die "up: N must be a number" ;; esac
    if [ "$n" -lt 1 ] || [ "$n" -gt 10000 ]; then die "up: N must be 1..10000"; fi
    [ "$(id -u)" = 0 ] || die "must run as root (sshd logs in as root)"
    [ -x "$SSHD" ] || die "$SSHD not found (apt-get install openssh-server)"
    mkdir -p "$dir" /run/sshd || die "cannot create $dir"
    dir=$(cd "$dir" && pwd)
    down "$dir"
    [ -f "$dir/ssh_host_ed25519_key" ] ||
        ssh-keygen -q -t ed25519 -N '' -C gfbench-host -f "$dir/ssh_host_ed25519_key" || die keygen
    [ -f "$dir/id_ed25519" ] ||
        ssh-keygen -q -t ed25519 -N '' -C gfbench-client -f "$dir/id_ed25519" || die keygen
    cp "$dir/id_ed25519.pub" "$dir/authorized_keys"
    hk=$(cut -d' ' -f1,2 "$dir/ssh_host_ed25519_key.pub")
    nd=$(( (n + PER_SSHD - 1) / PER_SSHD ))
    # host K (1-based) is NET.B.C with 200 hosts per /24, from .10 up
    awk -v n="$n" -v net="$NET" -v port="$PORT" 'BEGIN {
        for (k = 0; k < n; k++)
            printf "%s.%d.%d %s h%04d\n", net, int(k / 200), k % 200 + 10, port, k + 1 }' \
        > "$dir/hosts.txt"
    awk -v hk="$hk" '{ print "[" $1 "]:" $2, hk }' "$dir/hosts.txt" > "$dir/known_hosts"
    {
        echo "# gpuforge benchmark light hosts: $n hosts, $nd sshd on $NET.x.y port $PORT"
        echo "[light]"
        awk '{ print $3, "ansible_host=" $1, "ansible_port=" $2 }' "$dir/hosts.txt"
        echo
        echo "[all:vars]"
        echo "ansible_user=root"
        echo "ansible_ssh_private_key_file=$dir/id_ed25519"
    } > "$dir/inventory.ini"
    local cg; cg=$(srv_cgroup_dir "$dir")
    if [ -n "$cg" ] && mkdir -p "$cg" 2>/dev/null; then
        if [ -f "$cg/cpuacct.usage" ]; then echo "$cg/cpuacct.usage" > "$dir/srv_cpu"
        else echo "$cg/cpu.stat" > "$dir/srv_cpu"; fi
    else
        cg=
    fi
    for ((d = 0; d < nd; d++)); do
        {
            echo "# light sshd $d"
            echo "AddressFamily inet"
            sed -n "$((d * PER_SSHD + 1)),$(((d + 1) * PER_SSHD))p" "$dir/hosts.txt" |
                awk '{ print "ListenAddress " $1 ":" $2 }'
            cat <<EOF
HostKey $dir/ssh_host_ed25519_key
HostKeyAlgorithms ssh-ed25519
PubkeyAcceptedAlgorithms ssh-ed25519
KexAlgorithms curve25519-sha256
Ciphers chacha20-poly1305@openssh.com
MACs hmac-sha2-256-etm@openssh.com
PidFile $dir/sshd.$d.pid
AuthorizedKeysFile $dir/authorized_keys
StrictModes no
UsePAM no
PermitRootLogin prohibit-password
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
MaxStartups 1000:30:2000
MaxSessions 20
LoginGraceTime 300
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
LogLevel ERROR
EOF
            [ "$CLEAN_SHELL" != 1 ] || echo "SetEnv SHLVL=1"
        } > "$dir/sshd.$d.conf"
        local args=(-f "$dir/sshd.$d.conf")
        [ "$REEXEC" = 1 ] || args+=(-r)
        "$SSHD" -t "${args[@]}" || die "sshd -t rejected $dir/sshd.$d.conf"
        ( [ -z "$cg" ] || echo "$BASHPID" > "$cg/cgroup.procs"
          exec "$SSHD" "${args[@]}" -E "$dir/sshd.$d.log" ) || die "sshd $d did not start"
    done
    # wait (bounded) until each daemon wrote its PID file and its last address accepts
    local deadline=$((SECONDS + 30)) last
    for ((d = 0; d < nd; d++)); do
        last=$(( (d + 1) * PER_SSHD )); [ "$last" -le "$n" ] || last=$n
        a=$(sed -n "${last}p" "$dir/hosts.txt" | cut -d' ' -f1)
        until [ -s "$dir/sshd.$d.pid" ] && (exec 3<>"/dev/tcp/$a/$PORT") 2>/dev/null; do
            [ $SECONDS -lt $deadline ] || die "sshd $d not listening on $a:$PORT after 30 s"
            sleep 0.05
        done
    done
    echo "lighthosts: $n hosts on $nd sshd ($NET.x.y:$PORT), inventory $dir/inventory.ini"
}

case ${1:-} in
    up) [ $# = 3 ] || die "usage: lighthosts.sh up N DIR"; up "$2" "$3" ;;
    down) [ $# = 2 ] || die "usage: lighthosts.sh down DIR"; down "$2" ;;
    *) sed -n '2,/^set -u/p' "$0" | grep '^#' | sed 's/^# \{0,1\}//'; exit 2 ;;
esac
