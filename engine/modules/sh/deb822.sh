# shellcheck shell=sh disable=SC2154,SC2034
# deb822.sh - the node side of deb822_repository, sent after lib.sh and
# attrs.sh.
#
# Input: gf_phase, gf_sources (the .sources file), gf_key (the keyring file
# or empty), gf_check, and for write gf_text (the file's text), gf_mode,
# gf_keysum (sha256 of the key on stdin, empty: no key to write).
# gf_phase=probe: "GFTOOL curl|wget|none", "GFSIGNEDFILE 0|1" (gf_signed_by
# is a file on the node).
# gf_phase=absent: removes the .sources file and both keyrings.
# gf_phase=write: writes the key (stdin) and the .sources file when they
# differ, then the mode; "GFCHANGED 0|1".

if [ "$gf_phase" = probe ]; then
    if command -v curl >/dev/null 2>&1; then echo "GFTOOL curl"
    elif command -v wget >/dev/null 2>&1; then echo "GFTOOL wget"
    else echo "GFTOOL none"; fi
    if [ -n "$gf_signed_by" ] && [ -f "$gf_signed_by" ]; then echo "GFSIGNEDFILE 1"
    else echo "GFSIGNEDFILE 0"; fi
    exit 0
fi
ch=0
if [ "$gf_phase" = absent ]; then
    for f in "$gf_sources" "${gf_key%.*}.asc" "${gf_key%.*}.gpg"; do
        [ -e "$f" ] || continue
        ch=1
        [ "$gf_check" = 1 ] || rm -f "$f" || fail "cannot remove $f"
    done
    echo "GFCHANGED $ch"
    exit 0
fi

sum() { [ -f "$1" ] && sha256sum <"$1" | cut -d' ' -f1; }
# place FILE MODE: stdin to FILE, atomically
place() {
    t=$(mktemp "${1%/*}/.${1##*/}.XXXXXX") || fail "cannot create a file in ${1%/*}"
    if ! cat >"$t" || ! chmod "$2" "$t" || ! mv -f "$t" "$1"; then
        rm -f "$t"
        fail "cannot write $1"
    fi
}
if [ -n "$gf_keysum" ] && [ "$(sum "$gf_key")" != "$gf_keysum" ]; then
    ch=1
    kd=${gf_key%/*}
    if [ ! -d "$kd" ]; then
        [ "$gf_check" = 1 ] || mkdir -p "$kd" || fail "cannot create $kd"
    fi
    if [ -d "$kd" ]; then
        a=$(gf_mode=0755 gf_owner=root gf_group=root; attrs "$kd")
        [ "$gf_check" = 1 ] || place "$gf_key" 0644
    fi
elif [ -n "$gf_keysum" ]; then
    cat >/dev/null
fi
if [ -n "$gf_keysum" ] && [ -f "$gf_key" ]; then
    a=$(gf_mode=0644 gf_owner='' gf_group=''; attrs "$gf_key")
    [ "$a" = "GFATTR 1" ] && ch=1
fi
want=$(printf '%s' "$gf_text" | sha256sum | cut -d' ' -f1)
if [ "$(sum "$gf_sources")" != "$want" ]; then
    ch=1
    [ "$gf_check" = 1 ] || printf '%s' "$gf_text" | place "$gf_sources" 0644
fi
if [ -e "$gf_sources" ]; then
    a=$(gf_owner='' gf_group=''; attrs "$gf_sources")
    [ "$a" = "GFATTR 1" ] && ch=1
fi
echo "GFCHANGED $ch"
