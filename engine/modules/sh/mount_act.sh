# shellcheck shell=sh disable=SC2154
# mount_act.sh - the mount module's changes, as planned from what
# mount_probe.sh read: the new fstab (read on stdin) put in place through a
# temporary file and a rename, refused when the file changed since the
# probe; then mount, remount (umount and mount when remount fails) or
# umount; then the mount point's removal (state absent). Sent after
# tmpfile.sh (gf_tmpfile).
# In: gf_fstab, gf_path, gf_write (1: stdin is the new fstab), gf_oldsum
# (sha256 of the fstab the probe read, empty when there was none),
# gf_backup, gf_do (mount, remount, umount or empty), gf_opts, gf_rmdir.
# Out: "GFBACKUP path" when a backup was made, "GFDONE" at the end, or
# "GFERR text" (on one line) on failure. (The inputs are assigned before
# the script: SC2154.)
f=$gf_fstab; p=$gf_path
err() { echo "GFERR $*" | tr '\n' ' '; echo; exit 1; }
# the new fstab, unless another writer changed it since the probe
if [ "$gf_write" = 1 ]; then
  cur=; [ -f "$f" ] && cur=$(sha256sum <"$f" | cut -c1-64)
  [ "$cur" = "$gf_oldsum" ] || err "$f changed while the task ran; run it again"
  dir=$(dirname "$f"); gf_tmpfile "$dir" || err "cannot create a file in $dir"; t=$gf_tmp
  trap 'rm -f "$t"' EXIT INT TERM HUP
  cat >"$t" || err "write of $f failed"
  if [ -f "$f" ]; then chmod "$(stat -c %a "$f")" "$t"; chown --reference="$f" "$t" 2>/dev/null
  else chmod 644 "$t"; fi
  if [ "$gf_backup" = 1 ] && [ -f "$f" ]; then b="$f.$$.$(date +%Y-%m-%d@%H:%M:%S)~"
    cp -p "$f" "$b" && echo "GFBACKUP $b"; fi
  sync "$t" 2>/dev/null; mv -f "$t" "$f" || err "rename to $f failed"
  trap - EXIT INT TERM HUP; sync "$dir" 2>/dev/null
fi
# an fstab other than /etc/fstab is named to mount(8) with -T
mnt() { if [ "$f" = /etc/fstab ]; then mount "$p"; else mount -T "$f" "$p"; fi; }
case $gf_do in
mount) mkdir -p "$p" || err "cannot create $p"; o=$(mnt 2>&1) || err "mount $p: $o";;
remount) o=$(mount -o "remount${gf_opts:+,$gf_opts}" "$p" 2>&1) ||
  o=$(umount "$p" 2>&1 && mnt 2>&1) || err "remount $p: $o";;
umount) o=$(umount "$p" 2>&1) || err "umount $p: $o";;
esac
if [ "$gf_rmdir" = 1 ] && [ -d "$p" ]; then o=$(rmdir "$p" 2>&1) || err "Error rmdir $p: $o"; fi
echo GFDONE
