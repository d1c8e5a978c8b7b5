#!/bin/sh
# t0240-no-silent-wrong: where gpuforge used to exit 0 having done something
# other than Ansible, the same playbooks now run by gpuforge on node1 (its
# Python removed) and by ansible-playbook on node2 report the same and leave
# the same state: creates/removes as glob patterns (command, shell; script
# and unarchive test them literally, as Ansible does), in and out of --check; ~,
# ~/x, ~root/x, ~gf/x and $VAR in file, copy, stat and lineinfile with and
# without become; a templated play `hosts:`; --start-at-task with facts;
# --syntax-check with every static check and no host; and k3s-ansible's own
# playbooks/reset.yml on nodes seeded with what a k3s install leaves.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
PBS=$TEST_DIR/playbooks/silent
# third-party content, taken by path, never copied into the repository
K3S=${GF_COMPAT_CORPUS:-$TEST_DIR/../../../shared/compat/corpus}/k3s-io__k3s-ansible

# ansible-playbook with nothing from this machine's configuration
printf '[defaults]\ninterpreter_python = auto_silent\nretry_files_enabled = False\n' >ansible.cfg
export ANSIBLE_CONFIG="$PWD/ansible.cfg" ANSIBLE_NOCOLOR=1

# side PLAYBOOK [OPTION...]: gpuforge on node1 (gf.out, exit status in
# gf.rc), ansible-playbook on node2 (an.out, an.rc), both with $SIDE_INV.
side() {
    _pb=$1
    shift
    "$GF" run -i "$SIDE_INV" -l node1 "$@" "$_pb" >gf.out 2>&1
    echo $? >gf.rc
    ansible-playbook -i "$SIDE_INV" -l node2 "$@" "$_pb" >an.out 2>&1
    echo $? >an.rc
    cat gf.out
    echo "--- ansible-playbook:"
    cat an.out
}
# What both must agree on: each task's status per host, debug messages, the
# recap, with the node names made equal.
verdicts() {
    grep -E '^(PLAY|TASK) \[|^(ok|changed|skipping|fatal|failed): |"msg": |^node[12] +:|^\[WARNING\]: Could not match|^skipping: no hosts' "$1" |
        sed -e 's/node[12]/NODE/g' -e 's/\*\**$//' -e 's/ *$//'
}
same_verdicts() {
    verdicts gf.out >v.gf && verdicts an.out >v.an && test "$(wc -l <v.an)" -gt 3 &&
        test_cmp v.an v.gf && test "$(cat gf.rc)" = "$(cat an.rc)"
}
on_both() { tb_exec node1 "$@" >s1 && tb_exec node2 "$@" >s2 && test_cmp s2 s1; }

test_begin "no silent difference from ansible-playbook"

# ---- --syntax-check: every static check, and no host is needed ------------------------------

expect_code 4 '--syntax-check reports an undefined variable in a task, with no inventory' '
    "$GF" run --syntax-check "$PBS/undefined-task.yml" 2>err; rc=$?
    cat err
    grep -q "undefined-task.yml:8:18: undefined variable .never_defined_anywhere." err && exit $rc
'

expect_code 4 '--syntax-check refuses an inventory variable in hosts, as ansible-playbook does' '
    printf "[master]\nnode1 ansible_host=192.0.2.1 ansible_user=gf\n" >unreach.ini
    ansible-playbook -i unreach.ini --syntax-check "$PBS/hosts-inventory-var.yml" >an.err 2>&1
    test $? = 4 || { cat an.err; exit 1; }
    "$GF" run -i unreach.ini --syntax-check "$PBS/hosts-inventory-var.yml" 2>err; rc=$?
    cat err
    grep -q "hosts-inventory-var.yml:3:3: undefined variable .ansible_user. in the play.s .hosts." err &&
        exit $rc
'

expect_success '--syntax-check passes a good playbook and reaches no host' '
    "$GF" run -i unreach.ini --syntax-check "$PBS/hosts.yml" >out 2>&1; rc=$?
    cat out
    test $rc = 0 && grep -q "^playbook: .*hosts.yml" out
'

tb_up 2 || exit 1
SIDE_INV=$INV

expect_success 'node1 has no Python at all' '
    tb_exec node1 sh -c "for p in /usr/bin/python3*; do mv \"\$p\" \"\$p.hidden\"; done" &&
    ! tb_exec node1 sh -c "command -v python3 || command -v python"
'

# ---- creates/removes as glob patterns ---------------------------------------------------------

expect_success 'creates/removes globs: the same tasks run and skip as with ansible-playbook' '
    mkdir -p arc/unpacked && echo x >arc/unpacked/f && tar czf arc.tgz -C arc unpacked &&
    side "$PBS/glob.yml" -e archive="$PWD/arc.tgz"
    same_verdicts && grep -q "Did not run command since ./srv/g/data/\*. exists|skipped, since /srv/g/data/\* exists|0|False" gf.out
'

