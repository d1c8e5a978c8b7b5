#!/bin/sh
# t0370-modules-net: get_url, uri, service_facts, dpkg_selections, iptables,
# openssh_keypair, ufw (and apt_repository, deb822_repository, package_facts,
# selinux, apt_key) side by side with ansible-playbook: each playbook of
# tests/e2e/playbooks/net runs through gpuforge on node1 (its Python hidden)
# and ansible-playbook on node2, --check
# first (nothing may change on the node, and both report the same tasks
# changed), then for real (same per-task status, same end state on both
# nodes), then again (changed=0 on both). Downloads come from an HTTP server
# this test starts on the testbed's bridge (the nodes have no internet).
. "$(dirname "$0")/test-lib.sh"
ROOT=$(cd "$TEST_DIR/../.." && pwd)
GF=${GF_BIN:-$ROOT/gpuforge}
PBDIR=$TEST_DIR/playbooks/net

printf '[defaults]\ninterpreter_python = auto_silent\nretry_files_enabled = False\n' >ansible.cfg
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1

test_begin "network and package modules through gpuforge and ansible-playbook"
tb_up 2 || exit 1
HOSTIP=$(tb_addr node1 | sed 's/\.[0-9]*$/.1/')
PORT=$((20000 + $$ % 10000))
SRV=http://$HOSTIP:$PORT

# What a node holds that the playbooks touch.
node_state() {
    tb_exec "$1" sh -c '
        echo "## files"; [ -d /srv/net ] && cd /srv/net &&
            find . -printf "%p %y %m %u %g %s\n" | sort && find . -type f -exec sha256sum {} + | sort -k2
        echo "## services"; cat /srv/services.json 2>/dev/null
        echo "## dpkg"; dpkg --get-selections xz-utils kmod
        echo "## iptables"; for t in filter nat; do iptables -t $t -S; done; ip6tables -S
        echo "## keys"; [ -d /srv/keys ] && cd /srv/keys && stat -c "%n %a %U %G" * &&
            for f in *.pub; do [ -e "$f" ] && cut -d" " -f1,3 "$f"; done
        echo "## selinux"; ls /etc/selinux 2>&1'
}
# The APT sources of node1 (apt_repository and deb822_repository run there only).
apt_state() {
    tb_exec node1 sh -c 'cd /etc/apt/sources.list.d && for f in *; do [ -e "$f" ] || continue
        stat -c "%n %a %U" "$f"; cat "$f"; done; ls -la /etc/apt/keyrings'
}
recap_field() { # FILE FIELD -> the number in the recap line
    sed -n "s/.* $2=\([0-9]*\).*/\1/p" "$1" | tail -1
}
# Each task's name and the status of its host: "task | ok" lines.
task_status() {
    awk '/^TASK \[/ { t = $0; sub(/^TASK \[/, "", t); sub(/\] \**$/, "", t) }
         /^(ok|changed|skipping|fatal|failed): \[node[12]\]/ {
             s = $1; sub(/:$/, "", s); print t " | " s }' "$1"
}
# pair NAME [ARGS...]: the playbook NAME.yml with --check, then for real,
# then again, on node1 by gpuforge and on node2 by ansible-playbook.
pair() {
    pb=$PBDIR/$1.yml
    shift
    node_state node1 >"$NAME.s1-before" &&
    "$GF" run -i "$INV" -l node1 --check "$pb" -e "srv=$SRV" "$@" >"$NAME.gf-check" 2>&1
    rc1=$?
    ansible-playbook -i "$INV" -l node2 --check "$pb" -e "srv=$SRV" "$@" >"$NAME.an-check" 2>&1
    rc2=$?
    node_state node1 >"$NAME.s1-after"
    echo "check: gpuforge $rc1, ansible-playbook $rc2"
    test_cmp "$NAME.s1-before" "$NAME.s1-after" || return 1
    task_status "$NAME.an-check" >"$NAME.t2" && task_status "$NAME.gf-check" >"$NAME.t1" &&
        test_cmp "$NAME.t2" "$NAME.t1" || return 1
    test "$rc1" = "$rc2" || { cat "$NAME.gf-check"; return 1; }

    "$GF" run -i "$INV" -l node1 "$pb" -e "srv=$SRV" "$@" >"$NAME.gf1" 2>&1
    rc1=$?
    ansible-playbook -i "$INV" -l node2 "$pb" -e "srv=$SRV" "$@" >"$NAME.an1" 2>&1
    rc2=$?
    sed -n '/^PLAY RECAP/,$p' "$NAME.gf1" "$NAME.an1"
    test "$rc1" = 0 && test "$rc2" = 0 || { cat "$NAME.gf1" "$NAME.an1"; return 1; }
    task_status "$NAME.an1" >"$NAME.t2" && task_status "$NAME.gf1" >"$NAME.t1" &&
        test_cmp "$NAME.t2" "$NAME.t1" || return 1
    test "$(recap_field "$NAME.gf1" changed)" -gt 0 || return 1
    node_state node1 >"$NAME.s1" && node_state node2 >"$NAME.s2" &&
        test_cmp "$NAME.s2" "$NAME.s1" || return 1

    "$GF" run -i "$INV" -l node1 "$pb" -e "srv=$SRV" "$@" >"$NAME.gf2" 2>&1 &&
    ansible-playbook -i "$INV" -l node2 "$pb" -e "srv=$SRV" "$@" >"$NAME.an2" 2>&1 || {
        cat "$NAME.gf2" "$NAME.an2"; return 1; }
    test "$(recap_field "$NAME.gf2" changed)" = 0 && test "$(recap_field "$NAME.an2" changed)" = 0 ||
        { cat "$NAME.gf2" "$NAME.an2"; return 1; }
}

