#!/bin/sh
# t0300-modules-files: the file and flow modules through `gpuforge exec -m` on
# a real node: lineinfile, blockinfile (content, modes, backups, symlinks,
# diff), slurp, fetch (per-host tree, flat, checksums), script (arguments,
# chdir, creates, no file left behind), wait_for (ports, files, text, the
# command timeout) and pause. Effects are checked on the node with tb_exec;
# changes run first under --check (nothing may change), then for real, then
# again (nothing may change).
. "$(dirname "$0")/test-lib.sh"
GF=${GF_BIN:-$TEST_DIR/../../gpuforge}

# run MODULE ARGS [OPTION...]: the module on node1 as root; output in ./out
# (shown), gpuforge's exit status returned.
run() {
    _m=$1 _a=$2
    shift 2
    "$GF" exec -i "$INV" node1 -b "$@" -m "$_m" -a "$_a" >out 2>&1
    _rc=$?
    cat out
    return $_rc
}
is() { grep -q "^node1 | $1" out; }
has() { grep -qF -- "$1" out; }
node() { tb_exec node1 "$@"; }
# same FILE TEXT: FILE on the node holds exactly TEXT (printf format)
same() {
    printf "$2" >want && node cat "$1" >got && test_cmp want got
}

test_begin "file modules on a 1-node testbed"
tb_up 1 || exit 1

# ---- lineinfile -------------------------------------------------------------------------------

expect_success 'lineinfile: setup' '
    node sh -c "printf \"a=1\nb=2\n\" >/etc/gf.conf && chmod 0640 /etc/gf.conf"
'

expect_success 'lineinfile --check predicts the replacement and changes nothing' '
    run lineinfile "path=/etc/gf.conf regexp=^b= line=b=3" -C && is CHANGED &&
    has "\"msg\": \"line replaced\"" && same /etc/gf.conf "a=1\nb=2\n"
'

expect_success 'lineinfile replaces the matching line, shows the diff, keeps the mode' '
    run lineinfile "path=/etc/gf.conf regexp=^b= line=b=3" -D && is CHANGED &&
    has "-b=2" && has "+b=3" && has "--- before: /etc/gf.conf (content)" &&
    same /etc/gf.conf "a=1\nb=3\n" && test "$(node stat -c %a /etc/gf.conf)" = 640
'

expect_success 'lineinfile a second time changes nothing' '
    run lineinfile "path=/etc/gf.conf regexp=^b= line=b=3" && is SUCCESS &&
    has "\"changed\": false"
'

expect_success 'lineinfile insertafter, insertbefore=BOF and the end of the file' '
    run lineinfile "path=/etc/gf.conf line=mid insertafter=^a=" && is CHANGED &&
    run lineinfile "path=/etc/gf.conf line=top insertbefore=BOF" && is CHANGED &&
    run lineinfile "path=/etc/gf.conf line=end" && is CHANGED &&
    has "\"msg\": \"line added\"" &&
    same /etc/gf.conf "top\na=1\nmid\nb=3\nend\n" &&
    run lineinfile "path=/etc/gf.conf line=mid insertafter=^a=" && is SUCCESS
'

expect_success 'lineinfile backrefs rewrite a line from its own match' '
    run lineinfile "path=/etc/gf.conf regexp=^a=(\\d+)$ line=\"a=\\g<1>\\g<1>\" backrefs=yes" &&
    is CHANGED && same /etc/gf.conf "top\na=11\nmid\nb=3\nend\n" &&
    run lineinfile "path=/etc/gf.conf regexp=^zz(.*) line=\\g<1> backrefs=yes" && is SUCCESS &&
    same /etc/gf.conf "top\na=11\nmid\nb=3\nend\n"
'

expect_success 'lineinfile state=absent removes every match, with a backup' '
    run lineinfile "path=/etc/gf.conf regexp=^(top|end)$ state=absent backup=yes" -C &&
    is CHANGED && same /etc/gf.conf "top\na=11\nmid\nb=3\nend\n" &&
    run lineinfile "path=/etc/gf.conf regexp=^(top|end)$ state=absent backup=yes" &&
    is CHANGED && has "\"found\": 2" && has "2 line(s) removed" &&
    same /etc/gf.conf "a=11\nmid\nb=3\n" &&
    b=$(sed -n "s/.*\"backup\": \"\(.*\)\".*/\1/p" out) && test -n "$b" &&
    same "$b" "top\na=11\nmid\nb=3\nend\n" &&
    run lineinfile "path=/etc/gf.conf regexp=^(top|end)$ state=absent" && is SUCCESS