expect_success 'creates/removes globs: the same files on both nodes' '
    on_both sh -c "ls -A /srv/g" && cat s1 &&
    grep -qx ran-creates-nomatch s1 && grep -qx ran-removes-match s1 && ! grep -q ran-creates-match s1 &&
    grep -qx ran-script-literal s1 && ! grep -q ran-script-exists s1 && grep -qx unpacked s1
'

expect_success '--check predicts from creates/removes as ansible-playbook does, changes nothing' '
    tb_exec node1 ls -A /srv/g >before &&
    side "$PBS/check.yml" --check
    same_verdicts && grep -q "Would not run command since ./srv/g/data/\*.db. exists|False|False" gf.out &&
    grep -q "Command would have run if not in check mode|True|False" gf.out &&
    grep -q "Command would have run if not in check mode|False|True" gf.out &&
    tb_exec node1 ls -A /srv/g >after && test_cmp before after
'

# ---- ~ and ~user in path parameters -------------------------------------------------------------

expect_success '~ paths: file, copy, stat, lineinfile report as with ansible-playbook' '
    side "$PBS/tilde.yml"
    same_verdicts && grep -q "\"msg\": \"True 7 True gf\"" gf.out
'

expect_success '~ paths: the same files in the same homes on both nodes' '
    on_both sh -c "find /home/gf /root -path \"*gf-tilde*\" -printf \"%p %m %u\n\" | sort;
        ls -d /home/gf/~nosuchuser/x; ls -A / | grep -c \"^~\" || :" && cat s1 &&
    grep -q "^/home/gf/gf-tilde/copied.txt 644 gf" s1 &&
    grep -q "^/root/gf-tilde-root/by-name.txt 600 root" s1 &&
    grep -q "^/home/gf/gf-tilde/env.txt 644 gf" s1 && grep -q "^/root/gf-tilde-root/home 700" s1 &&
    grep -q "^/root/gf-tilde-root/from-env 700" s1 &&
    grep -qF "/home/gf/gf-tilde/\$GF_NOT_SET_ANYWHERE 755" s1
'

expect_success '~ paths: a second run changes nothing on both' '
    side "$PBS/tilde.yml"
    same_verdicts && grep -q "^node1 .*changed=0" gf.out
'

expect_success '~ in gpuforge exec -m too' '
    "$GF" exec -i "$INV" node1 -m file -a "path=~/gf-adhoc state=directory" >out 2>&1; cat out
    tb_exec node1 test -d /home/gf/gf-adhoc && ! tb_exec node1 test -e "/home/gf/~"
'

# ---- a templated play hosts ---------------------------------------------------------------------

expect_success 'templated hosts: the same hosts as ansible-playbook --list-hosts' '
    for t in "" "-e target=worker" "-e target=nosuch"; do
        "$GF" run -i "$INV" $t --list-hosts "$PBS/hosts.yml" >>gf.list 2>&1
        ansible-playbook -i "$INV" $t --list-hosts "$PBS/hosts.yml" >>an.list 2>&1
    done
    sed -e "s/^playbook: .*/playbook/" -e "/^$/d" gf.list | sort >l.gf &&
    sed -e "s/^playbook: .*/playbook/" -e "/^$/d" an.list | sort >l.an &&
    cat l.gf && test_cmp l.an l.gf && grep -q "hosts (1):" l.gf
'

expect_success 'templated hosts: a run goes to the hosts the extra vars name' '
    "$GF" run -i "$INV" -e target=master "$PBS/hosts.yml" >out 2>&1; rc=$?
    cat out
    test $rc = 0 && grep -q "\"msg\": \"ran on node1\"" out && ! grep -q "ran on node2" out &&
    grep -q "\"msg\": \"second on node2\"" out
'

expect_success 'templated hosts: no match prints what ansible-playbook prints' '
    "$GF" run -i "$INV" -e target=nosuch "$PBS/hosts.yml" >out 2>&1; rc=$?
    cat out
    test $rc = 0 && grep -q "^skipping: no hosts matched" out &&
    grep -q "Could not match supplied host pattern, ignoring: nosuch" out
'

expect_code 4 'templated hosts: an inventory variable there is an error, not an empty play' '
    "$GF" run -i "$INV" "$PBS/hosts-inventory-var.yml" >out 2>&1; rc=$?
    cat out
    ! grep -q "skipping: no hosts matched" out && grep -q "undefined variable .ansible_user." out &&
        exit $rc
'

# ---- --start-at-task still gathers facts --------------------------------------------------------

expect_success '--start-at-task gathers facts for the task it starts at, as ansible-playbook' '
    side "$PBS/start-at.yml" --start-at-task "Write the host name from the facts"
    same_verdicts &&
    tb_exec node1 cat /srv/sat-facts >f1 && grep -qx "node1 Debian" f1 &&
    tb_exec node2 cat /srv/sat-facts >f2 && grep -qx "node2 Debian" f2 &&
    on_both sh -c "test ! -e /srv/sat-first && echo absent"
'

expect_success '--start-at-task takes a shell pattern, as ansible-playbook' '
    tb_exec node1 rm -f /srv/sat-facts && tb_exec node2 rm -f /srv/sat-facts &&
    side "$PBS/start-at.yml" --start-at-task "Write the host*"
    same_verdicts && tb_exec node1 test -s /srv/sat-facts
