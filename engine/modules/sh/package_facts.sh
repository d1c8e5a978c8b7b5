# shellcheck shell=sh
# package_facts.sh - the node side of package_facts for apt: dpkg's
# architecture ("GFARCH arch"), then one line per package dpkg knows:
# name, version, architecture, section, status, origin, tab-separated, and
# for the installed versions that an apt list also holds, the origin of
# that list ("GFORIGIN name origin") as python-apt reports it (the first
# package file of the installed version). Sent after lib.sh.

command -v dpkg-query >/dev/null 2>&1 || fail "no dpkg-query on the node: package_facts supports apt only"
echo "GFARCH $(dpkg --print-architecture)"
echo "GFLIST"
dpkg-query -W -f '${Package}\t${Version}\t${Architecture}\t${Section}\t${db:Status-Status}\t${Origin}\n' ||
    fail "dpkg-query failed"
echo "GFEND"
ls /var/lib/apt/lists/*_Packages >/dev/null 2>&1 || exit 0
command -v apt-cache >/dev/null 2>&1 || exit 0
t=$(mktemp) || exit 0
trap 'rm -f "$t"' EXIT
# the origin (o=) of every package file, then each installed version's first file
apt-cache policy 2>/dev/null | awk '
    /^ *-?[0-9]+ / && !/release/ { sub(/^ *-?[0-9]+ /, ""); f = $0; next }
    /^ *release / && f != "" { o = ""; n = split($0, kv, ","); for (i = 1; i <= n; i++) {
        x = kv[i]; sub(/^ *release /, "", x); if (x ~ /^o=/) o = substr(x, 3) }
        print "F\t" f "\t" o; f = "" }' > "$t"
dpkg-query -W -f '${db:Status-Status} ${binary:Package}\n' | awk '$1 == "installed" { print $2 }' |
    xargs -r apt-cache policy 2>/dev/null | cat "$t" - | awk -F '\t' '
    $1 == "F" { org[$2] = $3; next }
    /^[^ ]/ { pkg = $0; sub(/:$/, "", pkg); inst = 0; next }
    /^ \*\*\* / { inst = 1; next }
    /^     [^ ]/ { inst = 0; next }
    inst == 1 { l = $0; sub(/^ *-?[0-9]+ /, "", l); print "GFORIGIN " pkg " " org[l]; inst = 0 }'
