#!/bin/sh
# t0400-modules-setup-users: the setup, group and user modules through
# `gpuforge exec -m` on a real node: facts checked against what the node
# itself says (hostname, nproc, ip addr, /etc/os-release, /proc/meminfo),
# accounts against getent, with idempotence and --check.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}

test_begin "setup, group and user modules on one node"
tb_up 1 || exit 1

q="'"
# fact NAME: the value of ansible_facts[NAME] in facts.json, as Python's str()
fact() {
    python3 -c 'import json,sys
d=json.load(open("facts.json"))["result"]["ansible_facts"]
for k in sys.argv[1].split("."):
    d=d[int(k)] if isinstance(d,list) else d[k]
print(d)' "$1"
}

expect_success 'setup gathers facts in one command, without python on the path' '
    "$GF" exec -i "$INV" node1 --json -m setup >facts.json &&
    grep -q "\"status\": \"ok\"" facts.json &&
    test "$(fact ansible_hostname)" = "$(tb_exec node1 hostname)" &&
    test "$(fact ansible_nodename)" = "$(tb_exec node1 uname -n)" &&
    test "$(fact ansible_kernel)" = "$(tb_exec node1 uname -r)" &&
    test "$(fact ansible_architecture)" = "$(tb_exec node1 uname -m)" &&
    test "$(fact ansible_processor_nproc)" = "$(tb_exec node1 nproc)" &&
    test "$(fact ansible_processor_vcpus)" = "$(tb_exec node1 grep -c ^processor /proc/cpuinfo)" &&
    test "$(fact ansible_user_id)" = gf &&
    test "$(fact ansible_env.HOME)" = /home/gf &&
    test "$(fact ansible_service_mgr)" = systemd &&
    test "$(fact ansible_pkg_mgr)" = apt &&
    test "$(fact ansible_virtualization_role)" = guest &&
    test "$(fact gpuforge_gpu_count)" = 0 &&
    ! grep -q ansible_python facts.json
'

expect_success 'distribution facts match /etc/os-release and /etc/debian_version' '
    tb_exec node1 cat /etc/os-release >os-release && . ./os-release &&
    test "$(fact ansible_distribution)" = Debian &&
    test "$(fact ansible_distribution_release)" = "$VERSION_CODENAME" &&
    test "$(fact ansible_distribution_major_version)" = "$VERSION_ID" &&
    test "$(fact ansible_distribution_version)" = "$(tb_exec node1 cat /etc/debian_version)" &&
    test "$(fact ansible_os_family)" = Debian
'

expect_success 'network facts match ip addr and /sys/class/net' '
    addr=$(tb_addr node1) &&
    dev=$(tb_exec node1 ip -o -4 addr show | grep " $addr/" | cut -d" " -f2) &&
    test -n "$dev" &&
    test "$(fact ansible_${dev}.ipv4.address)" = "$addr" &&
    test "$(fact ansible_${dev}.ipv4.netmask)" = 255.255.255.0 &&
    test "$(fact ansible_${dev}.macaddress)" = "$(tb_exec node1 cat /sys/class/net/$dev/address)" &&
    test "$(fact ansible_${dev}.mtu)" = "$(tb_exec node1 cat /sys/class/net/$dev/mtu)" &&
    test "$(fact ansible_all_ipv4_addresses)" = "[$q$addr$q]" &&
    fact ansible_interfaces | grep -q "${q}lo$q" &&
    test "$(fact ansible_lo.ipv4.address)" = 127.0.0.1
'

expect_success 'memory facts match /proc/meminfo' '
    kb=$(tb_exec node1 sh -c "grep ^MemTotal: /proc/meminfo" | tr -s " " | cut -d" " -f2) &&
    test "$(fact ansible_memtotal_mb)" = $((kb / 1024))
'

expect_success 'setup as root (-b) reports root; gather_subset=!all keeps only min' '
    "$GF" exec -i "$INV" node1 -b --json -m setup -a "gather_subset=!all" >facts.json &&
    test "$(fact ansible_user_id)" = root &&
    test "$(fact ansible_distribution)" = Debian &&
    ! grep -q ansible_processor_vcpus facts.json &&
    ! grep -q ansible_default_ipv4 facts.json
'

expect_success 'setup filter keeps the matching facts' '
    "$GF" exec -i "$INV" node1 --json -m setup -a "filter=ansible_distribution*" >facts.json &&
    test "$(fact ansible_distribution)" = Debian &&
    ! grep -q ansible_hostname facts.json
'

expect_code 2 'an unknown gather_subset is refused by name' '
    "$GF" exec -i "$INV" node1 -m setup -a "gather_subset=facter" >out; rc=$?
    cat out; grep -q "gather_subset .facter. is not supported" out || exit 9
    exit $rc
'

expect_success 'group --check changes nothing, then creates the group with its gid' '
    "$GF" exec -i "$INV" node1 -b -C -m group -a "name=gfteam gid=4321" >out &&
    grep -q "CHANGED" out && ! tb_exec node1 getent group gfteam &&
    "$GF" exec -i "$INV" node1 -b -m group -a "name=gfteam gid=4321" >out &&
    grep -q "CHANGED" out &&
    test "$(tb_exec node1 getent group gfteam)" = "gfteam:x:4321:"
'

