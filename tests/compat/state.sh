#!/bin/sh
# state.sh - the end state of one node as sorted text, for the side-by-side
# comparison of tests/compat/compat. Runs inside the node as root:
#   sh -c "$(cat state.sh)" state NET
# NET is the node's testbed network prefix (e.g. 10.213.4.); it is written
# as 10.213.X. wherever it appears (file contents included) so that nodes of
# two testbeds on different subnets compare equal.
#
# Sections (## NAME): files (type, mode, owner, link target of everything
# below the places an item can touch), hashes (sha256 of the regular
# files), libraries (ldconfig -p), packages, unit files, active units,
# users, groups, interfaces, routes, iptables, nftables (without counters),
# sysctl (the network namespace's own: net.*, and the host and domain name;
# the rest belongs to the kernel both sides share), mounts, swap.
#
# Never compared, as they differ between two freshly booted testbeds, or
# between the tools whatever the playbook says (and nothing else, so that no
# difference an item makes is hidden):
#   /etc/machine-id                  a new id for every node booted
#   /etc/ssh/ssh_host_*,             the testbed's own keys, per node and testbed
#     /home/gf/.ssh/authorized_keys
#   /root/.ansible, /home/*/.ansible ansible-playbook's remote temporary directory
#   the UUID of a swap area          mkswap makes a new one every time (the
#                                    file is hashed with it zeroed)
# and the time stamps in backups' names and pamd's mark line (stamps below).
set -u
net=${1:-}
export LC_ALL=C
places='/etc /usr/local /var/lib /var/spool /opt /root /home /srv /mnt
/usr/lib/systemd /usr/lib/sysctl.d /usr/lib/modules-load.d /usr/bin /usr/sbin'
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

norm() {
    if [ -n "$net" ]; then
        sed "s/$(printf '%s' "$net" | sed 's/\./\\./g')/10.213.X./g"
    else
        cat
    fi
}

# walk FIND-ARGS...: find over the top level of / (no directories) and the
# places, the volatile paths left out.
walk() {
    find / -maxdepth 1 -mindepth 1 ! -type d "$@"
    # shellcheck disable=SC2086 # $places is a list of paths
    find $places -xdev \( -path /etc/machine-id -o -path '/etc/ssh/ssh_host_*' \
        -o -path /home/gf/.ssh/authorized_keys -o -path /root/.ansible -o -path '/home/*/.ansible' \) -prune -o "$@"
}

# The time stamps the tools write whatever the playbook says: a backup's
# name (FILE.PID.YYYY-MM-DD@HH:MM:SS~, Ansible's backup_local) and pamd's
# "# Updated by Ansible - TIME" line.
stamps() {
    sed 's/\.[0-9][0-9]*\.[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]@[0-9][0-9]:[0-9][0-9]:[0-9][0-9]~\( \|$\)/.PID.TIME~\1/'
}
echo "## files"
walk -printf '%p %y %m %u:%g %l\n' 2>/dev/null | norm | stamps | sort
echo "## hashes"
walk -type f -print0 2>/dev/null >"$tmp/files"
xargs -0 -r sha256sum <"$tmp/files" 2>/dev/null >"$tmp/sums"
# Files that mention the network prefix are hashed once it is normalized,
# and those with pamd's mark once its time is.
{
    [ -z "$net" ] || xargs -0 -r grep -lF -- "$net" <"$tmp/files" 2>/dev/null
    xargs -0 -r grep -l '^# Updated by Ansible - ' <"$tmp/files" 2>/dev/null
} | sort -u | while IFS= read -r f; do
    printf '%s  %s\n' "$(norm <"$f" | sed 's/^# Updated by Ansible - .*/# Updated by Ansible - TIME/' |
        sha256sum | cut -c1-64)" "$f"
done >"$tmp/nsums"
# Swap areas (SWAPSPACE2 at the end of the first 4 KiB page) are hashed
# with their UUID (16 bytes at 1036) zeroed.
walk -type f -size +39k -print 2>/dev/null |
    while IFS= read -r f; do
        [ "$(dd if="$f" bs=1 skip=4086 count=10 2>/dev/null)" = SWAPSPACE2 ] || continue
        printf '%s  %s\n' "$({ head -c 1036 "$f"; head -c 16 /dev/zero; tail -c +1053 "$f"; } |
            sha256sum | cut -c1-64)" "$f"
    done >>"$tmp/nsums"
awk 'FNR == NR { n[substr($0, 67)] = substr($0, 1, 64); next }
     { p = substr($0, 67); print p, (p in n) ? n[p] : substr($0, 1, 64) }' \
    "$tmp/nsums" "$tmp/sums" | stamps | sort
echo "## libraries"
ldconfig -p | sort
echo "## packages"
dpkg-query -W -f='${db:Status-Abbrev} ${Package} ${Version}\n' | sort
echo "## unit files"
systemctl list-unit-files --no-legend --no-pager | awk '{ print $1, $2 }' | sort
echo "## active units"
# Sessions and user managers come and go with the tools' logins; systemd's
# own boot-time one-shot services and their credentials mounts are active
# or not by when the boot got to them (seen to differ between two nodes
# booted alike, before any run).
systemctl list-units --state=active --no-legend --no-pager --plain | awk '{ print $1 }' |
    grep -v '^session-\|^user@\|^user-runtime-dir@\|^user-[0-9]*\.slice' |
    grep -v '^run-credentials-' |
    grep -v '^systemd-\(sysctl\|sysusers\|journal-flush\|tmpfiles-setup\|modules-load\)\.service$' |
    sort
echo "## users"
getent passwd | sort
echo "## groups"
getent group | sort
echo "## interfaces"
ip -o link | awk -F': ' '{ print $2 }' | sed 's/@.*//' | sort
echo "## routes"
ip route show table all | grep -v '^local \|^broadcast \|^multicast \|fe80::' | norm | sort
echo "## iptables"
for t in filter nat mangle raw; do
    iptables -t "$t" -S 2>/dev/null | sed "s/^/$t /"
    ip6tables -t "$t" -S 2>/dev/null | sed "s/^/$t v6 /"
done | norm
echo "## nftables"
nft -s list ruleset 2>/dev/null | norm
echo "## sysctl"
# (not the connection tracker's count of the tools' own connections)
sysctl -a 2>/dev/null | grep '^net\.\|^kernel\.hostname \|^kernel\.domainname ' |
    grep -v '^net\.netfilter\.nf_conntrack_count ' | norm | sort
echo "## mounts"
# Without what names the testbed's own plumbing: the host paths of bind
# mounts ([...]) and the overlay's upper and work directories, and its
# uuid=on (the kernel's choice when the testbed mounts an upper directory
# a second time, as when it boots a stalled node again); without the boot
# services' credentials mounts (above).
findmnt -rn -o TARGET,SOURCE,FSTYPE,OPTIONS | norm | grep -v '^/run/credentials/' |
    sed -e 's/\[[^] ]*\]//' -e 's/,upperdir=[^,]*//' -e 's/,workdir=[^,]*//' \
        -e '/^\/ overlay overlay /s/,uuid=on//' | sort
echo "## swap"
tail -n +2 /proc/swaps | awk '{ print $1, $2, $3 }' | sort
