# shellcheck shell=sh
# home.sh - the home directories of users on the node, as the shell's tilde
# expansion (and Python's os.path.expanduser) finds them: "~" is the login
# user's, "~NAME" NAME's from the user database; a user the node does not
# know is printed back unexpanded.
#
# In: gf_users, the words to expand ("~" or "~NAME"), one per line; a NAME
# is a POSIX user name (letters, digits, . _ -, not starting with -).
# Out: one line "GF WORD=HOME" for each.
# shellcheck disable=SC2154 # gf_* are assigned before the script

printf '%s\n' "$gf_users" | while IFS= read -r w; do
    case $w in
    '~') h=~ ;;
    '~'[-]* | '~'*[!_.A-Za-z0-9-]*) h=$w ;;
    '~'?*) eval "h=$w" ;;
    *) continue ;;
    esac
    printf 'GF %s=%s\n' "$w" "$h"
done
