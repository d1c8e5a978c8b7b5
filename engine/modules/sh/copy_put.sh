# shellcheck shell=sh disable=SC2154
# copy_put.sh - the atomic, checksum-idempotent file writer of copy and
# template (gf_mod_put_file): puts the content read on stdin at the
# destination through a temporary file in its directory and a rename, then
# sets mode, owner and group. Sent after tmpfile.sh (gf_tmpfile,
# gf_tmp_clean) and, with a validate command, validate.sh.
# In: gf_dest, gf_base (the source's name: the file is put inside gf_dest
# when that is a directory), gf_sum (sha256 of the content), gf_mode,
# gf_owner, gf_group, gf_force, gf_backup, gf_check, gf_probe (1: the
# content is not sent yet; ask for it), gf_validate, gf_text (1: the
# content is short text, no NUL byte, gf_size bytes: compared and written
# by the shell itself, without sha256sum or cat).
# Out: one line "GF <changed> <path>", or "GFNEED" (probe: the content must
# be sent), or "GFERR text"; "GFBACKUP path" before it when a backup was
# made; validate.sh's lines when the validate command refused the file.
# stdin is read only to write. (The inputs are assigned before the script:
# SC2154.)
d=$gf_dest; if [ -n "$gf_base" ] && [ -d "$d" ]; then d="${d%/}/$gf_base"; fi
if [ -e "$d" ] && [ ! -f "$d" ]; then echo "GFERR $d exists and is not a regular file"; exit 1; fi
# dirname "$d", without a process: trailing slashes off, then the last name
dir=$d; while [ "$dir" != / ] && [ "${dir%/}" != "$dir" ]; do dir=${dir%/}; done
case $dir in */*) dir=${dir%/*}; while [ "${dir%/}" != "$dir" ]; do dir=${dir%/}; done; dir=${dir:-/} ;;
  *) dir=. ;; esac
[ "$gf_check" = 1 ] || [ ! -d "$dir" ] || gf_tmp_clean "$dir"
# gf_readtext: all of stdin into gf_txt, byte for byte (a text has no NUL),
# and its length in bytes into gf_len: in the C locale (bash's read and
# ${#...} take a UTF-8 locale's characters), the caller's locale back after
gf_readtext() {
  gf_lc=${LC_ALL-gf-unset}
  LC_ALL=C
  gf_txt=
  while IFS= read -r gf_l; do gf_txt="$gf_txt$gf_l
"; done
  gf_txt=$gf_txt$gf_l gf_len=${#gf_txt}
  if [ "$gf_lc" = gf-unset ]; then unset LC_ALL; else LC_ALL=$gf_lc; fi
}
[ "$gf_text" != 1 ] || { gf_readtext; new=$gf_txt newlen=$gf_len; }
# the destination's mode, owner, uid, group, gid and size, when asked for
cur='' at='' atfmt='%a %U %u %G %g %s'
if [ -f "$d" ]; then
  [ "$gf_force" = 0 ] || at=$(stat -c "$atfmt" "$d")
  # the same size and, read as text, the same bytes: no NUL in the file
  # either (read drops it, and the size would then tell)
  if [ -n "$at" ] && [ "$gf_text" = 1 ] && [ "${at##* }" = "$gf_size" ] && gf_readtext <"$d" &&
    [ "$gf_txt" = "$new" ]; then cur=$gf_sum
  else
    # shellcheck disable=SC2046 # the sum is the first word of sha256sum's answer
    set -- $(sha256sum <"$d") && cur=$1
  fi
fi
if [ -n "$cur" ] && [ "$gf_force" = 0 ]; then echo "GF 0 $d"; exit 0; fi
wmode=$gf_mode
if [ -n "$wmode" ]; then case $wmode in *[!0-7]*)
  tm=$(mktemp) && chmod "$(stat -c %a "$d" 2>/dev/null || echo 644)" "$tm" &&
  chmod "$wmode" "$tm" && wmode=$(stat -c %a "$tm"); rm -f "$tm";;
  *) while [ "${wmode#0}" != "$wmode" ] && [ "$wmode" != 0 ]; do wmode=${wmode#0}; done;; esac; fi
# the content differs, or an attribute asked for
ch=0; [ "$cur" = "$gf_sum" ] || ch=1
# shellcheck disable=SC2086 # split into stat's fields
if [ -f "$d" ]; then [ -n "$at" ] || at=$(stat -c "$atfmt" "$d"); set -- $at
  [ -z "$wmode" ] || [ "$wmode" = "$1" ] || ch=1
  [ -z "$gf_owner" ] || [ "$gf_owner" = "$2" ] || [ "$gf_owner" = "$3" ] || ch=1
  [ -z "$gf_group" ] || [ "$gf_group" = "$4" ] || [ "$gf_group" = "$5" ] || ch=1; fi
if [ $ch = 0 ] || [ "$gf_check" = 1 ]; then echo "GF $ch $d"; exit 0; fi
# new content: through a temporary file, checked, then renamed over
if [ "$cur" != "$gf_sum" ]; then
  [ "$gf_probe" = 1 ] && { echo GFNEED; exit 0; }
  [ -d "$dir" ] || { echo "GFERR destination directory $dir does not exist"; exit 1; }
  # mktemp makes it 0600, whatever the umask
  gf_tmpfile "$dir" || { echo "GFERR cannot create a file in $dir"; exit 1; }; t=$gf_tmp
  trap 'rm -f "$t"' EXIT INT TERM HUP
  # all of it, or a transfer cut short (the text's length; others' sum)
  if [ "$gf_text" = 1 ]; then
    [ "$newlen" = "$gf_size" ] || { echo "GFERR content corrupted in transfer"; exit 1; }
    printf '%s' "$new" >"$t" || { echo "GFERR write failed (disk full?)"; exit 1; }
  else
    cat >"$t" || { echo "GFERR write failed (disk full?)"; exit 1; }
    # shellcheck disable=SC2046
    set -- $(sha256sum <"$t"); [ "$1" = "$gf_sum" ] || { echo "GFERR content corrupted in transfer"; exit 1; }
  fi
  [ -z "$gf_validate" ] || gf_validate_file "$t" || exit 1
  if [ -n "$wmode" ]; then chmod "$wmode" "$t"; elif [ -f "$d" ]; then chmod "$(stat -c %a "$d")" "$t";
  else chmod "$(printf %o "$((0666 & ~0$(umask)))")" "$t"; fi
  if [ -f "$d" ] && [ "$(id -u)" = 0 ]; then chown --reference="$d" "$t"; fi
  [ -z "$gf_owner" ] || chown "$gf_owner" "$t" || { echo "GFERR chown $gf_owner failed"; exit 1; }
  [ -z "$gf_group" ] || chgrp "$gf_group" "$t" || { echo "GFERR chgrp $gf_group failed"; exit 1; }
  if [ "$gf_backup" = 1 ] && [ -f "$d" ]; then b="$d.$$.$(date +%Y-%m-%d@%H:%M:%S)~";
    cp -p "$d" "$b" && echo "GFBACKUP $b"; fi
  sync "$t" 2>/dev/null; mv -f "$t" "$d" || { echo "GFERR rename to $d failed"; exit 1; }
  trap - EXIT INT TERM HUP; sync "$dir" 2>/dev/null
# same content: only the attributes
else
  [ -z "$wmode" ] || chmod "$wmode" "$d" || { echo "GFERR chmod failed"; exit 1; }
  [ -z "$gf_owner" ] || chown "$gf_owner" "$d" || { echo "GFERR chown $gf_owner failed"; exit 1; }
  [ -z "$gf_group" ] || chgrp "$gf_group" "$d" || { echo "GFERR chgrp $gf_group failed"; exit 1; }
fi
echo "GF 1 $d"
