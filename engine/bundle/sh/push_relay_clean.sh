# shellcheck shell=sh disable=SC2154
# push_relay_clean.sh - what push_relay_setup.sh left on a chain node
# removed: the relay script, key, pinned host key, FIFOs, and this push's
# line (it ends with "gf-relay-ID") in authorized_keys and
# authorized_keys2 (rewritten in place, so its owner and mode stay; a file
# left empty is removed).
# In: I, ID. (Assigned before the script: SC2154.)
rm -f "$I/relay-$ID.key" "$I/relay-$ID.kh" "$I/relay-$ID.sh" "$I"/*.fifo
for f in "$HOME/.ssh/authorized_keys" "$HOME/.ssh/authorized_keys2"; do
  if [ -f "$f" ] && grep -q "gf-relay-$ID\$" "$f"; then
    grep -v "gf-relay-$ID\$" "$f" >"$f.gf-$ID"; cat "$f.gf-$ID" >"$f";
    rm -f "$f.gf-$ID"; [ -s "$f" ] || rm -f "$f"; fi; done
