#!/bin/sh
# t0410-modules-mount-unarchive: the mount module (tmpfs and bind mounts in
# the node's own mount namespace, fstab edits) and the unarchive module
# (controller-side tar.gz and zip, remote tar) through `gpuforge exec -m`,
# checked with findmnt, /etc/fstab and the unpacked files; idempotence and
# --check. NFS needs a server and the node's NFS client: not tested here.
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}

test_begin "mount and unarchive modules on one node"
tb_up 1 || exit 1

M="path=/mnt/gfscratch src=tmpfs fstype=tmpfs opts=size=2m,mode=0755"

expect_success 'mount --check predicts a change and changes nothing' '
    tb_exec node1 cat /etc/fstab >fstab.before &&
    "$GF" exec -i "$INV" node1 -b -C -m mount -a "$M state=mounted" >out &&
    grep -q CHANGED out &&
    ! tb_exec node1 findmnt /mnt/gfscratch >/dev/null &&
    tb_exec node1 cat /etc/fstab >fstab.after && test_cmp fstab.before fstab.after
'

expect_success 'mount state=mounted writes fstab and mounts (diff shown with -D)' '
    "$GF" exec -i "$INV" node1 -b -D -m mount -a "$M state=mounted" >out &&
    cat out && grep -q CHANGED out &&
    grep -q "^+tmpfs /mnt/gfscratch tmpfs size=2m,mode=0755 0 0" out &&
    test "$(tb_exec node1 findmnt -n -o FSTYPE /mnt/gfscratch)" = tmpfs &&
    tb_exec node1 findmnt -n -o OPTIONS /mnt/gfscratch | grep -q size=2048k &&
    test "$(tb_exec node1 grep -c " /mnt/gfscratch " /etc/fstab)" = 1
'

expect_success 'mount is idempotent' '
    "$GF" exec -i "$INV" node1 -b -m mount -a "$M state=mounted" >out && grep -q SUCCESS out &&
    test "$(tb_exec node1 grep -c " /mnt/gfscratch " /etc/fstab)" = 1
'

expect_success 'changed options rewrite the entry and remount' '
    "$GF" exec -i "$INV" node1 -b -m mount \
        -a "path=/mnt/gfscratch src=tmpfs fstype=tmpfs opts=size=4m,mode=0755 state=mounted" >out &&
    grep -q CHANGED out &&
    tb_exec node1 findmnt -n -o OPTIONS /mnt/gfscratch | grep -q size=4096k &&
    tb_exec node1 grep -q "^tmpfs /mnt/gfscratch tmpfs size=4m,mode=0755 0 0$" /etc/fstab
'

expect_success 'state=remounted always remounts' '
    "$GF" exec -i "$INV" node1 -b -m mount -a "path=/mnt/gfscratch state=remounted" >out &&
    grep -q CHANGED out && tb_exec node1 findmnt /mnt/gfscratch >/dev/null
'

expect_success 'state=unmounted unmounts and keeps the fstab entry; then ok' '
    "$GF" exec -i "$INV" node1 -b -m mount -a "path=/mnt/gfscratch state=unmounted" >out &&
    grep -q CHANGED out && ! tb_exec node1 findmnt /mnt/gfscratch >/dev/null &&
    tb_exec node1 grep -q " /mnt/gfscratch " /etc/fstab &&
    "$GF" exec -i "$INV" node1 -b -m mount -a "path=/mnt/gfscratch state=unmounted" >out &&
    grep -q SUCCESS out
'

expect_success 'state=present adds a bind entry without mounting' '
    tb_exec node1 mkdir -p /srv/gfdata &&
    "$GF" exec -i "$INV" node1 -b -m mount \
        -a "path=/mnt/gfbind src=/srv/gfdata fstype=none opts=bind state=present" >out &&
    grep -q CHANGED out && ! tb_exec node1 findmnt /mnt/gfbind >/dev/null &&
    tb_exec node1 grep -q "^/srv/gfdata /mnt/gfbind none bind 0 0$" /etc/fstab
'

expect_success 'the bind entry mounts with state=mounted' '
    "$GF" exec -i "$INV" node1 -b -m mount \
        -a "path=/mnt/gfbind src=/srv/gfdata fstype=none opts=bind state=mounted" >out &&
    grep -q CHANGED out &&
    tb_exec node1 sh -c "echo probe >/srv/gfdata/p && cat /mnt/gfbind/p" | grep -qx probe
'

expect_success 'state=absent unmounts, removes the entry and the mount point' '
    for p in /mnt/gfscratch /mnt/gfbind; do
        "$GF" exec -i "$INV" node1 -b -m mount -a "path=$p state=absent" >out &&
        grep -q CHANGED out || exit 1
        ! tb_exec node1 findmnt $p >/dev/null && ! tb_exec node1 test -e $p || exit 1
        ! tb_exec node1 grep -q " $p " /etc/fstab || exit 1
    done &&
    "$GF" exec -i "$INV" node1 -b -m mount -a "path=/mnt/gfbind state=absent" >out &&
    grep -q SUCCESS out
'

expect_code 2 'state=mounted without src and fstype fails' '
    "$GF" exec -i "$INV" node1 -b -m mount -a "path=/mnt/x state=mounted" >out; rc=$?
    cat out; grep -q "requires src and fstype" out || exit 9
    exit $rc
'

