#!/bin/sh
# t0350-modules-system: the system modules through `gpuforge exec -m` on a real
# node: systemd/service (start, enable, restart, reload, mask, stop), apt and
# package (.deb files on the node, a local repository, versions, removal,
# purge), sysctl (file and live value) and modprobe (persistent files, the
# failure inside a container). Every effect is checked on the node with
# tb_exec; every change is run twice (the second must not change) and first
# under --check (which must change nothing).
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}

# gfm ARGS...: runs `gpuforge exec -b` on node1 with ARGS; the result is in
# ./out (and shown), the exit status is gpuforge's.
gfm() {
    "$GF" exec -i "$INV" node1 -b "$@" >out 2>&1
    _gfm_rc=$?
    cat out
    return $_gfm_rc
}
changed() { grep -q "^node1 | CHANGED" out; }
unchanged() { grep -q "^node1 | SUCCESS" out; }
on() { tb_exec node1 "$@"; }

unit_file() {
    cat <<'EOF'
[Unit]
Description=gpuforge test service
[Service]
ExecStart=/bin/sleep infinity
ExecReload=/bin/sh -c 'echo reload >>/run/gf-sleep.reloads'
[Install]
WantedBy=multi-user.target
EOF
}

# mkdeb VERSION: builds gf-hello_VERSION.deb (one file and one conffile).
mkdeb() {
    rm -rf pkg && mkdir -p pkg/DEBIAN pkg/usr/share/gf-hello pkg/etc &&
    printf "Package: gf-hello\nVersion: %s\nArchitecture: all\nMaintainer: gpuforge tests <t@example.invalid>\nDescription: gpuforge test package\n" \
        "$1" >pkg/DEBIAN/control &&
    echo /etc/gf-hello.conf >pkg/DEBIAN/conffiles &&
    echo "hello $1" >pkg/usr/share/gf-hello/version &&
    echo "setting=1" >pkg/etc/gf-hello.conf &&
    dpkg-deb --root-owner-group --build pkg "gf-hello_$1.deb" >/dev/null
}

# mkrepo DEB...: writes a flat repository's Packages index for DEB... (what
# dpkg-scanpackages -m writes, without needing dpkg-dev).
mkrepo() {
    for d in "$@"; do
        dpkg-deb -f "$d" && echo "Filename: ./$d" && echo "Size: $(wc -c <"$d")" &&
            echo "SHA256: $(sha256sum "$d" | cut -d" " -f1)" && echo || return 1
    done >Packages
}

dpkg_ver() { on dpkg-query -W -f="\${db:Status-Abbrev}\${Version}" gf-hello 2>/dev/null; }

test_begin "system modules on a 1-node testbed"
tb_up 1 || exit 1

# ---- systemd / service ----

expect_success 'setup: a test unit the node does not run yet' '
    unit_file | on sh -c "cat >/usr/lib/systemd/system/gf-sleep.service" &&
    test "$(on systemctl is-active gf-sleep)" = inactive
'

expect_success 'systemd --check: would start and enable, changes nothing' '
    gfm -m systemd -a "name=gf-sleep state=started enabled=yes daemon_reload=yes" -C &&
    changed && grep -q "\"state\": \"started\"" out &&
    test "$(on systemctl is-active gf-sleep)" = inactive &&
    test "$(on systemctl is-enabled gf-sleep)" = disabled
'

expect_success 'systemd starts and enables (daemon_reload), status shows the unit' '
    gfm -m ansible.builtin.systemd -a "name=gf-sleep state=started enabled=yes daemon_reload=yes" &&
    changed && grep -q "\"enabled\": true" out &&
    grep -q "\"Id\": \"gf-sleep.service\"" out && grep -q "\"LoadState\": \"loaded\"" out &&
    test "$(on systemctl is-active gf-sleep)" = active &&
    test "$(on systemctl is-enabled gf-sleep)" = enabled
'

expect_success 'systemd again: ok, not changed' '
    gfm -m systemd -a "name=gf-sleep state=started enabled=yes" && unchanged &&
    grep -q "\"ActiveState\": \"active\"" out
'

expect_success 'restarted always changes: a new main process' '
    pid=$(on systemctl show -p MainPID --value gf-sleep) && test "$pid" -gt 0 &&
    gfm -m systemd -a "name=gf-sleep state=restarted" && changed &&
    pid2=$(on systemctl show -p MainPID --value gf-sleep) &&
    test "$pid2" -gt 0 && test "$pid2" != "$pid"
