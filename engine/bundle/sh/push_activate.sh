# shellcheck shell=sh disable=SC2154
# push_activate.sh - a node's copy of the bundle made current (as root):
# the whole file checked against the sha256 of the bundle the controller
# verified (so every member is what the signed manifest lists), unpacked
# into a staging directory, synced, moved to D/N/V, then the D/N/current
# link switched atomically (a rename over it).
# In: D, I, N, V, SUM, P, SIZE (as push_prep.sh), ID (this push).
# Out: "GFOK", or "GFERR text" (nothing activated).
# (The inputs are assigned before the script: SC2154.)
if [ -f "$P.sha" ] && [ "$(stat -c %s "$P")" = "$SIZE" ]; then h=$(cat "$P.sha");
else h=$(sha256sum <"$P" | cut -c1-64); fi
[ "$h" = "$SUM" ] || { rm -f "$P" "$P.sha";
  echo "GFERR the received bundle does not match its sha256 (removed; push again)"; exit 1; }
st="$D/.staging-$ID"; rm -rf "$st"
mkdir -p "$st" "$D/$N" || { echo "GFERR cannot create $st"; exit 1; }
if ! err=$(tar -xf "$P" -C "$st" --no-same-owner 2>&1); then rm -rf "$st";
  echo "GFERR unpacking failed (nothing activated): $(echo "$err" | tail -1)"; exit 1; fi
echo "$SUM" >"$st/.gf-bundle-sha256" || { rm -rf "$st"; echo "GFERR write failed (disk full?)"; exit 1; }
sync
[ -e "$D/$N/$V" ] && mv "$D/$N/$V" "$D/.old-$ID"
mv "$st" "$D/$N/$V" || { echo "GFERR cannot move $st into place"; exit 1; }
{ ln -sfn "$V" "$D/$N/.current-$ID" && mv -T "$D/$N/.current-$ID" "$D/$N/current"; } ||
  { echo "GFERR cannot switch $D/$N/current"; exit 1; }
rm -rf "$D/.old-$ID"; rm -f "$P" "$P.sha"; sync
echo GFOK
