#!/bin/sh
# t0370-modules-net: get_url, service_facts, dpkg_selections, iptables,
# apt_repository, deb822_repository, selinux and friends side by side with
# ansible-playbook: each playbook of tests/e2e/playbooks/net runs through
# gpuforge on node1 (its Python hidden) and ansible-playbook on node2, --check
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
        echo "## apt"; cd /etc/apt/sources.list.d && for f in *; do [ -e "$f" ] || continue
            stat -c "%n %a %U" "$f"; cat "$f"; done
        echo "## keys"; [ -d /srv/keys ] && cd /srv/keys && stat -c "%n %a %U %G" * &&
            for f in *.pub; do [ -e "$f" ] && cut -d" " -f1,3 "$f"; done
        echo "## selinux"; ls /etc/selinux 2>&1'
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
    mkdir -p srv/sub && printf "hello world\n" >srv/hello.txt && printf "second file\n" >srv/sub/two.bin &&
    (cd srv/sub && cp ../hello.txt . && { sha256sum -b hello.txt; sha256sum two.bin | sed "s|  |  ./|"; } >SHA256SUMS) &&
    { python3 -m http.server "$PORT" --bind "$HOSTIP" --directory srv >http.log 2>&1 & echo $! >http.pid; } &&
    sleep 1 && kill -0 "$(cat http.pid)"
'

for NAME in get_url uri service_facts dpkg iptables openssh_keypair; do
    expect_success "$NAME: --check, run, run again: the same as ansible-playbook" 'pair $NAME'
done

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

expect_success 'the HTTP server stops' 'kill "$(cat http.pid)"'

test_done
