# shellcheck shell=sh disable=SC2154
# push_relay_setup.sh - a chain node made ready to relay (push_relay.sh):
# the relay script written to I/relay-ID.sh; where a next node is, its
# pinned host key (KH, a known_hosts line) to I/relay-ID.kh and this push's
# private key, read on stdin, to I/relay-ID.key; where a previous node
# reaches this one, the forced-command line AUTH added to authorized_keys
# (or to authorized_keys2, sshd's other default file, for nodes whose
# authorized_keys is managed read-only). All of it is private (umask 077)
# and removed after the push (push_relay_clean.sh).
# In: I, ID, SCRIPT (the relay script), KH (empty on the last node), AUTH
# (empty on the first node).
# Out: "GFERR text" on failure. (The inputs are assigned before: SC2154.)
umask 077
printf '%s' "$SCRIPT" >"$I/relay-$ID.sh" || { echo "GFERR cannot write in $I"; exit 1; }
if [ -n "$KH" ]; then { printf '%s\n' "$KH" >"$I/relay-$ID.kh" && cat >"$I/relay-$ID.key"; } ||
  { echo "GFERR cannot write the relay key"; exit 1; }; fi
if [ -n "$AUTH" ]; then { mkdir -p "$HOME/.ssh" &&
  { printf '%s\n' "$AUTH" >>"$HOME/.ssh/authorized_keys" 2>/dev/null ||
    printf '%s\n' "$AUTH" >>"$HOME/.ssh/authorized_keys2"; }; } ||
  { echo "GFERR cannot add the relay key"; exit 1; }; fi
