# shellcheck shell=sh disable=SC2034
# lib.sh - helpers shared by the node-side scripts of the modules, sent
# before a script that uses them (gf_nodesh_add(b, "lib")).
#
# Output protocol: a script reports through tagged lines on stdout that the
# module reads back; "GFERR text" says the step failed and why (the module
# turns it into the task's msg). Every tag is listed in
# docs/internals/node-protocol.md.

export LC_ALL=C DEBIAN_FRONTEND=noninteractive SYSTEMD_PAGER=

# fail TEXT... - reports TEXT as the failure and ends the script.
fail() {
    echo "GFERR $*"
    exit 1
}

# try CMD... - runs CMD unless this is a check run (gf_check=1), keeping
# what it prints (stdout and stderr) in gf_out; returns CMD's status, 0
# for a check run. A module's actions go through it so that check mode
# changes nothing on the node. (gf_out is read by the scripts sent after
# this one: SC2034.)
try() {
    gf_out=
    [ "${gf_check:-0}" = 1 ] && return 0
    gf_out=$("$@" 2>&1)
}
