# shellcheck shell=sh disable=SC2154
# push_prep.sh - a node before a bundle push (as root; push.c): skip when it
# holds this bundle already, name the version its current link points at,
# then (unless gf_look=1, --check) make the incoming directory for the
# login user and report the size of a partial file an interrupted push
# left, so the push resumes from there.
# In: D (where bundles live), I (D/.incoming), N, V (the bundle's name and
# version), SUM (its sha256), P (I/SUM.gfb), SIZE (its size in bytes),
# gf_look.
# Out: "GFHAVE" (held: nothing else), "GFCURRENT version", "GFSIZE bytes",
# or "GFERR text". (The inputs are assigned before the script: SC2154.)
if [ -f "$D/$N/$V/.gf-bundle-sha256" ] && [ "$(cat "$D/$N/$V/.gf-bundle-sha256")" = "$SUM" ]; then
    echo GFHAVE
    exit 0
fi
c=$(readlink "$D/$N/current" 2>/dev/null) && echo "GFCURRENT $c"
[ "$gf_look" = 1 ] && exit 0
u=${SUDO_USER:-$(id -un)}
mkdir -p "$I" || { echo "GFERR cannot create $I"; exit 1; }
{ chown "$u" "$I" && chmod 0700 "$I"; } || { echo "GFERR cannot give $I to $u"; exit 1; }
s=0; [ -f "$P" ] && s=$(stat -c %s "$P")
# longer than the bundle: not a partial copy of it
[ "$s" -gt "$SIZE" ] && { rm -f "$P"; s=0; }
echo "GFSIZE $s"
exit 0
