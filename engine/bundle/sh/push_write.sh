# shellcheck shell=sh disable=SC2154
# push_write.sh - the bundle's bytes, read on stdin, into the node's copy
# (star: the controller sends to each node). A copy started afresh is hashed
# as it arrives (push_hash.sh, sent before this); one resumed from a partial
# file is appended to and hashed at activation.
# In: P (the node's copy), gf_resume (1: append to the partial file).
# Out: "GFERR text" on failure. (The inputs are assigned before: SC2154.)
if [ "$gf_resume" = 1 ]; then
    rm -f "$P.sha"
    cat >>"$P" || { echo "GFERR writing $P failed (disk full?)"; exit 1; }
    exit 0
fi
gf_hash_start || exit 1
tee -a "$P" "$P.fifo" >/dev/null
rc=$?
gf_hash_end
[ $rc = 0 ] || { echo "GFERR writing $P failed (disk full?)"; exit 1; }
