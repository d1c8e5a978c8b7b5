#!/bin/sh
# t0250-ansible-cfg: a project's ansible.cfg is read as Ansible reads it.
# Its inventory, remote_user, private_key_file and a relative roles_path are
# used by run, ping, exec, reset and inventory without -i; forks limits
# parallelism and -f wins over it; host_key_checking = False records an
# unknown host key but a changed one still fails; ANSIBLE_CONFIG picks
# another file (no merging); become_method = su stops before any
# connection; gathering and retry_files_enabled act as in Ansible. A
# project's own roles named prereq and docker run instead of the shipped
# ones, which stay reachable as gpuforge.cluster.prereq.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}
unset ANSIBLE_CONFIG ANSIBLE_INVENTORY ANSIBLE_ROLES_PATH ANSIBLE_REMOTE_USER ANSIBLE_FORKS \
    ANSIBLE_HOST_KEY_CHECKING ANSIBLE_BECOME ANSIBLE_BECOME_METHOD ANSIBLE_GATHERING \
    GPUFORGE_INVENTORY GPUFORGE_ROLES_PATH

test_begin "ansible.cfg: inventory, user, key, roles_path, forks, host keys, shipped roles"
tb_up 2 || exit 1
A1=$(tb_addr node1)
A2=$(tb_addr node2)
P=$PWD/proj

expect_success 'a project: ansible.cfg with a relative roles_path, inventory and key' '
    mkdir -p proj/keys proj/myroles/marker/tasks proj/play &&
    cp "$TB/id_ed25519" proj/keys/id && chmod 600 proj/keys/id &&
    : >proj/kh &&
    cat >proj/ansible.cfg <<-EOF &&
	# a project configuration
	[defaults]
	inventory = hosts.ini
	roles_path = myroles
	remote_user = gf
	private_key_file = keys/id
	forks = 1
	host_key_checking = False
	nocows = 1  ; output only
	EOF
    printf "%s\n" "node1 ansible_host=$A1" "node2 ansible_host=$A2" "[all:vars]" \
        "ansible_ssh_common_args='"'"'-o UserKnownHostsFile=$P/kh'"'"'" >proj/hosts.ini &&
    printf "%s\n" "- name: marker written by the project role" \
        "  copy:" "    content: \"{{ role_name }} as {{ ansible_user_id }}\\n\"" \
        "    dest: /tmp/gf-t0250-marker" >proj/myroles/marker/tasks/main.yml &&
    printf "%s\n" "- hosts: all" "  roles: [marker]" >proj/play/site.yml
'

expect_success 'ping without -i: cfg inventory, user and key; unknown keys recorded, a warning' '
    (cd proj && "$GF" ping) >out 2>err; rc=$?
    cat out err
    test $rc = 0 && test "$(grep -c " | ok | " out)" = 2 &&
    test "$(grep -c "host_key_checking = False" err)" = 1 &&
    grep -q "host_key_checking = False ($P/ansible.cfg:8): gpuforge records unknown host" err &&
    test "$(wc -l <proj/kh)" -ge 2 && grep -q "^$A1 " proj/kh && grep -q "^$A2 " proj/kh
'

expect_code 3 'host_key_checking = False never accepts a changed key' '
    cp proj/kh kh.good &&
    ssh-keygen -q -t ed25519 -N "" -f fake >/dev/null &&
    awk -v a="$A2" -v k="$(cut -d" " -f1,2 fake.pub)" "\$1 == a { \$0 = a \" \" k } { print }" \
        kh.good >proj/kh &&
    (cd proj && "$GF" ping) >out 2>&1; rc=$?
    cat out
    cp kh.good proj/kh
    grep -q "^node2 | HOSTKEY CHANGED | " out && grep -q "^node1 | ok | " out || exit 9
    exit $rc
'

expect_success 'run: roles_path relative to the cfg file, remote_user gf, -v says what was read' '
    (cd proj && "$GF" run -v play/site.yml) >out 2>&1; rc=$?
    cat out
    test $rc = 0 &&
    grep -q "^Using $P/ansible.cfg as config file" out &&
    grep -q "ansible.cfg:4: roles_path = myroles" out &&
    grep -q "ansible.cfg:9: \[defaults\] nocows ignored" out &&
    grep -q "TASK \[marker : marker written by the project role\]" out &&
    test "$(tb_exec node1 cat /tmp/gf-t0250-marker)" = "marker as gf" &&
    test "$(tb_exec node2 stat -c %U /tmp/gf-t0250-marker)" = gf
