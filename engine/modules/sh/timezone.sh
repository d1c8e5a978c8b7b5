# shellcheck shell=sh disable=SC2154
# timezone.sh - the timezone module (community.general.timezone) on Linux:
# with a usable timedatectl through it, else through /etc/timezone,
# /etc/localtime (and dpkg-reconfigure tzdata) and /etc/default/rcS plus
# hwclock, as the module's SystemdTimezone and NosystemdTimezone do.
# In: gf_name, gf_hwclock (empty: not managed), gf_check.
# Out: "GFV PHASE KEY VALUE" for the phases before and after (after only
# without gf_check), "GFMSG text" for each command the module logs. (The
# inputs are assigned before the script: SC2154.)

sd=0
if command -v timedatectl >/dev/null 2>&1 && timedatectl >/dev/null 2>&1; then
    sd=1
fi
abort() {
    fail "$(printf 'Error message:\n%s' "$*")"
}
tzfile=/usr/share/zoneinfo/$gf_name
if [ -n "$gf_name" ] && [ ! -f "$tzfile" ]; then
    abort "given timezone \"$gf_name\" is not available"
fi
# boolean VALUE - Ansible's boolean(): 0 for true
boolean() {
    case $(printf %s "$1" | tr '[:upper:]' '[:lower:]') in
        y|yes|on|1|true|t|1.0) return 0 ;;
    esac
    return 1
}
# the value of the first "^\s*KEY\s*:\s*VALUE" line of timedatectl status
sd_field() {
    timedatectl status | sed -n "s/^[[:space:]]*$1[[:space:]]*:[[:space:]]*\([^[:space:]]*\).*/\1/p" |
        head -n 1
}
sd_get() {
    case $1 in
        name) sd_field 'Time \{0,1\}zone' ;;
        hwclock) if boolean "$(sd_field 'RTC in local TZ')"; then echo local; else echo UTC; fi ;;
    esac
}
conf_name() {
    [ -f /etc/timezone ] || { echo n/a; return; }
    v=$(sed -n 's/^\([^[:space:]]\{1,\}\).*/\1/p' /etc/timezone | head -n 1)
    if [ -z "$v" ]; then
        [ "$1" = before ] || abort "tried to configure name using a file \"/etc/timezone\"," \
            "but could not find a valid value in it"
        v=n/a
    fi
    echo "$v"
}
nosd_get() {
    case $1 in
    name)
        v=$(conf_name "$2")
        if [ "$v" = "$gf_name" ]; then
            if [ -L /etc/localtime ]; then
                if [ -e /etc/localtime ]; then
                    p=$(readlink /etc/localtime)
                    case $p in
                        */usr/share/zoneinfo/*) l=${p#*/usr/share/zoneinfo/} ;;
                        */etc/zoneinfo/*) l=${p#*/etc/zoneinfo/} ;;
                        *) l= ;;
                    esac
                    if [ -z "$l" ]; then v=n/a; elif [ "$l" != "$gf_name" ]; then v=$l; fi
                else
                    v=n/a
                fi
            elif ! cmp -s /etc/localtime "$tzfile"; then
                v=n/a
            fi
        fi
        echo "$v" ;;
    hwclock)
        v=n/a
        if [ -f /etc/default/rcS ]; then
            u=$(sed -n 's/^UTC[[:space:]]*=[[:space:]]*\([^[:space:]]\{1,\}\).*/\1/p' \
                /etc/default/rcS | head -n 1)
            if [ -n "$u" ]; then
                if boolean "$u"; then v=UTC; else v=local; fi
            fi
        fi
        if [ "$v" = "$gf_hwclock" ]; then
            v=UTC
            if [ -f /etc/adjtime ] && grep -qx LOCAL /etc/adjtime; then v=local; fi
        fi
        echo "$v" ;;
    esac
}
get() {
    if [ $sd = 1 ]; then sd_get "$1"; else nosd_get "$1" "$2"; fi
}
# edit_file FILE REGEXP LINE: the first line matching REGEXP (grep -E)
# becomes LINE, the other matching lines go
edit_file() {
    n=$(grep -cE "$2" "$1" 2>/dev/null) || n=0
    t=$(mktemp) || abort "could not write $1"
    if [ -f "$1" ]; then
        awk -v re="$2" -v line="$3" '
            $0 ~ re { if (!done) print line; done = 1; next }
            { print }' "$1" >"$t"
        if [ "$n" = 0 ]; then
            { printf '%s\n' "$3"; grep -vE "$2" "$1"; } >"$t"
        fi
    else
        printf '%s\n' "$3" >"$t"
    fi
    cat "$t" >"$1" || abort "tried to configure using a file \"$1\", but could not write to it"
    rm -f "$t"
    echo "GFMSG Added 1 line and deleted $n line(s) on $1"
}
run() {
    o=$("$@" 2>&1) || abort "$o"
}
for phase in before after; do
    [ $phase = after ] && [ "$gf_check" = 1 ] && break
    if [ $phase = after ]; then
        if [ -n "$gf_hwclock" ] && [ "$bhw" != "$gf_hwclock" ]; then
            if [ $sd = 1 ]; then
                yn=no
                [ "$gf_hwclock" = local ] && yn=yes
                run timedatectl set-local-rtc "$yn"
                echo "GFMSG executed \`$(command -v timedatectl) set-local-rtc $yn\`"
            else
                opt=--utc utc=yes
                [ "$gf_hwclock" = local ] && opt=--localtime utc=no
                edit_file /etc/default/rcS '^UTC[[:space:]]*=' "UTC=$utc"
                run hwclock --systohc "$opt"
                echo "GFMSG executed \`$(command -v hwclock) --systohc $opt\`"
            fi
        fi
        if [ -n "$gf_name" ] && [ "$bname" != "$gf_name" ]; then
            if [ $sd = 1 ]; then
                run timedatectl set-timezone "$gf_name"
                echo "GFMSG executed \`$(command -v timedatectl) set-timezone $gf_name\`"
            else
                edit_file /etc/timezone '^[^[:space:]]+' "$gf_name"
                if command -v dpkg-reconfigure >/dev/null 2>&1; then
                    run ln -sf "$tzfile" /etc/localtime
                    run dpkg-reconfigure --frontend noninteractive tzdata
                else
                    run cp --remove-destination "$tzfile" /etc/localtime
                fi
            fi
        fi
    fi
    if [ -n "$gf_hwclock" ]; then
        v=$(get hwclock $phase) || { echo "$v"; exit 1; }
        [ $phase = before ] && bhw=$v
        echo "GFV $phase hwclock $v"
    fi
    if [ -n "$gf_name" ]; then
        v=$(get name $phase) || { echo "$v"; exit 1; }
        [ $phase = before ] && bname=$v
        echo "GFV $phase name $v"
    fi
done