'

expect_success 'reloaded always changes and runs ExecReload' '
    gfm -m systemd -a "name=gf-sleep state=reloaded" && changed &&
    test "$(on cat /run/gf-sleep.reloads)" = reload &&
    gfm -m systemd -a "name=gf-sleep state=reloaded" && changed &&
    test "$(on cat /run/gf-sleep.reloads | wc -l)" = 2
'

expect_success 'service stops and disables; --check first changes nothing' '
    gfm -m service -a "name=gf-sleep state=stopped enabled=no" -C && changed &&
    test "$(on systemctl is-active gf-sleep)" = active &&
    gfm -m ansible.builtin.service -a "name=gf-sleep state=stopped enabled=no" && changed &&
    grep -q "\"state\": \"stopped\"" out && grep -q "\"enabled\": false" out &&
    test "$(on systemctl is-active gf-sleep)" = inactive &&
    test "$(on systemctl is-enabled gf-sleep)" = disabled &&
    gfm -m service -a "name=gf-sleep state=stopped enabled=no" && unchanged
'

expect_success 'masked=yes masks, idempotent; masked=no unmasks (--check first)' '
    gfm -m systemd -a "name=gf-sleep masked=yes" && changed &&
    test "$(on systemctl is-enabled gf-sleep)" = masked &&
    gfm -m systemd -a "name=gf-sleep masked=yes" && unchanged &&
    gfm -m systemd -a "name=gf-sleep masked=no" -C && changed &&
    test "$(on systemctl is-enabled gf-sleep)" = masked &&
    gfm -m systemd -a "name=gf-sleep masked=no" && changed &&
    test "$(on systemctl is-enabled gf-sleep)" = disabled
'

expect_code 2 'an unknown unit fails with Ansible'"'"'s message' '
    gfm -m systemd -a "name=gf-no-such-unit state=started"; rc=$?
    grep -q "Could not find the requested service gf-no-such-unit" out || exit 9
    exit $rc
'

expect_code 2 'service needs state or enabled' '
    gfm -m service -a "name=gf-sleep"; rc=$?
    grep -q "Neither .state. nor .enabled. set" out || exit 9
    exit $rc
'

# ---- apt / package ----

expect_success 'setup: two versions of a package, copied to the node' '
    mkdeb 1.0-1 && mkdeb 2.0-1 &&
    on sh -c "cat >/root/gf-hello_1.0-1.deb" <gf-hello_1.0-1.deb &&
    on sh -c "cat >/root/gf-hello_2.0-1.deb" <gf-hello_2.0-1.deb &&
    test -z "$(dpkg_ver)"
'

expect_success 'apt deb= --check: would install, installs nothing' '
    gfm -m apt -a "deb=/root/gf-hello_1.0-1.deb" -C && changed && test -z "$(dpkg_ver)"
'

expect_success 'apt deb= installs the file; again: not changed' '
    gfm -m apt -a "deb=/root/gf-hello_1.0-1.deb" && changed &&
    test "$(dpkg_ver)" = "ii 1.0-1" &&
    test "$(on cat /usr/share/gf-hello/version)" = "hello 1.0-1" &&
    gfm -m apt -a "deb=/root/gf-hello_1.0-1.deb" && unchanged
'

expect_success 'apt deb= of another version upgrades, and downgrades back' '
    gfm -m apt -a "deb=/root/gf-hello_2.0-1.deb" && changed && test "$(dpkg_ver)" = "ii 2.0-1" &&
    gfm -m apt -a "deb=/root/gf-hello_1.0-1.deb" && changed && test "$(dpkg_ver)" = "ii 1.0-1"
'

expect_code 2 'apt deb= of a missing file fails and says so' '
    gfm -m apt -a "deb=/root/nope.deb"; rc=$?
    grep -q "deb file /root/nope.deb does not exist" out || exit 9
    exit $rc
'

expect_success 'setup: a local repository with both versions replaces the Debian sources' '
    mkrepo gf-hello_1.0-1.deb gf-hello_2.0-1.deb && grep -c "^Package: gf-hello" Packages &&
    tar -cf - Packages gf-hello_1.0-1.deb gf-hello_2.0-1.deb |
        on sh -c "mkdir -p /srv/gfrepo && tar -C /srv/gfrepo -xf -" &&
    on sh -c "mv /etc/apt/sources.list /etc/apt/sources.list.gf-off;
        echo \"deb [trusted=yes] file:/srv/gfrepo ./\" >/etc/apt/sources.list.d/gf.list"
