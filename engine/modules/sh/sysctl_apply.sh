# shellcheck shell=sh disable=SC2154
# sysctl_apply.sh - the sysctl module's steps that change the node: sets
# the live value (gf_setp), or reloads the file once it is written
# (gf_reload); the module runs them in Ansible's order, the value first.
# Sent after lib.sh.
# In: gf_name, gf_value, gf_file, gf_reload, gf_setp (1: sysctl -w),
#     gf_e ("-e" with ignoreerrors, else empty).
# Out: "GFEND"; "GFERR text" on failure. (The inputs are assigned before
# the script: SC2154.)

# bad OUTPUT - sysctl complained about a key (it does so with status 0)
bad() {
    [ "$gf_e" != -e ] && case $1 in
        *'sysctl: setting key'*|*'sysctl: cannot'*) true ;;
        *) false ;;
    esac
}
if [ "$gf_reload" = 1 ]; then
    # gf_e is an option or nothing
    # shellcheck disable=SC2086
    if ! o=$(sysctl $gf_e -p "$gf_file" 2>&1) || bad "$o"; then
        fail "Failed to reload sysctl: $o"
    fi
fi
if [ "$gf_setp" = 1 ]; then
    if ! o=$(sysctl -w "$gf_name=$gf_value" 2>&1) || bad "$o"; then
        fail "setting $gf_name failed: $o"
    fi
fi
echo GFEND
