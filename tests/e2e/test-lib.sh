# test-lib.sh: the small harness of gpuforge's end-to-end tests, sourced by tests/e2e/tNNNN-*.sh
# in the manner of git's t/test-lib.sh. POSIX sh.
#
#   test_begin NAME                 start a group of tests
#   expect_success 'desc' 'cmd'     cmd must exit 0
#   expect_code N 'desc' 'cmd'      cmd must exit N
#   test_cmp expected actual        compare two files, showing a diff when they differ
#   test_done                       print "N passed, N failed"; exit 1 if any failed
#   test_skip_all REASON            the whole test cannot run here: "1..0 # SKIP REASON"
#   test_require PREREQ...          skip the whole test unless each holds: ROOT, NSPAWN
#                                   (root and systemd-nspawn: testbed nodes), ANSIBLE
#
#   tb_up N [--docker]              boot a testbed of N nodes in $TB (inventory $INV); it is
#                                   torn down at exit, also on failure and SIGINT/TERM/HUP
#   tb_down                         tear the testbed down now
#   tb_addr NODE                    the address of NODE (node1..nodeN) from the inventory
#   tb_ssh NODE CMD...              real OpenSSH login as gf with the testbed's key and
#                                   known_hosts, strict host key checking
#   tb_exec NODE CMD...             run CMD as root in NODE without SSH (testbed exec)
#   tb_fault NODE FAULT [ARG]       inject a fault (testbed fault)
#
# Each cmd is eval'd in a subshell of its own, in the scratch directory: 'exit N' and 'return N'
# both end it with status N, and variables it sets are gone afterwards (files in the scratch
# directory carry state from one test to the next). TB and INV are fixed when the library is
# sourced, so tb_up works inside a test too. A test's output is shown only when it fails, or
# always with -v / TEST_VERBOSE=1. The scratch directory is removed at exit unless a test
# failed or TEST_KEEP=1.

TEST_DIR=$(cd "$(dirname "$0")" && pwd)
TESTBED=${GF_TESTBED:-$TEST_DIR/../testbed/testbed}
TEST_VERBOSE=${TEST_VERBOSE:-0}
for _arg in "$@"; do
    case $_arg in -v|--verbose) TEST_VERBOSE=1 ;; esac
done
test_count=0
test_passed=0
test_failed=0
exec 5>&2                               # the harness's own stderr, also inside traps
TEST_TMP=$(mktemp -d "${TMPDIR:-/tmp}/gf-e2e.XXXXXX") || exit 1
TB=$TEST_TMP/testbed
INV=$TB/inventory.ini
_test_out=$TEST_TMP/.output
cd "$TEST_TMP" || exit 1

test_begin() {
    echo "# $1"
}

# Run a test's commands in a function, in a subshell: 'return N' and 'exit N' both end them.
_test_eval() {
    eval "$1"
}

# _test_run EXPECTED-CODE DESC CMD
_test_run() {
    test_count=$((test_count + 1))
    (_test_in_test=1; _test_eval "$3") > "$_test_out" 2>&1 < /dev/null
    _rc=$?
    if [ "$_rc" = "$1" ]; then
        test_passed=$((test_passed + 1))
        echo "ok $test_count - $2"
        [ "$TEST_VERBOSE" = 0 ] || sed 's/^/#   /' "$_test_out"
    else
        test_failed=$((test_failed + 1))
        echo "not ok $test_count - $2 (exit $_rc, expected $1)"
        echo "$3" | sed 's/^/#   /'
        echo "#   --- output:"
        sed 's/^/#   /' "$_test_out"
    fi
    return 0
}

expect_success() {
    [ $# = 2 ] || { echo "bug: expect_success 'desc' 'cmd'" >&2; exit 2; }
    _test_run 0 "$1" "$2"
}

expect_code() {
    [ $# = 3 ] || { echo "bug: expect_code N 'desc' 'cmd'" >&2; exit 2; }
    _test_run "$1" "$2" "$3"
}

test_cmp() {
    diff -u "$1" "$2"
}

# the whole test cannot run here: says why, in TAP's words, and prints no
# "N passed" line, so that no count of zero is ever read as a run
test_skip_all() {
    echo "1..0 # SKIP $*"
    exit 0
}

test_done() {
    echo "$test_passed passed, $test_failed failed"
    [ "$test_failed" = 0 ] && exit 0
    exit 1
}

# The prerequisites a test file needs; called at the top level of the file,
# so that a missing one skips the whole file (git's test_have_prereq, by file).
test_require() {
    for _p in "$@"; do
        case $_p in
        ROOT)
            [ "$(id -u)" = 0 ] || test_skip_all "needs root" ;;
        NSPAWN)
            { [ "$(id -u)" = 0 ] && command -v systemd-nspawn >/dev/null 2>&1; } ||
                test_skip_all "needs root and systemd-nspawn (testbed nodes)" ;;
        ANSIBLE)
            command -v ansible-playbook >/dev/null 2>&1 ||
                test_skip_all "needs ansible-playbook (tests/deps.sh)" ;;
        *)
            echo "bug: test_require: unknown prerequisite $_p" >&2
            exit 2 ;;
        esac
    done
}

# ---- testbed ------------------------------------------------------------------------------------

tb_up() {
    _tb_n=$1
    shift
    if [ "$(id -u)" != 0 ]; then
        # at a file's top level the file is skipped; inside a test it fails
        [ -z "${_test_in_test:-}" ] || { echo "tb_up: testbed nodes need root" >&2; return 1; }
        test_require NSPAWN
    fi
    "$TESTBED" up --nodes "$_tb_n" --dir "$TB" "$@"
}

tb_down() {
    "$TESTBED" down --dir "$TB"
}

tb_addr() {
    awk -v n="$1" '$1 == n {
        for (i = 2; i <= NF; i++) if (sub(/^ansible_host=/, "", $i)) { print $i; exit }
    }' "$INV"
}

tb_ssh() {
    _tb_a=$(tb_addr "$1")
    [ -n "$_tb_a" ] || { echo "tb_ssh: no node '$1' in $INV" >&2; return 2; }
    shift
    ssh -F /dev/null -i "$TB/id_ed25519" -o UserKnownHostsFile="$TB/known_hosts" \
        -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=10 "gf@$_tb_a" "$@"
}

tb_exec() {
    _tb_node=$1
    shift
    "$TESTBED" exec --dir "$TB" "$_tb_node" -- "$@"
}

tb_fault() {
    "$TESTBED" fault --dir "$TB" "$@"
}

# Tear the testbed down whatever happens; keep the scratch directory when something failed.
_test_cleanup() {
    _test_rc=$?
    trap - EXIT INT TERM HUP
    if [ -e "$TB/testbed.state" ]; then
        tb_down > /dev/null 2>&5 || { echo "# testbed down failed for $TB" >&5; _test_rc=1; }
    fi
    cd / || :
    if [ "$test_failed" = 0 ] && [ "$_test_rc" = 0 ] && [ "${TEST_KEEP:-0}" = 0 ]; then
        rm -rf "$TEST_TMP"
    else
        echo "# kept $TEST_TMP (node logs in testbed/logs)" >&5
    fi
    exit "$_test_rc"
}
trap _test_cleanup EXIT
trap 'echo "# interrupted" >&5; (exit 130); _test_cleanup' INT
trap 'echo "# terminated" >&5; (exit 143); _test_cleanup' TERM
trap 'echo "# hung up" >&5; (exit 129); _test_cleanup' HUP