'

# Each host writes when its task started and ended; with forks = 1 the two
# spans do not overlap, with -f 2 they do.
cat >spans.yml <<'EOF'
- hosts: all
  gather_facts: false
  tasks:
    - name: a span of one second
      shell: "s=$(date +%s%N); sleep 1; echo $s $(date +%s%N)"
      register: span
    - name: spans
      debug:
        msg: "SPAN {{ span.stdout }}"
EOF
overlap() { # FILE -> exit 0 when the two spans overlap
    sed -n 's/.*"SPAN \([0-9]*\) \([0-9]*\)".*/\1 \2/p' "$1" | sort -n >s &&
    test "$(wc -l <s)" = 2 && awk "NR == 1 { e = \$2 } NR == 2 { exit !(\$1 < e) }" s
}

expect_success 'forks = 1 from the cfg: one host at a time' '
    (cd proj && "$GF" run ../spans.yml) >out 2>&1; rc=$?
    cat out
    test $rc = 0 && ! overlap out
'

expect_success '-f 2 on the command line wins over the cfg and ANSIBLE_FORKS' '
    (cd proj && ANSIBLE_FORKS=1 "$GF" run -f 2 ../spans.yml) >out 2>&1; rc=$?
    cat out
    test $rc = 0 && overlap out
'

expect_success 'ANSIBLE_FORKS over the cfg' '
    (cd proj && ANSIBLE_FORKS=2 "$GF" run -v ../spans.yml) >out 2>&1; rc=$?
    cat out
    test $rc = 0 && overlap out && grep -q "^ANSIBLE_FORKS=2 overrides $P/ansible.cfg:7" out
'

expect_success 'exec, reset and inventory take the cfg inventory too' '
    (cd proj && "$GF" exec all -a "id -un") >out 2>&1 &&
    test "$(grep -c "^gf$" out)" = 2 &&
    (cd proj && "$GF" inventory --graph) >out 2>&1 && cat out &&
    grep -q "^  |  |--node1$" out && grep -q "^  |  |--node2$" out &&
    (cd proj && "$GF" reset --yes --list-hosts) >out 2>&1 && cat out &&
    grep -q "^ *node1$" out && grep -q "^ *node2$" out
'

expect_success 'ANSIBLE_CONFIG: only that file is read (its inventory, become), no merging' '
    mkdir -p other &&
    printf "%s\n" "[defaults]" "inventory = only2.ini" "[privilege_escalation]" "become = true" \
        >other/ansible.cfg &&
    printf "%s\n" \
        "node2 ansible_host=$A2 ansible_user=gf ansible_ssh_private_key_file=$TB/id_ed25519" \
        "[all:vars]" "ansible_ssh_common_args='"'"'-o UserKnownHostsFile=$TB/known_hosts'"'"'" \
        >other/only2.ini &&
    (cd proj && ANSIBLE_CONFIG=../other "$GF" exec all -a "id -un") >out 2>err; rc=$?
    cat out err
    test $rc = 0 && grep -q "^node2 | CHANGED" out && ! grep -q node1 out &&
    grep -q "^root$" out && ! grep -q host_key_checking err
'

expect_success 'become_method = su fails before any connection, naming key, file and line' '
    printf "%s\n" "[defaults]" "inventory = only2.ini" "" "[privilege_escalation]" \
        "become = true" "become_method = su" >other/ansible.cfg &&
    ANSIBLE_CONFIG=$PWD/other/ansible.cfg "$GF" ping >out 2>&1; rc=$?
    cat out
    test $rc = 4 &&
    sudo_only="gpuforge becomes other users with sudo only" &&
    grep -q "^gpuforge: $PWD/other/ansible.cfg:6: become_method = su: $sudo_only" out &&
    ! grep -q " | " out &&
    ANSIBLE_BECOME_METHOD=su "$GF" ping -i "$INV" >out 2>&1; rc=$?
    cat out
    test $rc = 4 && grep -q "^gpuforge: ANSIBLE_BECOME_METHOD=su: $sudo_only" out
'