'

expect_success 'apt update_cache alone reads the new repository' '
    gfm -m apt -a "update_cache=yes" -C && changed &&
    test -z "$(on apt-cache policy gf-hello | grep "2.0-1")" &&
    gfm -m apt -a "update_cache=yes" && changed && grep -q "\"cache_updated\": true" out &&
    on apt-cache policy gf-hello | grep -q "Candidate: 2.0-1"
'

# as in Ansible, --check does not update the cache, so it runs after that
expect_success 'apt state=latest upgrades from the repository' '
    gfm -m apt -a "name=gf-hello state=latest" -C && changed &&
    test "$(dpkg_ver)" = "ii 1.0-1" &&
    gfm -m apt -a "name=gf-hello state=latest update_cache=yes cache_valid_time=3600" &&
    changed && grep -q "\"cache_updated\": false" out && test "$(dpkg_ver)" = "ii 2.0-1" &&
    gfm -m apt -a "name=gf-hello state=latest" && unchanged &&
    gfm -m package -a "name=gf-hello state=present" && unchanged
'

expect_success 'apt name=pkg=version downgrades with allow_downgrade' '
    gfm -m apt -a "name=gf-hello=1.0* allow_downgrade=yes" && changed &&
    test "$(dpkg_ver)" = "ii 1.0-1" &&
    gfm -m apt -a "name=gf-hello=1.0-1" && unchanged
'

expect_success 'apt state=absent removes (config stays), purge clears it' '
    gfm -m apt -a "name=gf-hello state=absent" -C && changed && test "$(dpkg_ver)" = "ii 1.0-1" &&
    gfm -m apt -a "name=gf-hello state=absent" && changed &&
    test "$(dpkg_ver)" = "rc 1.0-1" && on test ! -e /usr/share/gf-hello/version &&
    gfm -m apt -a "name=gf-hello state=absent" && unchanged &&
    gfm -m apt -a "name=gf-hello state=absent purge=yes" && changed &&
    test -z "$(dpkg_ver)" && on test ! -e /etc/gf-hello.conf &&
    gfm -m apt -a "name=gf-hello state=absent purge=yes" && unchanged
'

expect_success 'package installs the candidate by name' '
    gfm -m ansible.builtin.package -a "name=gf-hello state=present" && changed &&
    test "$(dpkg_ver)" = "ii 2.0-1" &&
    gfm -m package -a "name=gf-hello state=present" && unchanged
'

expect_success 'package downgrades with allow_downgrade, as apt does' '
    gfm -m package -a "name=gf-hello=1.0* state=present allow_downgrade=yes" && changed &&
    test "$(dpkg_ver)" = "ii 1.0-1" &&
    gfm -m package -a "name=gf-hello state=latest" && changed && test "$(dpkg_ver)" = "ii 2.0-1"
'

expect_code 2 'apt of a package no source has fails before changing anything' '
    gfm -m apt -a "name=gf-hello,gf-no-such-package state=present"; rc=$?
    grep -q "package .gf-no-such-package.: no such package is available" out || exit 9
    exit $rc
'

# ---- sysctl ----

expect_success 'setup: a sysctl file with a comment and a stale duplicate' '
    on sh -c "printf \"# kept\nnet.ipv4.ip_forward = 0\n\" >/etc/sysctl.d/60-gf.conf" &&
    on sysctl -w net.ipv4.ip_forward=0
'

expect_success 'sysctl --check (with --diff): would change, changes nothing' '
    gfm -m sysctl -a "name=net.ipv4.ip_forward value=1 sysctl_file=/etc/sysctl.d/60-gf.conf sysctl_set=yes" -C -D &&
    changed && grep -qx "+net.ipv4.ip_forward=1" out &&
    test "$(on sysctl -n net.ipv4.ip_forward)" = 0 &&
    test "$(on cat /etc/sysctl.d/60-gf.conf)" = "$(printf "# kept\nnet.ipv4.ip_forward = 0")"
'

