# shellcheck shell=sh
# setup.sh - the node side of setup (gather_facts), subset "min": what
# Ansible's minimal facts read, each listing after an "@@GF name" line
# (s NAME); the controller parses them (engine/modules/setup.c). The
# other subsets (setup_hw, gpu, setup_net, setup_virt) follow when asked
# for, then setup_end. Not sent after lib.sh: "env" must list the login
# environment as it is.

s() { echo "@@GF $1"; }
s env; env; export LC_ALL=C
s uname; uname -s; uname -r; uname -m; uname -n; uname -v; getconf LONG_BIT 2>/dev/null || echo
s fqdn; hostname -f 2>/dev/null || hostname 2>/dev/null || uname -n
s os; cat /etc/os-release 2>/dev/null || cat /usr/lib/os-release 2>/dev/null
s debver; cat /etc/debian_version 2>/dev/null
s machineid; cat /etc/machine-id 2>/dev/null
s uptime; cat /proc/uptime 2>/dev/null
s user; u=$(id -u); id -un; echo "$u"; id -g; id -ru; id -rg
getent passwd "$u" 2>/dev/null || grep "^[^:]*:[^:]*:$u:" /etc/passwd 2>/dev/null
s date; t=$(date +%s.%N); case $t in *[!0-9.]*|*.) t=$(date +%s);; esac
f='+%Y|%m|%A|%w|%W|%d|%H|%M|%S|%s|%Z|%z|%N'
date -d "@$t" "$f" 2>/dev/null || date "$f"
date -u -d "@$t" '+%Y-%m-%dT%H:%M:%S' 2>/dev/null || date -u '+%Y-%m-%dT%H:%M:%S'
y=$(date +%Y); date -d "$y-01-01 12:00" '+%Z|%z' 2>/dev/null
date -d "$y-07-01 12:00" '+%Z|%z' 2>/dev/null
s resolv; cat /etc/resolv.conf 2>/dev/null
s pkg; for p in /run/ostree-booted /usr/bin/rpm-ostree /usr/bin/dnf /usr/bin/yum /usr/bin/apt-get \
  /usr/bin/zypper /usr/sbin/urpmi /usr/bin/pacman /bin/opkg /sbin/apk /usr/bin/emerge \
  /usr/bin/xbps-install /usr/bin/swupd; do [ -e "$p" ] && echo "$p"; done
s svc; cat /proc/1/comm 2>/dev/null || echo
command -v systemctl >/dev/null 2>&1 && { [ -d /run/systemd/system ] || [ -d /dev/.run/systemd ] ||
  [ -d /dev/.systemd ]; } && echo systemd
command -v initctl >/dev/null 2>&1 && [ -d /etc/init ] && echo upstart
[ -e /sbin/openrc ] && echo openrc
[ -L /sbin/init ] && echo "init $(readlink /sbin/init)"
[ -d /etc/init.d ] && echo sysvinit
s selinux; for l in /lib/*/libselinux.so.1 /usr/lib/*/libselinux.so.1 /lib64/libselinux.so.1 \
  /usr/lib64/libselinux.so.1; do [ -e "$l" ] && { echo lib; break; }; done
[ -r /sys/fs/selinux/enforce ] && echo "enforce $(cat /sys/fs/selinux/enforce)" &&
  echo "policyvers $(cat /sys/fs/selinux/policyvers 2>/dev/null)" &&
  grep -E '^SELINUX(TYPE)?=' /etc/selinux/config 2>/dev/null