# archives made on the controller
expect_success 'make archives' '
    mkdir -p src/app/bin src/app/etc &&
    printf "#!/bin/sh\necho run\n" >src/app/bin/run.sh && chmod 755 src/app/bin/run.sh &&
    echo "key=value" >src/app/etc/app.conf && chmod 640 src/app/etc/app.conf &&
    ln -s bin/run.sh src/app/run &&
    tar -czf app.tgz -C src app &&
    python3 -c "import shutil; shutil.make_archive(\"app\", \"zip\", \"src\")" &&
    test -s app.zip &&
    tb_exec node1 mkdir -p /opt/gfa /opt/gfz /opt/gfr
'

expect_success 'unarchive --check changes nothing' '
    "$GF" exec -i "$INV" node1 -b -C -m unarchive -a "src=app.tgz dest=/opt/gfa" >out &&
    grep -q CHANGED out && ! tb_exec node1 test -e /opt/gfa/app &&
    test -z "$(tb_exec node1 sh -c "ls /tmp | grep gf-unarchive")"
'

expect_success 'unarchive a controller tar.gz: files, modes, link; list_files' '
    "$GF" exec -i "$INV" node1 -b -m unarchive -a "src=app.tgz dest=/opt/gfa list_files=yes" >out &&
    cat out && grep -q CHANGED out && grep -q "\"app/etc/app.conf\"" out &&
    test "$(tb_exec node1 /opt/gfa/app/bin/run.sh)" = run &&
    test "$(tb_exec node1 stat -c %a /opt/gfa/app/etc/app.conf)" = 640 &&
    test "$(tb_exec node1 readlink /opt/gfa/app/run)" = bin/run.sh &&
    test "$(tb_exec node1 cat /opt/gfa/app/etc/app.conf)" = key=value &&
    test -z "$(tb_exec node1 sh -c "ls /tmp | grep gf-unarchive")"
'

expect_success 'unarchive is idempotent, and repairs a changed file' '
    "$GF" exec -i "$INV" node1 -b -m unarchive -a "src=app.tgz dest=/opt/gfa" >out &&
    grep -q SUCCESS out &&
    tb_exec node1 sh -c "echo tampered >/opt/gfa/app/etc/app.conf" &&
    "$GF" exec -i "$INV" node1 -b -C -m unarchive -a "src=app.tgz dest=/opt/gfa" >out &&
    grep -q CHANGED out &&
    test "$(tb_exec node1 cat /opt/gfa/app/etc/app.conf)" = tampered &&
    "$GF" exec -i "$INV" node1 -b -m unarchive -a "src=app.tgz dest=/opt/gfa" >out &&
    grep -q CHANGED out &&
    test "$(tb_exec node1 cat /opt/gfa/app/etc/app.conf)" = key=value
'

expect_success 'unarchive creates= skips when the path exists' '
    tb_exec node1 sh -c "echo tampered >/opt/gfa/app/etc/app.conf" &&
    "$GF" exec -i "$INV" node1 -b -m unarchive \
        -a "src=app.tgz dest=/opt/gfa creates=/opt/gfa/app/bin/run.sh" >out &&
    grep -q SKIPPED out && grep -q "skipped, since /opt/gfa/app/bin/run.sh exists" out &&
    test "$(tb_exec node1 cat /opt/gfa/app/etc/app.conf)" = tampered
'

expect_success 'unarchive a zip with owner and octal mode; idempotent' '
    "$GF" exec -i "$INV" node1 -b -m unarchive -a "src=app.zip dest=/opt/gfz owner=gf mode=0750" >out &&
    grep -q CHANGED out &&
    test "$(tb_exec node1 stat -c "%U %a" /opt/gfz/app/etc/app.conf)" = "gf 750" &&
    test "$(tb_exec node1 cat /opt/gfz/app/etc/app.conf)" = key=value &&
    "$GF" exec -i "$INV" node1 -b -m unarchive -a "src=app.zip dest=/opt/gfz owner=gf mode=0750" >out &&
    grep -q SUCCESS out
'

expect_success 'unarchive remote_src with extra_opts and owner; idempotent' '
    "$GF" exec -i "$INV" node1 -b -m copy -a "src=app.tgz dest=/tmp/app.tgz" >out &&
    "$GF" exec -i "$INV" node1 -b -m unarchive \
        -a "src=/tmp/app.tgz dest=/opt/gfr remote_src=yes extra_opts=--strip-components=1 owner=gf list_files=yes" >out &&
    cat out && grep -q CHANGED out && grep -q "\"app/bin/run.sh\"" out &&
    test "$(tb_exec node1 stat -c %U /opt/gfr/bin/run.sh)" = gf &&
    test "$(tb_exec node1 /opt/gfr/bin/run.sh)" = run &&
    "$GF" exec -i "$INV" node1 -b -m unarchive \
        -a "src=/tmp/app.tgz dest=/opt/gfr remote_src=yes extra_opts=--strip-components=1 owner=gf" >out &&
    cat out && grep -q SUCCESS out
'

expect_code 2 'unarchive into a missing dest fails clearly and leaves no temp file' '
    "$GF" exec -i "$INV" node1 -b -m unarchive -a "src=app.tgz dest=/opt/nope" >out; rc=$?
    cat out; grep -q "must be an existing dir" out || exit 9
    test -z "$(tb_exec node1 sh -c "ls /tmp | grep gf-unarchive")" || exit 9
    exit $rc
'

test_done