expect_success 'node1 has no Python at all' '
    tb_exec node1 sh -c "for p in /usr/bin/python3*; do mv \"\$p\" \"\$p.hidden\"; done" &&
    ! tb_exec node1 sh -c "command -v python3 || command -v python"
'

expect_success 'files served over HTTP on the bridge' '
    mkdir -p srv/sub srv/repo && printf "hello world\n" >srv/hello.txt && printf "second file\n" >srv/sub/two.bin &&
    : >srv/repo/Packages && printf '"'"'{"ok": true, "items": [1, 2], "name": "gf"}'"'"' >srv/data.json && printf -- "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmQINBFit\n-----END PGP PUBLIC KEY BLOCK-----\n" >srv/key.asc &&
    (cd srv/sub && cp ../hello.txt . && { sha256sum -b hello.txt; sha256sum two.bin | sed "s|  |  ./|"; } >SHA256SUMS) &&
    { python3 -m http.server "$PORT" --bind "$HOSTIP" --directory srv >http.log 2>&1 & echo $! >http.pid; } &&
    sleep 1 && kill -0 "$(cat http.pid)"
'

for NAME in get_url uri service_facts dpkg iptables openssh_keypair; do
    expect_success "$NAME: --check, run, run again: the same as ansible-playbook" 'pair $NAME'
done

expect_success 'selinux: both fail the same way on a node without SELinux, changing nothing' '
    node_state node1 >se.before &&
    "$GF" run -i "$INV" -l node1 "$PBDIR/selinux.yml" >se.gf 2>&1; rc1=$?
    ansible-playbook -i "$INV" -l node2 "$PBDIR/selinux.yml" >se.an 2>&1; rc2=$?
    cat se.gf; grep fatal se.an
    test "$rc1" = 2 && test "$rc2" = 2 &&
    task_status se.an >se.t2 && task_status se.gf >se.t1 && test_cmp se.t2 se.t1 &&
    grep -q "libselinux-python" se.an && grep -q "SELinux is not installed on node1" se.gf &&
    node_state node1 >se.after && test_cmp se.before se.after
'

# apt_repository and deb822_repository: Ansible 2.14 has no deb822_repository and
# its apt_repository needs python3-apt (and gpg) on the node, which the node image
# lacks; the files are checked against what Ansible's code writes.
expect_success 'apt sources: --check changes nothing' '
    tb_exec node1 sh -c "rm -f /etc/apt/sources.list /etc/apt/sources.list.d/*;
        printf \"# a comment\n\n#deb   http://old.example/ x y\ndeb http://gone.example/ z main\n\" >/etc/apt/sources.list.d/old.list" &&
    apt_state >apt.before &&
    "$GF" run -i "$INV" -l node1 --check "$PBDIR/apt_sources.yml" -e "srv=$SRV" >apt.check 2>&1 ||
        { cat apt.check; exit 1; }
    apt_state >apt.after && test_cmp apt.before apt.after &&
    test "$(recap_field apt.check changed)" = 5