'

expect_success 'lineinfile create=yes makes the file and its directory with the mode' '
    run lineinfile "path=/etc/gf-new/sub/f line=x create=yes mode=0600" -C && is CHANGED &&
    ! node test -e /etc/gf-new &&
    run lineinfile "path=/etc/gf-new/sub/f line=x create=yes mode=0600" && is CHANGED &&
    same /etc/gf-new/sub/f "x\n" && test "$(node stat -c %a /etc/gf-new/sub/f)" = 600 &&
    run lineinfile "path=/etc/gf-new/sub/f line=x create=yes mode=0600" && is SUCCESS
'

expect_success 'lineinfile mode and owner alone are a change of attributes' '
    run lineinfile "path=/etc/gf-new/sub/f line=x mode=0644 owner=gf group=gf" -C &&
    is CHANGED && test "$(node stat -c %a:%U:%G /etc/gf-new/sub/f)" = 600:root:root &&
    run lineinfile "path=/etc/gf-new/sub/f line=x mode=0644 owner=gf group=gf" && is CHANGED &&
    has "\"msg\": \"ownership, perms or SE linux context changed\"" &&
    test "$(node stat -c %a:%U:%G /etc/gf-new/sub/f)" = 644:gf:gf &&
    run lineinfile "path=/etc/gf-new/sub/f line=y owner=gf" && is CHANGED &&
    same /etc/gf-new/sub/f "x\ny\n" && test "$(node stat -c %a:%U /etc/gf-new/sub/f)" = 644:gf &&
    run lineinfile "path=/etc/gf-new/sub/f line=x mode=0644 owner=gf group=gf" && is SUCCESS
'

expect_success 'lineinfile: attributes already in place take no second command; a symbolic mode does' '
    run lineinfile "path=/etc/gf-new/sub/f line=x mode=0644 owner=gf group=gf" -vvv && is SUCCESS &&
    test "$(grep -c "^debug3: node1: module lineinfile: " out)" = 1 &&
    run lineinfile "path=/etc/gf-new/sub/f line=x mode=u+x owner=gf group=gf" -vvv && is CHANGED &&
    test "$(grep -c "^debug3: node1: module lineinfile: " out)" = 2 &&
    test "$(node stat -c %a /etc/gf-new/sub/f)" = 744 && node chmod 0644 /etc/gf-new/sub/f
'

expect_success 'lineinfile edits the target of a symlink and keeps the link' '
    node ln -s /etc/gf.conf /etc/gf-link &&
    run lineinfile "path=/etc/gf-link line=via-link" && is CHANGED &&
    node test -L /etc/gf-link && same /etc/gf.conf "a=11\nmid\nb=3\nvia-link\n"
'

expect_code 2 'lineinfile on a missing file without create fails' '
    run lineinfile "path=/etc/gf-missing line=x"; rc=$?
    has "Destination /etc/gf-missing does not exist !" && ! node test -e /etc/gf-missing &&
    exit $rc
'

expect_success 'lineinfile validate refuses a bad file and keeps the old one' '
    node sh -c "printf \"keep\n\" >/etc/gf-val" &&
    ! run lineinfile "path=/etc/gf-val line=x validate=\"grep -q y %s\"" &&
    has "failed to validate: rc:1 error:" && same /etc/gf-val "keep\n" &&
    run lineinfile "path=/etc/gf-val line=y validate=\"grep -q y %s\"" &&
    is CHANGED && same /etc/gf-val "keep\ny\n"
'

# ---- blockinfile ------------------------------------------------------------------------------

expect_success 'blockinfile --check inserts nothing' '
    node sh -c "printf \"one\ntwo\n\" >/etc/gf-block" &&
    run blockinfile "path=/etc/gf-block block=\"k=1\nl=2\" insertafter=^one" -C &&
    is CHANGED && same /etc/gf-block "one\ntwo\n"
'

B="# BEGIN ANSIBLE MANAGED BLOCK\n" E="# END ANSIBLE MANAGED BLOCK\n"

