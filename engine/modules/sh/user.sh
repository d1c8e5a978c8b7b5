# shellcheck shell=sh disable=SC2154
# user.sh - the user module: a local account present or absent, through
# getent, useradd, usermod and userdel. Sent after lib.sh; user_extra.sh
# follows (the SSH key, the password ages).
# In: gf_name, gf_state, gf_uid, gf_group, gf_groups (comma-separated),
#     gf_has_groups, gf_append, gf_shell, gf_home, gf_create_home,
#     gf_system, gf_has_comment, gf_comment, gf_remove, gf_force,
#     gf_update_pw, gf_has_pw (the crypt hash is then the first line of
#     stdin: it is in no command line), gf_check.
# Out: "GF <changed> <what>" and, when the account exists afterwards,
# "GFUSER uid:gid:gecos:home:shell" and "GFGROUPS g1,g2," (supplementary
# groups); "GFERR text" on failure. (The inputs are assigned before the
# script: SC2154.)

pw=; [ "$gf_has_pw" = 1 ] && IFS= read -r pw
n=$gf_name; ent=$(getent passwd "$n"); ch=0
# run CMD... - an action: the account changes; its output on one line is
# the failure when it fails
run() {
  ch=1
  try "$@" || { echo "GFERR ${gf_out:-$1 failed}" | tr '\n' ' '; echo; exit 1; }
}
setpw() { ch=1; [ "$gf_check" = 1 ] && return 0
  printf '%s:%s\n' "$n" "$pw" | chpasswd -e || { echo 'GFERR chpasswd failed'; exit 1; }; }
# norm LIST - a comma-separated list sorted, without duplicates (the
# blanks of "a, b" split it too)
# shellcheck disable=SC2046
norm() { printf '%s\n' $(echo "$1" | tr ',' ' ') | sort -u | tr '\n' ,; }
supp() { pg=$(id -gn "$n"); for g in $(id -Gn "$n"); do [ "$g" = "$pg" ] || echo "$g"; done | tr '\n' ,; }
if [ "$gf_state" = absent ]; then
  [ -z "$ent" ] && { echo 'GF 0 absent'; exit 0; }
  set --; [ "$gf_force" = 1 ] && set -- -f; [ "$gf_remove" = 1 ] && set -- "$@" -r
  run userdel "$@" "$n"; echo 'GF 1 removed'; exit 0
fi
gid=
if [ -n "$gf_group" ]; then ge=$(getent group "$gf_group") ||
  { echo "GFERR Group $gf_group does not exist"; exit 1; }; gid=${ge#*:*:}; gid=${gid%%:*}; fi
for g in $(echo "$gf_groups" | tr ',' ' '); do getent group "$g" >/dev/null ||
  { echo "GFERR Group $g does not exist"; exit 1; }; done
if [ -z "$ent" ]; then set --
  [ -n "$gf_uid" ] && set -- "$@" -u "$gf_uid"
  [ -n "$gf_group" ] && set -- "$@" -g "$gf_group"
  [ -n "$gf_groups" ] && set -- "$@" -G "$gf_groups"
  [ -n "$gf_shell" ] && set -- "$@" -s "$gf_shell"
  [ -n "$gf_home" ] && set -- "$@" -d "$gf_home"
  [ "$gf_has_comment" = 1 ] && set -- "$@" -c "$gf_comment"
  [ "$gf_system" = 1 ] && set -- "$@" -r
  if [ "$gf_create_home" = 1 ]; then set -- "$@" -m; else set -- "$@" -M; fi
  run useradd "$@" "$n"; what=created
  [ "$gf_has_pw" = 1 ] && setpw
else
  rest=${ent#*:*:}; cuid=${rest%%:*}; rest=${rest#*:}; cgid=${rest%%:*}; rest=${rest#*:}
  cgecos=${rest%%:*}; rest=${rest#*:}; chome=${rest%%:*}; cshell=${rest#*:}
  set --
  [ -n "$gf_uid" ] && [ "$gf_uid" != "$cuid" ] && set -- "$@" -u "$gf_uid"
  [ -n "$gid" ] && [ "$gid" != "$cgid" ] && set -- "$@" -g "$gid"
  [ -n "$gf_shell" ] && [ "$gf_shell" != "$cshell" ] && set -- "$@" -s "$gf_shell"
  [ -n "$gf_home" ] && [ "$gf_home" != "$chome" ] && set -- "$@" -d "$gf_home"
  [ "$gf_has_comment" = 1 ] && [ "$gf_comment" != "$cgecos" ] && set -- "$@" -c "$gf_comment"
  if [ "$gf_has_groups" = 1 ]; then cur=$(supp)
    if [ "$gf_append" = 1 ]; then miss=
      for g in $(echo "$gf_groups" | tr ',' ' '); do case ",$cur" in *",$g,"*) ;; *) miss="$miss,$g";; esac; done
      [ -n "$miss" ] && set -- "$@" -a -G "${miss#,}"
    elif [ "$(norm "$cur")" != "$(norm "$gf_groups")" ]; then set -- "$@" -G "$gf_groups"; fi
  fi
  [ $# -gt 0 ] && run usermod "$@" "$n"
  if [ "$gf_has_pw" = 1 ] && [ "$gf_update_pw" = always ]; then
    sh=$(getent shadow "$n") || { echo 'GFERR cannot read the shadow entry (become needed)'; exit 1; }
    sh=${sh#*:}; [ "${sh%%:*}" = "$pw" ] || setpw; fi
  what=modified
fi
echo "GF $ch $what"
if ent=$(getent passwd "$n"); then echo "GFUSER ${ent#*:*:}"; echo "GFGROUPS $(supp)"; fi
