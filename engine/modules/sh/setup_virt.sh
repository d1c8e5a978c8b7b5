# shellcheck shell=sh
# setup_virt.sh - setup's subset "virtual" (after setup.sh): the traces of
# containers and hypervisors that Ansible's virtual facts look for.
s virt; grep -E '/docker(/|-[0-9a-f]+\.scope)|/lxc/|/machine\.slice/machine-lxc|/system\.slice/containerd\.service' /proc/1/cgroup 2>/dev/null | sed 's/^/cgroup /'
{ tr '\0' '\n' </proc/1/environ | grep '^container=' | sed 's/^/environ /'; } 2>/dev/null
[ -e /proc/vz ] && [ ! -e /proc/lve ] && { [ -e /proc/bc ] && echo vzhost || echo vz; }
[ -s /run/systemd/container ] && echo "sdcont $(cat /run/systemd/container)"
{ [ -e /.dockerenv ] || [ -e /.dockerinit ]; } && echo dockerenv
[ -e /proc/xen ] && { grep -qs control_d /proc/xen/capabilities && echo xenhost || echo xen; }
for f in product_name sys_vendor bios_vendor product_family; do
  [ -r /sys/devices/virtual/dmi/id/$f ] && echo "$f $(cat /sys/devices/virtual/dmi/id/$f)"; done
