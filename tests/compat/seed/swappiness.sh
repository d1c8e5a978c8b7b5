#!/bin/sh
# seed/swappiness.sh - vm.swappiness as a VM's node has it: writable. A
# testbed node is a container whose /proc/sys is read-only (the kernel is
# the host's, shared by every node), so `sysctl -w vm.swappiness=N` and
# `sysctl -p FILE` fail there where they succeed on a machine of its own.
# The node's own copy of the key, a file bind-mounted over it in the node's
# mount namespace only, takes the writes (and gives them back to reads);
# the host's kernel setting is never touched. Both sides are seeded alike.
set -eu
f=/run/compat-sysctl-vm.swappiness
cat /proc/sys/vm/swappiness >"$f"
mount --bind "$f" /proc/sys/vm/swappiness
sysctl -w vm.swappiness="$(cat "$f")" >/dev/null
