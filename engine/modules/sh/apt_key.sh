# shellcheck shell=sh disable=SC2154
# apt_key.sh - what apt_key needs of the node, sent after lib.sh: Ansible
# 2.14's module requires both apt-key and gpg (find_needed_binaries) before
# anything else. Prints "GFMISSING name" for the first one missing, else
# "GFHAVE apt-key-path gpg-path"; "GFPATH" is the PATH searched, with the
# sbin directories Ansible adds.

p=$PATH
for d in /sbin /usr/sbin /usr/local/sbin; do
    case ":$p:" in *":$d:"*) ;; *) p=$p:$d ;; esac
done
echo "GFPATH $p"
k=$(command -v apt-key) || { echo "GFMISSING apt-key"; exit 0; }
g=$(command -v gpg) || { echo "GFMISSING gpg"; exit 0; }
echo "GFHAVE $k $g"