expect_success 'blockinfile inserts the block between markers, then leaves it' '
    run blockinfile "path=/etc/gf-block block=\"k=1\nl=2\" insertafter=^one" && is CHANGED &&
    has "Block inserted" && same /etc/gf-block "one\n${B}k=1\nl=2\n${E}two\n" &&
    run blockinfile "path=/etc/gf-block block=\"k=1\nl=2\" insertafter=^one" && is SUCCESS
'

expect_success 'blockinfile updates the block in place (diff, backup)' '
    run blockinfile "path=/etc/gf-block block=k=9 backup=yes" -D && is CHANGED &&
    has "-l=2" && has "+k=9" &&
    same /etc/gf-block "one\n${B}k=9\n${E}two\n" &&
    b=$(sed -n "s/.*\"backup_file\": \"\(.*\)\".*/\1/p" out) && test -n "$b" &&
    same "$b" "one\n${B}k=1\nl=2\n${E}two\n"
'

M="path=/etc/gf-b2 marker=\"// {mark} gf\" marker_begin=START marker_end=STOP"

expect_success 'blockinfile custom markers and create, then state=absent' '
    run blockinfile "$M create=yes block=z owner=gf" && is CHANGED && has "File created" &&
    same /etc/gf-b2 "// START gf\nz\n// STOP gf\n" && test "$(node stat -c %U /etc/gf-b2)" = gf &&
    run blockinfile "$M state=absent" -C && is CHANGED &&
    same /etc/gf-b2 "// START gf\nz\n// STOP gf\n" &&
    run blockinfile "$M state=absent" && is CHANGED && has "Block removed" &&
    same /etc/gf-b2 "" && run blockinfile "$M state=absent" && is SUCCESS
'

# ---- slurp ------------------------------------------------------------------------------------

expect_success 'slurp returns the file base64-encoded' '
    node sh -c "printf \"hello\nworld\n\" >/etc/gf-slurp" &&
    run slurp "src=/etc/gf-slurp" && is SUCCESS &&
    has "\"content\": \"$(printf "hello\nworld\n" | base64)\"" &&
    has "\"encoding\": \"base64\"" && has "\"source\": \"/etc/gf-slurp\""
'

expect_code 2 'slurp of a missing file fails' '
    run slurp "src=/etc/gf-nothing"; rc=$?
    has "file not found: /etc/gf-nothing" && exit $rc
'

# ---- fetch ------------------------------------------------------------------------------------

expect_success 'fetch copies to DEST/host/path, then only when the checksum differs' '
    node sh -c "head -c 300000 /dev/urandom >/etc/gf-blob" &&
    run fetch "src=/etc/gf-blob dest=fetched" && is CHANGED &&
    node cat /etc/gf-blob >want && cmp want fetched/node1/etc/gf-blob &&
    has "\"checksum\": \"$(sha1sum <want | cut -c1-40)\"" &&
    run fetch "src=/etc/gf-blob dest=fetched" && is SUCCESS &&
    echo local-edit >fetched/node1/etc/gf-blob &&
    run fetch "src=/etc/gf-blob dest=fetched" && is CHANGED &&
    cmp want fetched/node1/etc/gf-blob && ! ls fetched/node1/etc | grep -q gf-tmp
'

expect_success 'fetch flat=yes into a directory; --check fetches nothing' '
    run fetch "src=/etc/gf-slurp dest=flat/ flat=yes" -C && is SKIPPED && ! test -e flat &&
    run fetch "src=/etc/gf-slurp dest=flat/ flat=yes" && is CHANGED &&
    printf "hello\nworld\n" >want && test_cmp want flat/gf-slurp
'

expect_code 2 'fetch of a missing file fails unless fail_on_missing=no' '
    run fetch "src=/etc/gf-nothing dest=fetched fail_on_missing=no" && is SUCCESS &&
    has "the remote file does not exist" || exit 9
    run fetch "src=/etc/gf-nothing dest=fetched"; rc=$?
    has "the remote file does not exist" && ! test -e fetched/node1/etc/gf-nothing && exit $rc
'

# ---- script -----------------------------------------------------------------------------------