'

expect_success 'apt sources: the files Ansible writes, then apt-get update from the bridge' '
    "$GF" run -i "$INV" -l node1 "$PBDIR/apt_sources.yml" -e "srv=$SRV" >apt.1 2>&1 ||
        { cat apt.1; exit 1; }
    test "$(recap_field apt.1 changed)" = 5 &&
    grep -q "GET /repo/\(\./\)\?Packages\|GET /repo/\(\./\)\?InRelease" http.log &&
    tb_exec node1 sh -c "cd /etc/apt/sources.list.d && for f in *; do stat -c \"== %n %a\" \$f; cat \$f; done;
        stat -c \"== %n %a\" /etc/apt/keyrings/*; cat /etc/apt/keyrings/gf-local-repo.asc" >apt.got &&
    cat >apt.want <<-EOF &&
	== gf-local-repo.sources 644
	Architectures: amd64 arm64
	X-Repolib-Name: GF Local_Repo
	Signed-By: /etc/apt/keyrings/gf-local-repo.asc
	Suites: ./
	Types: deb
	URIs: $SRV/repo
	== gf-local.list 640
	deb [trusted=yes] $SRV/repo ./
	== inline.sources 600
	Components: main contrib
	Enabled: no
	X-Repolib-Name: inline
	Signed-By:
	    -----BEGIN PGP PUBLIC KEY BLOCK-----
	    .
	    abc
	    -----END PGP PUBLIC KEY BLOCK-----
	Suites: bookworm bookworm-updates
	Types: deb
	URIs: http://a.example/x http://b.example/y
	== old.list 644
	# a comment

	deb http://old.example/ x y
	== /etc/apt/keyrings/gf-local-repo.asc 644
	EOF
    cat srv/key.asc >>apt.want && test_cmp apt.want apt.got
'

expect_success 'apt sources: a second run changes nothing' '
    "$GF" run -i "$INV" -l node1 "$PBDIR/apt_sources.yml" -e "srv=$SRV" >apt.2 2>&1 ||
        { cat apt.2; exit 1; }
    test "$(recap_field apt.2 changed)" = 0
'

expect_success 'apt_key: both fail the same way on a node without gpg, changing nothing' '
    node_state node1 >ak.before &&
    "$GF" run -i "$INV" -l node1 "$PBDIR/apt_key.yml" -e "srv=$SRV" >ak.gf 2>&1; rc1=$?
    ansible-playbook -i "$INV" -l node2 "$PBDIR/apt_key.yml" -e "srv=$SRV" >ak.an 2>&1; rc2=$?
    grep fatal ak.gf ak.an
    test "$rc1" = 2 && test "$rc2" = 2 &&
    sed -n "s/.*\(\"msg\": .*\)}\$/\1/p" ak.an >ak.m2 &&
    sed -n "s/.*\(\"msg\": .*\)}\$/\1/p" ak.gf >ak.m1 &&
    test -s ak.m1 && test_cmp ak.m2 ak.m1 &&
    node_state node1 >ak.after && test_cmp ak.before ak.after
'

expect_success 'get_url fetched through the controller: the node has neither curl nor wget' '
    ! tb_exec node1 sh -c "command -v curl || command -v wget" &&
    grep -q "GET /hello.txt" http.log
'

expect_success 'get_url: a URL naming the node itself cannot come from the controller' '
    printf "%s\n" "- hosts: node1" "  gather_facts: false" "  tasks:" \
        "    - get_url: {url: \"http://localhost:1/x\", dest: /tmp/x}" >self.yml &&
    "$GF" run -i "$INV" self.yml >self.out 2>&1
    rc=$?; cat self.out
    test $rc != 0 && grep -q "neither curl nor wget" self.out
'

