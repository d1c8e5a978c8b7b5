# shellcheck shell=sh disable=SC2154
# systemd.sh - the systemd module (systemd_service) and service on systemd
# hosts: daemon-reload/-reexec, then, in Ansible's order, mask, enable and
# state, each read from systemctl and acted on in the same script so that
# the check and the change see the same state. Sent after lib.sh.
# In: gf_name (empty: the reloads only), gf_state (started, stopped,
#     restarted, reloaded or empty), gf_enabled, gf_masked (1, 0 or empty),
#     gf_opts (--no-block, --force), gf_dreload, gf_dreexec, gf_check.
# Out: "GFS Key=Value" lines (the unit's properties before any change, as
# Ansible returns them), "GFDO action" for each action (each one a
# change), "GFEND" last; "GFERR text" on failure. (The inputs are assigned
# before the script: SC2154.)

[ -d /run/systemd/system ] ||
    fail 'systemd is not the service manager of this host (no /run/systemd/system)'
if [ "$gf_check" != 1 ]; then
    if [ "$gf_dreload" = 1 ]; then
        o=$(systemctl daemon-reload 2>&1) || fail "failure during daemon-reload: $o"
    fi
    if [ "$gf_dreexec" = 1 ]; then
        o=$(systemctl daemon-reexec 2>&1) || fail "failure during daemon-reexec: $o"
    fi
fi
[ -n "$gf_name" ] || exit 0
u=$gf_name
# the properties returned as status (Ansible returns all of them; these
# are the ones playbooks test)
systemctl show -p Id -p Names -p Description -p LoadState -p LoadError -p ActiveState \
    -p SubState -p UnitFileState -p UnitFilePreset -p MainPID -p FragmentPath -- "$u" |
    while IFS= read -r l; do echo "GFS $l"; done
load=$(systemctl show -p LoadState --value -- "$u")
if [ -n "$gf_state$gf_enabled" ]; then
    case $load in
    not-found) fail "Could not find the requested service $u: host" ;;
    error|bad-setting)
        fail "Error loading unit file '$u': $(systemctl show -p LoadError --value -- "$u")" ;;
    esac
fi
# act VERB - systemctl VERB on the unit: a change
act() {
    echo "GFDO $1"
    # gf_opts holds options, split on blanks
    # shellcheck disable=SC2086
    try systemctl $gf_opts "$@" -- "$u" || fail "Unable to $1 service $u: $gf_out"
}
if [ -n "$gf_masked" ]; then
    m=0
    [ "$(systemctl is-enabled -- "$u" 2>/dev/null)" = masked ] && m=1
    if [ $m != "$gf_masked" ]; then
        if [ $m = 0 ]; then act mask; else act unmask; fi
    fi
fi
if [ -n "$gf_enabled" ]; then
    e=$(systemctl is-enabled -- "$u" 2>/dev/null) && en=1 || en=0
    case $e in indirect|alias) en=0 ;; esac
    if [ "$en" != "$gf_enabled" ]; then
        if [ "$en" = 0 ]; then act enable; else act disable; fi
    fi
fi
if [ -n "$gf_state" ]; then
    a=$(systemctl is-active -- "$u" 2>/dev/null)
    case $a in active|activating|reloading|refreshing) run=1 ;; *) run=0 ;; esac
    case $gf_state in
    started) [ $run = 1 ] || act start ;;
    stopped) if [ $run = 1 ] || [ "$a" = deactivating ]; then act stop; fi ;;
    *) if [ $run = 0 ]; then act start; else act "${gf_state%ed}"; fi ;;
    esac
fi
echo GFEND
