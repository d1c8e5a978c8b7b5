# shellcheck shell=sh disable=SC2154
# get_url.sh - the node side of get_url (engine/modules/get_url.c), sent
# after lib.sh, attrs.sh and tmpfile.sh.
#
# Input: gf_phase, gf_url, gf_dest, gf_algo (md5, sha1, sha256, ...: the
# checksum's algorithm, or empty), gf_sum, gf_check, gf_mode, gf_owner,
# gf_group, gf_backup, gf_tmp_dest, gf_src, gf_timeout, gf_validate,
# gf_method, gf_ims; with gf_src=stdin also gf_final (the URL that
# answered) and gf_cd (its Content-Disposition).
#
# gf_phase=probe: what the node holds and has.
#   GFTOOL curl|wget|none   GFDIR 0|1   GFEXISTS 0|1   GFMTIME seconds
#   GFDSUM digest of dest (with gf_algo)
# gf_phase=attrs: applies the attributes to gf_dest (GFATTR, GFSTAT).
# gf_phase=body: the download only, printed after a line GFBODY.
# gf_phase=install: gets the body (gf_src: stdin, the node's file at the
# path of a file:// URL, or curl / wget reading their configuration from
# stdin: headers and credentials never reach argv), then
#   GFHTTP status final-url   GFCL length   GFREASON text   and unless the
#   status ends it: GFDEST path  GFSUMSRC sha1  GFSUMDEST sha1  GFCHANGED
#   0|1  GFBACKUP path  GFDIGEST digest  GFATTR  GFMD5  GFSTAT

digest() { # ALGO FILE
    command -v "${1}sum" >/dev/null 2>&1 || fail "no ${1}sum on the node for checksum algorithm $1"
    "${1}sum" <"$2" | cut -d' ' -f1
}

if [ "$gf_phase" = probe ]; then
    if command -v curl >/dev/null 2>&1; then echo "GFTOOL curl"
    elif command -v wget >/dev/null 2>&1; then echo "GFTOOL wget"
    else echo "GFTOOL none"; fi
    if [ -d "$gf_dest" ]; then echo "GFDIR 1"; exit 0; fi
    echo "GFDIR 0"
    [ -e "$gf_dest" ] || { echo "GFEXISTS 0"; exit 0; }
    echo "GFEXISTS 1"
    stat -c 'GFMTIME %Y' "$gf_dest"
    if [ -n "$gf_algo" ] && [ -f "$gf_dest" ]; then
        s=$(digest "$gf_algo" "$gf_dest") || { echo "$s"; exit 1; }
        echo "GFDSUM $s"
    fi
    exit 0
fi

if [ "$gf_phase" = attrs ]; then
    [ ! -e "$gf_dest" ] || attrs "$gf_dest"
    stat_tags "$gf_dest"
    exit 0
fi

# ---- install ----
td=${gf_tmp_dest:-${TMPDIR:-/tmp}}
if [ -n "$gf_tmp_dest" ] && [ ! -d "$gf_tmp_dest" ]; then
    [ -e "$gf_tmp_dest" ] && fail "$gf_tmp_dest is a file but should be a directory."
    fail "$gf_tmp_dest directory does not exist."
fi
um=$(umask)
umask 077
w=$(mktemp -d "$td/gf-get_url.XXXXXX") || fail "cannot create a temporary directory in $td"
umask "$um"
trap 'rm -rf "$w"' EXIT INT TERM HUP
body=$w/body
final=$gf_url
cd=
case $gf_src in
stdin)
    cat >"$body" || fail "failed to create temporary content file"
    final=$gf_final cd=$gf_cd status=200 ;;
file)
    p=${gf_url#file://}
    [ -f "$p" ] || fail "Request failed: $gf_url: no such file on the node"
    cp "$p" "$body" || fail "cannot read $p"
    status=200 ;;
curl)
    cat >"$w/cfg" || fail "cannot write the curl configuration"
    set -- -sS -K "$w/cfg" -D "$w/head" -o "$body" --connect-timeout "$gf_timeout" \
        -w '%{http_code} %{url_effective}'
    [ "$gf_validate" = 1 ] || set -- "$@" -k
    [ "$gf_method" = HEAD ] && set -- "$@" -I
    [ -z "$gf_ims" ] || set -- "$@" -H "If-Modified-Since: $gf_ims"
    r=$(curl "$@" -- "$gf_url" 2>"$w/err") || fail "Request failed: $(cat "$w/err")"
    status=${r%% *}
    final=${r#* } ;;
wget)
    cat >"$w/cfg" || fail "cannot write the wget configuration"
    set -- -q -S --config="$w/cfg" -O "$body" --timeout="$gf_timeout" --content-on-error
    [ "$gf_validate" = 1 ] || set -- "$@" --no-check-certificate
    [ "$gf_method" = HEAD ] && set -- "$@" --method=HEAD
    [ -z "$gf_ims" ] || set -- "$@" --header="If-Modified-Since: $gf_ims"
    wget "$@" -- "$gf_url" 2>"$w/head"
    st=$(grep -E '^ *HTTP/[0-9.]+ [0-9]{3}' "$w/head" | tail -1 | awk '{print $2}')
    [ -n "$st" ] || fail "Request failed: $(tail -1 "$w/head")"
    status=$st
    loc=$(sed -n 's/^ *[Ll]ocation: *//p' "$w/head" | tail -1 | tr -d '\r')
    case $loc in *://*) final=$loc ;; esac
    [ -f "$body" ] || : >"$body" ;;