expect_success 'package_facts: every installed package, as dpkg-query lists them' '
    cat >pf.yml <<-EOF &&
	- hosts: node1
	  gather_facts: false
	  tasks:
	    - ansible.builtin.package_facts:
	    - ansible.builtin.copy:
	        dest: /tmp/pkgs
	        content: "{% for n, l in ansible_facts.packages | dictsort %}{% for p in l %}{{ p.name }} {{ p.version }} {{ p.arch }} {{ p.source }}\n{% endfor %}{% endfor %}"
	EOF
    "$GF" run -i "$INV" pf.yml >pf.out 2>&1 || { cat pf.out; exit 1; }
    tb_exec node1 cat /tmp/pkgs >pf.gf &&
    tb_exec node1 dpkg-query -W -f "\${db:Status-Status} \${Package} \${Version} \${Architecture}\n" |
        awk "\$1 == \"installed\" { print \$2, \$3, \$4, \"apt\" }" | LC_ALL=C sort >pf.want &&
    LC_ALL=C sort pf.gf >pf.got && test "$(wc -l <pf.got)" -gt 100 && test_cmp pf.want pf.got
'

expect_success 'ufw: a node without ufw fails as Ansible does' '
    "$GF" run -i "$INV" -l node1 "$PBDIR/ufw.yml" >ufw0.gf 2>&1; rc1=$?
    ansible-playbook -i "$INV" -l node2 "$PBDIR/ufw.yml" >ufw0.an 2>&1; rc2=$?
    grep fatal ufw0.gf ufw0.an
    test "$rc1" = 2 && test "$rc2" = 2 &&
    grep -q "Failed to find required executable .*ufw.* in paths" ufw0.gf &&
    grep -q "Failed to find required executable .*ufw.* in paths" ufw0.an
'

# ufw is a Python program: node1 gets its Python back to run it. The package
# comes from Debian's archive (the test skips when that cannot be reached).
expect_success 'ufw installed on both nodes' '
    tb_exec node1 sh -c "for p in /usr/bin/python3*.hidden; do mv \"\$p\" \"\${p%.hidden}\"; done" &&
    tb_exec node1 cat /var/lib/dpkg/status >node-status &&
    if "$GF" bundle fetch-debs ufw -o ufwrepo --status node-status >fd.out 2>&1; then
        set -- ufwrepo/ufw_*.deb
        for n in node1 node2; do
            tb_exec $n sh -c "cat >/tmp/ufw.deb && dpkg -i /tmp/ufw.deb" <"$1" || exit 1
        done
        touch have-ufw
    else
        echo "skipped: the ufw package could not be fetched"; tail -3 fd.out
    fi
'

expect_success 'ufw: --check, run, run again: the same as ansible-playbook' '
    test -e have-ufw || { echo skipped; exit 0; }
    NAME=ufw && pair ufw &&
    for n in node1 node2; do tb_exec $n sh -c "ufw status verbose; cat /etc/ufw/user.rules /etc/ufw/user6.rules" >ufw.$n || exit 1; done &&
    grep -q "6443/tcp.*ALLOW IN.*Anywhere.*# k3s api" ufw.node1 && test_cmp ufw.node2 ufw.node1
'

# get_url and uri again with curl on node1, from Debian's archive (skipped
# when that cannot be reached): the downloads come from the node itself.
expect_success 'curl installed on node1' '
    tb_exec node1 cat /var/lib/dpkg/status >node-status2 &&
    if "$GF" bundle fetch-debs curl -o curlrepo --status node-status2 >fd2.out 2>&1; then
        tar -C curlrepo -cf curl.tar . &&
        tb_exec node1 sh -c "mkdir -p /tmp/cr && tar -C /tmp/cr -xf - && dpkg -i /tmp/cr/*.deb" <curl.tar &&
        tb_exec node1 sh -c "command -v curl" && touch have-curl
    else
        echo "skipped: curl could not be fetched"; tail -3 fd2.out
    fi
'

for NAME in get_url uri; do
    expect_success "$NAME with the node's curl: the same as ansible-playbook, fetched by the node" '
        test -e have-curl || { echo skipped; exit 0; }
        for n in node1 node2; do tb_exec $n sh -c "rm -rf /srv/net && mkdir /srv/net" || exit 1; done
        wc -l <http.log >mark &&
        NAME=$NAME-curl && pair "${NAME%-curl}" &&
        tail -n +"$(($(cat mark) + 1))" http.log >new.log &&
        grep -q "^$(tb_addr node1) .*\"GET /hello.txt" new.log
    '
done

expect_success 'the HTTP server stops' 'kill "$(cat http.pid)"'

test_done
