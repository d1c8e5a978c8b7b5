# shellcheck shell=sh disable=SC2154
# copy_times.sh - copy with remote_src gives the new file its source's
# access and modification times, as Ansible's shutil.copystat() does.
# In: gf_src, gf_dest. (The inputs are assigned before the script: SC2154.)

touch -c -r "$gf_src" -- "$gf_dest" || fail "cannot copy the times of $gf_src to $gf_dest"
