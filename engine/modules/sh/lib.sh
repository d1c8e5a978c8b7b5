# shellcheck shell=sh
# lib.sh - helpers shared by the node-side scripts of the modules, sent
# before a script that uses them (gf_nodesh_add(b, "lib")).
#
# Output protocol: a script reports through tagged lines on stdout that the
# module reads back; "GFERR text" says the step failed and why (the module
# turns it into the task's msg).

export LC_ALL=C DEBIAN_FRONTEND=noninteractive SYSTEMD_PAGER=

# fail TEXT... - reports TEXT as the failure and ends the script.
fail() {
    echo "GFERR $*"
    exit 1
}
