# shellcheck shell=sh disable=SC2154
# push_hash.sh - a node's copy written from its first byte is hashed while
# it arrives (a reader on a FIFO that tee also writes), so activation need
# not read the file again; appended copies (resumed) are hashed at
# activation (push_activate.sh). Sent before push_write.sh and inside the
# relay script (push_relay.sh).
# gf_hash_start: empties P, starts the reader of P.fifo, which leaves the
# sha256 in P.sha when the stream ends; fails when P cannot be written.
# gf_hash_end: waits for the reader and removes the FIFO.
# In: P (the node's copy of the bundle). (Assigned before: SC2154.)
gf_hash_start() {
    rm -f "$P.sha" "$P.fifo"
    : >"$P" && mkfifo "$P.fifo" || return 1
    (sha256sum <"$P.fifo" | cut -c1-64 >"$P.sha.tmp" && mv "$P.sha.tmp" "$P.sha") &
}
gf_hash_end() {
    wait
    rm -f "$P.fifo"
}