expect_success 'group is idempotent and changes a gid' '
    "$GF" exec -i "$INV" node1 -b -m group -a "name=gfteam gid=4321" >out &&
    grep -q "SUCCESS" out &&
    "$GF" exec -i "$INV" node1 -b -m group -a "name=gfteam gid=4322" >out &&
    grep -q "CHANGED" out &&
    test "$(tb_exec node1 getent group gfteam)" = "gfteam:x:4322:"
'

HASH='$6$gfsalt$Xk1QeQHtGDFdHR4YeS0cZ1o1Zr6n8v6C1N6QnD7Z5jVw0Jg1v0R9xK3Yx8C0rQ5wq7d3n1Q2b4m6s8u0w2y4z.'
expect_success 'user --check changes nothing' '
    "$GF" exec -i "$INV" node1 -b -C -m user \
        -a "name=alice uid=3101 group=gfteam groups=users,audio shell=/bin/sh comment=\"Alice Example\"" >out &&
    grep -q CHANGED out && ! tb_exec node1 getent passwd alice
'

expect_success 'user creates the account; the password hash appears nowhere' '
    "$GF" exec -vvvv -i "$INV" node1 -b -m user \
        -a "name=alice uid=3101 group=gfteam groups=users,audio shell=/bin/sh comment=\"Alice Example\" password=$HASH" >out 2>&1 &&
    cat out && grep -q CHANGED out && grep -q NOT_LOGGING_PASSWORD out && ! grep -q gfsalt out &&
    test "$(tb_exec node1 getent passwd alice)" = "alice:x:3101:4322:Alice Example:/home/alice:/bin/sh" &&
    tb_exec node1 test -d /home/alice &&
    test "$(tb_exec node1 id -Gn alice)" = "gfteam audio users" &&
    test "$(tb_exec node1 getent shadow alice | cut -d: -f2)" = "$(printf %s "$HASH")" &&
    ! tb_exec node1 sh -c "journalctl --no-pager; ps -eo args" | grep -q gfsalt
'

expect_success 'user is idempotent (password included)' '
    "$GF" exec -i "$INV" node1 -b -m user \
        -a "name=alice uid=3101 group=gfteam groups=audio,users shell=/bin/sh comment=\"Alice Example\" password=$HASH" >out &&
    cat out && grep -q SUCCESS out
'

expect_success 'user groups: append adds, without append sets exactly' '
    "$GF" exec -i "$INV" node1 -b -m user -a "name=alice groups=video append=yes" >out &&
    grep -q CHANGED out && test "$(tb_exec node1 id -Gn alice)" = "gfteam audio video users" &&
    "$GF" exec -i "$INV" node1 -b -m user -a "name=alice groups=video append=yes" >out &&
    grep -q SUCCESS out &&
    "$GF" exec -i "$INV" node1 -b -m user -a "name=alice groups=video" >out &&
    grep -q CHANGED out && test "$(tb_exec node1 id -Gn alice)" = "gfteam video"
'

expect_success 'user changes shell and comment; --check predicts and keeps them' '
    "$GF" exec -i "$INV" node1 -b -C -m user -a "name=alice shell=/bin/bash" >out &&
    grep -q CHANGED out &&
    test "$(tb_exec node1 getent passwd alice | cut -d: -f7)" = /bin/sh &&
    "$GF" exec -i "$INV" node1 -b -m user -a "name=alice shell=/bin/bash comment=Alice" >out &&
    grep -q CHANGED out &&
    test "$(tb_exec node1 getent passwd alice | cut -d: -f5,7)" = "Alice:/bin/bash"
'

expect_code 2 'user with a missing group fails clearly' '
    "$GF" exec -i "$INV" node1 -b -m user -a "name=bob group=nosuchgroup" >out; rc=$?
    cat out; grep -q "Group nosuchgroup does not exist" out || exit 9
    ! tb_exec node1 getent passwd bob || exit 9
    exit $rc
'

expect_success 'system user without a home' '
    "$GF" exec -i "$INV" node1 -b -m user -a "name=svcgf system=yes create_home=no shell=/usr/sbin/nologin" >out &&
    grep -q CHANGED out &&
    uid=$(tb_exec node1 getent passwd svcgf | cut -d: -f3) && test "$uid" -lt 1000 &&
    ! tb_exec node1 test -e /home/svcgf
'

expect_success 'user state=absent remove=yes deletes account and home; then ok' '
    "$GF" exec -i "$INV" node1 -b -C -m user -a "name=alice state=absent remove=yes" >out &&
    grep -q CHANGED out && tb_exec node1 getent passwd alice &&
    "$GF" exec -i "$INV" node1 -b -m user -a "name=alice state=absent remove=yes" >out &&
    grep -q CHANGED out && ! tb_exec node1 getent passwd alice && ! tb_exec node1 test -e /home/alice &&
    "$GF" exec -i "$INV" node1 -b -m user -a "name=alice state=absent" >out && grep -q SUCCESS out
'

expect_success 'group state=absent, then ok' '
    "$GF" exec -i "$INV" node1 -b -m group -a "name=gfteam state=absent" >out &&
    grep -q CHANGED out && ! tb_exec node1 getent group gfteam &&
    "$GF" exec -i "$INV" node1 -b -m group -a "name=gfteam state=absent" >out && grep -q SUCCESS out
'

test_done