cat >gf-script.sh <<'EOF'
#!/bin/sh
echo "args:$1|$2"
pwd
echo to-stderr >&2
echo ran >>/tmp/gf-script-ran
exit "${GF_EXIT:-0}"
EOF

expect_success 'script --check without creates/removes is skipped and runs nothing' '
    run script "gf-script.sh a" -C && is SKIPPED && ! node test -e /tmp/gf-script-ran
'

expect_success 'script runs with its arguments in chdir and leaves no file behind' '
    before=$(node sh -c "ls /tmp | grep -c ^gf-script[.]; true") &&
    run script "gf-script.sh \"x y\" z chdir=/etc" && is CHANGED &&
    has "\"stdout\": \"args:x y|z\n/etc\n\"" && has "\"stderr\": \"to-stderr\n\"" &&
    has "\"rc\": 0" && same /tmp/gf-script-ran "ran\n" &&
    test "$(node sh -c "ls /tmp | grep -c ^gf-script[.]; true")" = "$before"
'

expect_success 'script creates= skips once the file exists, also under --check' '
    run script "gf-script.sh creates=/tmp/gf-script-ran" -C && is SKIPPED &&
    run script "gf-script.sh creates=/tmp/gf-script-ran" && is SKIPPED &&
    has "/tmp/gf-script-ran exists, matching creates option" &&
    run script "gf-script.sh removes=/tmp/gf-script-ran" -C && is CHANGED &&
    same /tmp/gf-script-ran "ran\n"
'

expect_code 2 'script failing reports its rc and output' '
    run script "gf-script.sh executable=\"env GF_EXIT=3 /bin/sh\""; rc=$?
    is FAILED && has "\"rc\": 3" && has "non-zero return code" && has "args:|" && exit $rc
'

# ---- wait_for ---------------------------------------------------------------------------------

expect_success 'wait_for a port that is open (sshd) returns at once' '
    run wait_for "port=22 timeout=5" && is SUCCESS && has "\"elapsed\": 0" &&
    has "\"state\": \"started\""
'

expect_code 2 'wait_for a closed port times out with Ansible'"'"'s message' '
    start=$(date +%s)
    run wait_for "port=2999 timeout=2"; rc=$?
    end=$(date +%s)
    has "Timeout when waiting for 127.0.0.1:2999" && test $((end - start)) -ge 2 &&
    test $((end - start)) -lt 8 && exit $rc
'

expect_success 'wait_for state=stopped on a closed port, --check skips' '
    run wait_for "port=2999 state=stopped timeout=5" && is SUCCESS &&
    run wait_for "port=22 state=stopped timeout=5" -C && is SKIPPED
'

expect_success 'wait_for a file and a text in it that appear later' '
    node rm -f /tmp/gf-ready &&
    node sh -c "(sleep 2; echo booting >/tmp/gf-ready; sleep 2;
        echo \"ready port=8080\" >>/tmp/gf-ready) >/dev/null 2>&1 &" &&
    run wait_for "path=/tmp/gf-ready search_regex=\"^ready port=(?P<port>\\d+)$\" timeout=20" &&
    is SUCCESS && has "\"port\": \"8080\"" &&
    e=$(sed -n "s/.*\"elapsed\": \([0-9]*\).*/\1/p" out) && test "$e" -ge 3
'

expect_success 'wait_for state=absent, cut into slices by a short --command-timeout' '
    node sh -c "(sleep 4; rm -f /tmp/gf-ready) >/dev/null 2>&1 &" &&
    run wait_for "path=/tmp/gf-ready state=absent timeout=20" --command-timeout 2 &&
    is SUCCESS && ! node test -e /tmp/gf-ready &&
    e=$(sed -n "s/.*\"elapsed\": \([0-9]*\).*/\1/p" out) && test "$e" -ge 3 &&
    ! node sh -c "ps -eo args | grep -v grep | grep -q gf_what"
'

# ---- pause ------------------------------------------------------------------------------------

expect_success 'pause waits the seconds asked' '
    start=$(date +%s)
    run pause "seconds=2" && is SUCCESS && has "Paused for 2" &&
    test $(($(date +%s) - start)) -ge 2
'

expect_code 2 'pause with a prompt but no duration is refused' '
    run pause "prompt=continue?"; rc=$?
    has "give seconds or minutes" && exit $rc
'

test_done