'

# ---- k3s-ansible playbooks/reset.yml on nodes holding a k3s install ------------------------

# What a k3s-ansible install leaves: k3s's data, config, binary, install and
# uninstall scripts (the latter removes what k3s's own does), units, the
# user's kubeconfig and .bashrc lines.
seed_k3s() {
    tb_exec "$1" sh -c '
        mkdir -p /var/lib/rancher/k3s/server/db /var/lib/rancher/k3s/agent /etc/rancher/k3s \
            /home/gf/.kube /etc/systemd/system &&
        echo state >/var/lib/rancher/k3s/server/db/state.db &&
        echo "token: x" >/etc/rancher/k3s/config.yaml &&
        printf "#!/bin/sh\nexit 0\n" >/usr/local/bin/k3s &&
        printf "#!/bin/sh\nexit 0\n" >/usr/local/bin/k3s-install.sh &&
        printf "#!/bin/sh\nfor u in k3s k3s-agent; do systemctl stop \$u 2>/dev/null; done\nexit 0\n" \
            >/usr/local/bin/k3s-killall.sh &&
        cat >/usr/local/bin/k3s-uninstall.sh <<EOF &&
#!/bin/sh
set -x
/usr/local/bin/k3s-killall.sh
systemctl disable k3s 2>/dev/null || :
rm -f /etc/systemd/system/k3s.service /etc/systemd/system/k3s.service.env
systemctl daemon-reload
rm -rf /etc/rancher/k3s /run/k3s /run/flannel /var/lib/rancher/k3s /var/lib/kubelet
rm -f /usr/local/bin/k3s /usr/local/bin/k3s-killall.sh
rm -f /usr/local/bin/k3s-uninstall.sh
EOF
        chmod 0755 /usr/local/bin/k3s /usr/local/bin/k3s-*.sh &&
        printf "[Unit]\nDescription=k3s\n[Service]\nExecStart=/usr/local/bin/k3s server\n[Install]\nWantedBy=multi-user.target\n" \
            >/etc/systemd/system/k3s.service &&
        systemctl daemon-reload && systemctl enable k3s 2>/dev/null &&
        echo "apiVersion: v1" >/home/gf/.kube/config &&
        printf "alias x=y\nexport KUBECONFIG=~/.kube/config # Added by k3s-ansible\n" >>/home/gf/.bashrc &&
        chown -R gf:gf /home/gf/.kube /home/gf/.bashrc'
}
k3s_state() {
    tb_exec "$1" sh -c 'for p in /var/lib/rancher/k3s /etc/rancher/k3s /usr/local/bin/k3s \
            /usr/local/bin/k3s-install.sh /usr/local/bin/k3s-uninstall.sh \
            /etc/systemd/system/k3s.service /home/gf/.kube/config; do
            if [ -e "$p" ]; then echo "$p present"; else echo "$p absent"; fi; done
        grep -c "Added by k3s-ansible" /home/gf/.bashrc || :'
}

if [ -f "$K3S/playbooks/reset.yml" ]; then
    # k3s-ansible's inventory shape: k3s_cluster with server and agent
    {
        echo "[server]"
        grep -E "^node[12] " "$INV"
        echo "[agent]"
        echo "[k3s_cluster:children]"
        echo server
        echo agent
        echo "[all:vars]"
        grep "^ansible_ssh_common_args" "$INV"
    } >k3s.ini

    expect_success 'k3s reset: seed both nodes with a k3s install' '
        seed_k3s node1 && seed_k3s node2 && k3s_state node1 >k && cat k &&
        ! grep -q absent k
    '

    expect_success 'k3s reset --check: the same predictions, nothing removed' '
        SIDE_INV=k3s.ini side "$K3S/playbooks/reset.yml" --check
        same_verdicts && k3s_state node1 >k && ! grep -q absent k
    '

    expect_success 'k3s reset: uninstalls on both nodes, reported alike' '
        SIDE_INV=k3s.ini side "$K3S/playbooks/reset.yml"
        same_verdicts && test "$(cat gf.rc)" = 0 &&
        grep -A1 "TASK \[Run K3s Uninstall script \[server\]\]" gf.out | grep -q "^changed: \[node1\]"
    '

    expect_success 'k3s reset: nothing of k3s is left, the same on both nodes' '
        k3s_state node1 >k1 && k3s_state node2 >k2 && cat k1 && test_cmp k2 k1 &&
        ! grep -q present k1 && test "$(tail -1 k1)" = 0 &&
        tb_exec node1 grep -qx "alias x=y" /home/gf/.bashrc
    '

    expect_success 'k3s reset: a second run skips the uninstall, as ansible-playbook' '
        SIDE_INV=k3s.ini side "$K3S/playbooks/reset.yml"
        same_verdicts && grep -q "^node1 .*changed=0" gf.out
    '
else
    echo "# skipped: k3s-ansible reset.yml (no corpus at $K3S)"
fi

test_done
