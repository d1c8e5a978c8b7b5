# shellcheck shell=sh disable=SC2154
# service_facts.sh - the node side of service_facts: the raw listings that
# Ansible's service_facts reads, each after a "GFSECTION name" line; the
# controller parses them (engine/modules/service_facts.c). Sent after lib.sh.
#
# Input: gf_names: when set, only ActiveState of these unit names (one a
# line), as "GFACT name state" lines.

if [ -n "$gf_names" ]; then
    printf '%s\n' "$gf_names" | while IFS= read -r n; do
        s=$(systemctl show "$n" --property=ActiveState 2>/dev/null) && [ -n "$s" ] ||
            s=ActiveState=unknown
        echo "GFACT $n ${s#ActiveState=}"
    done
    exit 0
fi
have() { command -v "$1" >/dev/null 2>&1; }
if have service && ! have chkconfig && ! have rc-status; then
    echo "GFSECTION sysv"
    service --status-all 2>/dev/null
    echo "GFSECTION sysv-rc $?"
fi
if grep -q systemd /proc/1/comm 2>/dev/null && have systemctl; then
    echo "GFSECTION units"
    systemctl list-units --no-pager --type service --all 2>/dev/null
    echo "GFSECTION files"
    systemctl list-unit-files --no-pager --type service --all 2>/dev/null
fi
echo "GFSECTION end"
