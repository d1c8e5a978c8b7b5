#!/bin/sh
# install-debs.sh WHAT DIR PRESENT - installs the .debs of the bundle
# folder DIR with dpkg, offline, unless the command PRESENT (a program name)
# is found already. With DIR "--repo" the packages named after PRESENT come
# from apt instead, with the sources line in $GF_REPO added as
# /etc/apt/sources.list.d/gpuforge-WHAT.list (a mirror on the network).
# Records for reset, in the state directory, which packages were installed (WHAT.pkgs; WHAT.pkgs.before while dpkg runs, so
# that an interrupted install can be undone too) and, for docker, which of
# /etc/docker, /etc/cni and /etc/containerd did not exist before; the users
# and groups the packages' scripts made (WHAT.users, WHAT.groups: Debian
# leaves them after a purge); for nfs, which of the targets and the
# rpc_pipefs mount the NFS client brings up were not up before.
# Prints GF_CHANGED when it installed something.
set -u
S=${GF_STATE:-/var/lib/gpuforge/state}
what=$1 dir=$2 present=$3
shift 3
installed() { dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" { print $2 }' | sort; }
# names DB: the names in the passwd or group database
names() { getent "$1" | cut -d: -f1 | sort; }

command -v "$present" >/dev/null 2>&1 && exit 0
[ "$dir" = --repo ] || ls "$dir"/*.deb >/dev/null 2>&1 ||
    { echo "$present is missing and the bundle has no $what .debs ($dir)" >&2; exit 1; }
mkdir -p "$S" && chmod 0700 "$S"
if [ ! -e "$S/$what.pkgs.before" ]; then
    if [ "$what" = docker ]; then
        for p in /etc/docker /etc/cni /etc/containerd; do [ -e "$p" ] || echo "$p"; done >"$S/docker.paths-absent"
        getent group docker >/dev/null || touch "$S/docker.group-created"
    fi
    if [ "$what" = nfs ]; then
        for u in rpcbind.target remote-fs-pre.target nss-lookup.target; do
            systemctl is-active -q "$u" 2>/dev/null || echo "$u"
        done >"$S/nfs.units-inactive"
        findmnt -n /run/rpc_pipefs >/dev/null 2>&1 || touch "$S/nfs.rpc-pipefs-absent"
    fi
    names passwd >"$S/$what.users.before"
    names group >"$S/$what.groups.before"
    installed >"$S/$what.pkgs.before"
fi
if [ "$dir" = --repo ]; then
    printf '%s\n' "$GF_REPO" >"/etc/apt/sources.list.d/gpuforge-$what.list" &&
        apt-get update -q >"$S/$what.dpkg.log" 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >>"$S/$what.dpkg.log" 2>&1
else
    DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$dir"/*.deb >"$S/$what.dpkg.log" 2>&1
fi || { tail -5 "$S/$what.dpkg.log" >&2; exit 1; }
for db in users:passwd groups:group; do
    [ -e "$S/$what.${db%:*}.before" ] || continue
    names "${db#*:}" | comm -13 "$S/$what.${db%:*}.before" - >>"$S/$what.${db%:*}" &&
        rm -f "$S/$what.${db%:*}.before"
done
installed | comm -13 "$S/$what.pkgs.before" - >>"$S/$what.pkgs" && rm -f "$S/$what.pkgs.before"
echo GF_CHANGED
