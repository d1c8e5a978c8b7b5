# shellcheck shell=sh
# setup_net.sh - setup's subset "network" (after setup.sh): routes and
# addresses through ip when there is one, else through /proc, and the
# attributes of each interface from /sys/class/net.
if command -v ip >/dev/null 2>&1; then
s route4; ip -4 route get 8.8.8.8 2>/dev/null
s route6; ip -6 route get 2404:6800:400a:800::1012 2>/dev/null
s addr; ip addr show 2>/dev/null
else
s proute; cat /proc/net/route 2>/dev/null
s fib; cat /proc/net/fib_trie 2>/dev/null
s inet6; cat /proc/net/if_inet6 2>/dev/null
s route6p; grep '^0\{32\} 00 ' /proc/net/ipv6_route 2>/dev/null
fi
if cd /sys/class/net 2>/dev/null; then
s netls; for d in *; do [ -d "$d" ] && echo "$d"; done
s netattr; grep -s -H -e . -- */address */mtu */operstate */type */flags */speed \
  */bridge/stp_state */bridge/bridge_id
s netlink; ls -l -- */device */device/driver/module 2>/dev/null
s netbrif; ls -d -- */brif/* 2>/dev/null
cd /; fi