expect_success 'a garbled ansible.cfg: file:line, exit 4, nothing run' '
    mkdir -p bad && printf "[defaults]\nforks = 2\nthis is not ini\n" >bad/ansible.cfg &&
    (cd bad && "$GF" ping -i "$INV") >out 2>&1; rc=$?
    cat out
    test $rc = 4 &&
    grep -q "^gpuforge: $PWD/bad/ansible.cfg:3: not .key = value. nor a \[section\]" out &&
    ! grep -q " | " out
'

expect_success 'a project role named prereq and one named docker run, not the shipped ones' '
    mkdir -p own/roles/prereq/tasks own/roles/docker/tasks &&
    printf "%s\n" "- name: the project prereq" \
        "  copy: {content: \"project prereq\\n\", dest: /tmp/gf-t0250-prereq}" \
        "- name: the project docker role, from the project prereq" \
        "  include_role: {name: docker}" >own/roles/prereq/tasks/main.yml &&
    printf "%s\n" "- name: the project docker" \
        "  copy: {content: \"project docker\\n\", dest: /tmp/gf-t0250-docker}" \
        >own/roles/docker/tasks/main.yml &&
    printf "%s\n" "- hosts: all" "  gather_facts: false" "  roles: [prereq]" >own/site.yml &&
    "$GF" run -i "$INV" own/site.yml >out 2>&1; rc=$?
    cat out
    test $rc = 0 &&
    grep -q "TASK \[prereq : the project prereq\]" out &&
    grep -q "TASK \[docker : the project docker\]" out &&
    test "$(tb_exec node1 cat /tmp/gf-t0250-prereq)" = "project prereq" &&
    test "$(tb_exec node2 cat /tmp/gf-t0250-docker)" = "project docker"
'

expect_success 'gpuforge.cluster.prereq still reaches the shipped role, shown by that name' '
    printf "%s\n" "- hosts: all" "  gather_facts: false" "  roles: [gpuforge.cluster.prereq]" \
        >own/shipped.yml &&
    "$GF" run -i "$INV" --list-tasks own/shipped.yml >out 2>&1; rc=$?
    cat out
    test $rc = 0 && grep -q "gpuforge.cluster.prereq : inventory contract" out &&
    ! grep -q "project prereq" out
'

expect_success 'a shipped role by its bare name is not found, with its full name as a hint' '
    printf "%s\n" "- hosts: all" "  gather_facts: false" "  roles: [nfs]" >own/bare.yml &&
    "$GF" run -i "$INV" own/bare.yml >out 2>&1; rc=$?
    cat out
    test $rc = 4 &&
    grep -q "role .nfs. not found (looked in $PWD/own/roles, .*); gpuforge.s own role" out &&
    grep -q "of that name is .gpuforge.cluster.nfs.$" out
'

expect_success 'gathering = explicit: facts only for plays that ask; smart: once per host' '
    printf "%s\n" "- hosts: all" "  tasks: [{debug: {msg: one}}]" "- hosts: all" \
        "  gather_facts: true" "  tasks: [{debug: {msg: two}}]" "- hosts: all" \
        "  tasks: [{debug: {msg: three}}]" >gather.yml &&
    ANSIBLE_GATHERING=explicit "$GF" run -i "$INV" gather.yml >out 2>&1 && cat out &&
    test "$(grep -c "^TASK \[Gathering Facts\]" out)" = 1 &&
    ANSIBLE_GATHERING=smart "$GF" run -i "$INV" gather.yml >out 2>&1 && cat out &&
    test "$(grep -c "^TASK \[Gathering Facts\]" out)" = 1 &&
    "$GF" run -i "$INV" gather.yml >out 2>&1 &&
    test "$(grep -c "^TASK \[Gathering Facts\]" out)" = 3
'

expect_success 'retry_files_enabled: PLAYBOOK.retry with the failed hosts' '
    mkdir -p retry &&
    printf "%s\n" "- hosts: all" "  gather_facts: false" \
        "  tasks: [{command: \"test {{ inventory_hostname }} = node1\"}]" >retry/fails.yml &&
    printf "%s\n" "[defaults]" "retry_files_enabled = yes" >retry/ansible.cfg &&
    (cd retry && "$GF" run -i "$INV" fails.yml) >out 2>&1; rc=$?
    cat out
    test $rc = 2 && test "$(cat retry/fails.retry)" = node2
'

test_done