expect_success 'sysctl sets the file line and the live value; again: not changed' '
    gfm -m ansible.posix.sysctl -a "name=net.ipv4.ip_forward value=yes sysctl_file=/etc/sysctl.d/60-gf.conf sysctl_set=yes" &&
    changed && test "$(on sysctl -n net.ipv4.ip_forward)" = 1 &&
    test "$(on cat /etc/sysctl.d/60-gf.conf)" = "$(printf "# kept\nnet.ipv4.ip_forward=1")" &&
    gfm -m sysctl -a "name=net.ipv4.ip_forward value=1 sysctl_file=/etc/sysctl.d/60-gf.conf sysctl_set=yes" &&
    unchanged
'

expect_success 'sysctl_set puts back a live value that drifted (file untouched)' '
    on sysctl -w net.ipv4.ip_forward=0 &&
    on stat -c %Y%i /etc/sysctl.d/60-gf.conf >before &&
    gfm -m sysctl -a "name=net.ipv4.ip_forward value=1 sysctl_file=/etc/sysctl.d/60-gf.conf sysctl_set=yes" &&
    changed && test "$(on sysctl -n net.ipv4.ip_forward)" = 1 &&
    on stat -c %Y%i /etc/sysctl.d/60-gf.conf >after && test_cmp before after
'

expect_success 'sysctl state=absent removes the line only' '
    gfm -m sysctl -a "name=net.ipv4.ip_forward state=absent sysctl_file=/etc/sysctl.d/60-gf.conf" &&
    changed && test "$(on cat /etc/sysctl.d/60-gf.conf)" = "# kept" &&
    gfm -m sysctl -a "name=net.ipv4.ip_forward state=absent sysctl_file=/etc/sysctl.d/60-gf.conf" &&
    unchanged
'

expect_code 2 'sysctl of a key the container may not write fails with sysctl'"'"'s reason' '
    gfm -m sysctl -a "name=kernel.panic value=7 sysctl_file=/etc/sysctl.d/61-gf.conf"; rc=$?
    grep -q "Failed to reload sysctl: .*kernel.panic" out || exit 9
    exit $rc
'

# ---- modprobe ----

expect_success 'modprobe persistent=present writes both files; again: not changed' '
    gfm -m modprobe -a "name=gf_dummy state=absent persistent=present params=\"numdummies=2 x=y\"" -C &&
    changed && on test ! -e /etc/modules-load.d/gf_dummy.conf &&
    gfm -m community.general.modprobe -a "name=gf_dummy state=absent persistent=present params=\"numdummies=2 x=y\"" &&
    changed && test "$(on cat /etc/modules-load.d/gf_dummy.conf)" = gf_dummy &&
    test "$(on cat /etc/modprobe.d/gf_dummy.conf)" = "options gf_dummy numdummies=2 x=y" &&
    gfm -m modprobe -a "name=gf_dummy state=absent persistent=present params=\"numdummies=2 x=y\"" &&
    unchanged
'

expect_success 'modprobe persistent=absent removes them (--check first)' '
    gfm -m modprobe -a "name=gf_dummy state=absent persistent=absent" -C && changed &&
    on test -e /etc/modules-load.d/gf_dummy.conf &&
    gfm -m modprobe -a "name=gf_dummy state=absent persistent=absent" && changed &&
    on test ! -e /etc/modules-load.d/gf_dummy.conf && on test ! -e /etc/modprobe.d/gf_dummy.conf &&
    gfm -m modprobe -a "name=gf_dummy state=absent persistent=absent" && unchanged
'

expect_code 2 'modprobe of a module the node cannot load fails with the real reason' '
    gfm -m modprobe -a "name=gf_no_such_module persistent=present"; rc=$?
    grep -q "modprobe gf_no_such_module failed: modprobe: FATAL" out &&
    grep -q "container" out || exit 9
    # nothing persistent is written for a module that did not load
    on test ! -e /etc/modules-load.d/gf_no_such_module.conf || exit 9
    exit $rc
'

# A module the (shared) kernel already has loaded is "present" without a
# change; kernels built without loadable modules have none to try.
first_mod=$(on sh -c "head -n 1 /proc/modules 2>/dev/null" | cut -d" " -f1)
if [ -n "$first_mod" ]; then
    expect_success "modprobe of a loaded module ($first_mod) is ok, not changed" '
        gfm -m modprobe -a "name=$first_mod state=present" && unchanged
    '
else
    echo "# skipped: modprobe of a loaded module (this kernel has no loadable modules)"
fi

test_done