*) fail "unknown source $gf_src" ;;
esac
echo "GFHTTP $status $final"
if [ -f "$w/head" ]; then
    hdr() { sed -n "s/^ *$1: *//Ip" "$w/head" | tail -1 | tr -d '\r'; }
    cd=$(hdr content-disposition)
    cl=$(hdr content-length)
    [ -z "$cl" ] || echo "GFCL $cl"
    rs=$(sed -n 's/^ *HTTP\/[0-9.]* [0-9]* *//p' "$w/head" | tail -1 | tr -d '\r')
    echo "GFREASON $rs"
fi
if [ "$gf_phase" = body ]; then
    echo GFBODY
    cat "$body"
    exit 0
fi
case $gf_src in stdin|file) ;; *)
    [ "$status" = 304 ] && exit 0
    [ "$status" = 200 ] || exit 0 ;;
esac

d=$gf_dest
if [ -d "$d" ]; then
    # Content-Disposition's file name, else the last part of the URL's path
    n=$(printf '%s\n' "$cd" | sed -n 's/^attachment; \{0,1\}filename="\{0,1\}\([^"]*\).*/\1/p')
    n=${n##*/}
    if [ -z "$n" ]; then
        n=${final#*://*/}
        [ "$n" = "$final" ] && n=
        n=${n%%[?#]*}
        n=${n##*/}
        [ -n "$n" ] || n=index.html
    fi
    d=${d%/}/$n
fi
echo "GFDEST $d"
# the directory as Python's os.path.dirname has it: "/a/b/" gives "/a/b"
dir=${d%/*}
case $d in /*) [ -n "$dir" ] || dir=/ ;; */*) ;; *) dir=. ;; esac
src_sum=$(sha1sum <"$body" | cut -d' ' -f1)
echo "GFSUMSRC $src_sum"
dest_sum=
if [ -e "$d" ]; then
    [ -w "$d" ] || fail "Destination $d is not writable"
    [ -r "$d" ] || fail "Destination $d is not readable"
    dest_sum=$(sha1sum <"$d" | cut -d' ' -f1)
    echo "GFSUMDEST $dest_sum"
else
    [ -e "$dir" ] || fail "Destination $dir does not exist"
    [ -w "$dir" ] || fail "Destination $dir is not writable"
fi
ch=0
[ "$src_sum" = "$dest_sum" ] || ch=1
if [ "$gf_check" = 1 ]; then
    echo "GFCHANGED $ch"
    exit 0
fi
if [ $ch = 1 ]; then
    if [ "$gf_backup" = 1 ] && [ -e "$d" ]; then
        b="$d.$$.$(date '+%Y-%m-%d@%H:%M:%S')~"
        cp -p "$d" "$b" || fail "cannot back up $d"
        echo "GFBACKUP $b"
    fi
    gf_tmpfile "$dir" || fail "cannot create a file beside $d"
    t=$gf_tmp
    cat "$body" >"$t" || { rm -f "$t"; fail "failed to copy $body to $d"; }
    if [ -e "$d" ]; then
        chmod "$(stat -c %a "$d")" "$t" && chown "$(stat -c %u:%g "$d")" "$t"
    else
        chmod "$(printf '%o' $((0666 & ~0$um)))" "$t"
    fi
    mv -f "$t" "$d" || { rm -f "$t"; fail "failed to copy $body to $d"; }
fi
echo "GFCHANGED $ch"
if [ -n "$gf_algo" ]; then
    s=$(digest "$gf_algo" "$d") || { echo "$s"; exit 1; }
    echo "GFDIGEST $s"
    [ "$s" = "$gf_sum" ] || { rm -f "$d"; exit 0; }
fi
attrs "$d"
md5sum <"$d" | sed 's/ .*//; s/^/GFMD5 /'
stat_tags "$d"
