# shellcheck shell=sh disable=SC2154
# push_relay.sh - node k of a chain push: writes what it receives on stdin
# into its copy (restarted: the chain always sends the whole bundle,
# hashed as it arrives, push_hash.sh) while forwarding it to node k+1 over
# node-to-node SSH, with this push's own key and node k+1's host key pinned
# from the controller's verified session. The last node only writes.
# push_relay_setup.sh writes it, with its values and push_hash.sh before
# it, to I/relay-ID.sh, which the forced command of this push's key (or
# the controller, on the first node) runs.
# In: I, ID, SUM, P; R_ADDR (node k+1's address, empty on the last node),
# R_PORT, R_USER (may be empty). (Assigned before: SC2154.)
gf_hash_start || exit 1
if [ -n "$R_ADDR" ]; then
    # -l only when a user is given: ssh's own default otherwise
    set -- -p "$R_PORT"
    [ -z "$R_USER" ] || set -- "$@" -l "$R_USER"
    tee -p -a "$P" "$P.fifo" | ssh -T -o BatchMode=yes -o IdentitiesOnly=yes \
        -o StrictHostKeyChecking=yes -o GlobalKnownHostsFile=/dev/null \
        -o UserKnownHostsFile="$I/relay-$ID.kh" -o ConnectTimeout=10 \
        -i "$I/relay-$ID.key" "$@" "$R_ADDR" relay
else
    tee -a "$P" "$P.fifo" >/dev/null
fi
gf_hash_end
