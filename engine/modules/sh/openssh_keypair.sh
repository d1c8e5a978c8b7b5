# shellcheck shell=sh disable=SC2154
# openssh_keypair.sh - the node side of openssh_keypair (community.crypto,
# the ssh-keygen backend), sent after lib.sh and attrs.sh.
#
# Input: gf_path, gf_type, gf_size, gf_comment (gf_has_comment=1 when
# given), gf_regenerate, gf_state, gf_check, gf_mode, gf_owner, gf_group.
# Prints "GFCHANGED 0|1", then the key as it is (or would be):
# "GFPRIV size fingerprint type" and "GFPUB type data" / "GFPUBCOMMENT c".

command -v ssh-keygen >/dev/null 2>&1 ||
    fail "Cannot find either the OpenSSH binary in the PATH or cryptography >= 2.6 installed on this system"
priv=$gf_path pub=$gf_path.pub ch=0
base=$(dirname "$priv")
[ -d "$base" ] || fail "The directory $base does not exist or the file is not a directory"
[ -d "$priv" ] && fail "$priv is a directory. Please specify a path to a file."

# private_info: "size fingerprint type" of the private key, or nothing
private_info() {
    [ -e "$priv" ] || return 0
    # shellcheck disable=SC2046
    set -- $(ssh-keygen -l -f "$priv" 2>/dev/null)
    [ $# -ge 3 ] || return 0
    eval "t=\${$#}"
    t=$(printf '%s' "$t" | tr -d '()' | tr '[:upper:]' '[:lower:]')
    echo "$1 $2 $t"
}
orig=$(private_info)

if [ "$gf_state" = absent ]; then
    if [ -e "$priv" ] || [ -e "$pub" ]; then
        ch=1
        [ "$gf_check" = 1 ] || rm -f "$priv" "$pub" || fail "cannot remove $priv"
    fi
    echo "GFCHANGED $ch"
    [ -z "$orig" ] || echo "GFPRIV $orig"
    [ -f "$pub" ] && [ "$gf_check" = 1 ] && sed -n '1s/^\([^ ]* [^ ]*\).*/GFPUB \1/p' "$pub"
    exit 0
fi

readable() {
    e=$(ssh-keygen -P '' -y -f "$priv" 2>&1 >/dev/null)
    r=$?
    [ $r != 255 ] || return 1
    case $e in *"is not a public key file"*|*"incorrect passphrase"*|*"load failed"*) return 1 ;; esac
    return 0
}
if [ -e "$priv" ]; then
    case $gf_regenerate in never|fail|partial_idempotence)
        if [ -z "$orig" ] || ! readable; then
            fail "Unable to read the key. The key is protected with a passphrase or broken. Will not proceed. To force regeneration, call the module with \`generate\` set to \`full_idempotence\` or \`always\`, or with \`force=true\`."
        fi ;;
    esac
fi
valid=0
if [ -n "$orig" ]; then
    # shellcheck disable=SC2086
    set -- $orig
    [ "$1" = "$gf_size" ] && [ "$3" = "$gf_type" ] && valid=1
fi
gen=0
if [ -z "$orig" ]; then gen=1
else
    case $gf_regenerate in
    never) ;;
    fail) [ $valid = 1 ] || fail "Key has wrong type and/or size. Will not proceed. To force regeneration, call the module with \`generate\` set to \`partial_idempotence\`, \`full_idempotence\` or \`always\`, or with \`force=true\`." ;;
    partial_idempotence|full_idempotence) [ $valid = 1 ] || gen=1 ;;
    *) gen=1 ;;
    esac
fi
if [ $gen = 1 ]; then
    ch=1
    if [ "$gf_check" != 1 ]; then
        w=$(mktemp -d) || fail "cannot create a temporary directory"
        k=$w/${priv##*/}
        o=$(ssh-keygen -q -N '' -b "$gf_size" -t "$gf_type" -f "$k" -C "$gf_comment" 2>&1 </dev/null) ||
            { rm -rf "$w"; fail "$o"; }
        if ! cp "$k.pub" "$pub.gf-new" || ! cp "$k" "$priv.gf-new" || ! chmod 600 "$priv.gf-new" ||
            ! mv -f "$priv.gf-new" "$priv" || ! mv -f "$pub.gf-new" "$pub"; then
            rm -rf "$w" "$priv.gf-new" "$pub.gf-new"
            fail "cannot move the new key to $priv"
        fi
        rm -rf "$w"
    fi
else
    # the public key: the private key's, with the comment asked for
    want=$(ssh-keygen -P '' -y -f "$priv" 2>/dev/null | cut -d' ' -f1,2)
    have=
    hc=
    if [ -f "$pub" ]; then
        have=$(sed -n '1p' "$pub" | sed 's/^ *//' | cut -d' ' -f1,2)
        hc=$(sed -n '1p' "$pub" | sed 's/^ *//;s/ *$//' | cut -s -d' ' -f3-)
    fi
    ok=0
    if [ -f "$pub" ] && [ "$want" = "$have" ]; then
        ok=1
        [ "$gf_has_comment" = 1 ] && [ "$hc" != "$gf_comment" ] && ok=0
    fi
    if [ $ok = 0 ]; then
        ch=1
        if [ "$gf_check" != 1 ]; then
            m=644
            [ -f "$pub" ] && m=$(stat -c %a "$pub")
            t=$(mktemp "$pub.XXXXXX") || fail "The public key is missing or does not match the private key. Unable to regenerate the public key."
            if ! printf '%s\n' "$want" >"$t" || ! chmod "$m" "$t" || ! mv -f "$t" "$pub"; then
                rm -f "$t"
                fail "The public key is missing or does not match the private key. Unable to regenerate the public key."
            fi
            if [ "$gf_has_comment" = 1 ] && [ -n "$gf_comment" ]; then
                [ -w "$priv" ] || chmod u+rw "$priv"
                o=$(ssh-keygen -q -o -c -C "$gf_comment" -f "$priv" 2>&1 </dev/null) || fail "$o"
            fi
        fi
    fi
fi
for f in "$priv" "$pub"; do
    if [ -e "$f" ]; then
        a=$(attrs "$f") || { echo "$a"; exit 1; }
        [ "$a" = "GFATTR 1" ] && ch=1
    elif [ "$gf_check" = 1 ]; then
        ch=1
    fi
done
echo "GFCHANGED $ch"
now=$(private_info)
[ -n "$now" ] && echo "GFPRIV $now"
if [ -f "$pub" ]; then
    sed -n '1s/^ *\([^ ]* [^ ]*\).*/GFPUB \1/p' "$pub"
    echo "GFPUBCOMMENT $(sed -n '1p' "$pub" | sed 's/^ *//;s/ *$//' | cut -s -d' ' -f3-)"
fi
