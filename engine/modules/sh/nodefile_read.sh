# shellcheck shell=sh disable=SC2154
# nodefile_read.sh - one file of the node read in one command, for slurp,
# fetch, lineinfile, blockinfile and the other editors (gf_mod_read_file):
# its kind, attributes, checksum and, unless the controller has it already
# or it is too big, its content. (A leading ~ was expanded before the
# module ran.)
# In: gf_path, gf_sum (1: print the sha1), gf_have (the sha1 the controller
# holds, or empty), gf_max (the largest content to send, in bytes).
# Out: "GFDIR" (a directory), "GFPERM" (unreadable), "GFNONE <parent
# exists: 0|1>" or "GF <sha1|-> <mode> <uid> <user> <gid> <group> <size>";
# after GFNONE and GF, the path and the path resolved (readlink -m), each
# on a line; after GF, the content unless it is not sent.
# (The inputs are assigned before the script: SC2154.)
p=$gf_path
r=$(readlink -m -- "$p") || r=$p
if [ -d "$p" ]; then echo GFDIR; exit 0; fi
# absent: whether its directory exists, for state=present to create it
if [ ! -e "$p" ]; then e=0; [ -d "$(dirname -- "$r")" ] && e=1
  printf 'GFNONE %s\n%s\n%s\n' $e "$p" "$r"; exit 0; fi
if [ ! -r "$p" ]; then echo GFPERM; exit 0; fi
s=$(stat -L -c '%a %u %U %g %G %s' -- "$p") || exit 1
h=-
# shellcheck disable=SC2046 # the sum is the first word of sha1sum's answer
[ "$gf_sum" = 0 ] || { set -- $(sha1sum <"$p") && h=$1; }
printf 'GF %s %s\n%s\n%s\n' "$h" "$s" "$p" "$r"
# at most gf_max + 1 bytes, whatever stat said (a device or FIFO says 0)
[ "$h" = "$gf_have" ] || [ "${s##* }" -gt "$gf_max" ] || exec head -c "$((gf_max + 1))" -- "$p"
