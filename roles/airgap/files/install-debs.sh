#!/bin/sh
# install-debs.sh WHAT DIR PRESENT - installs the .debs of the bundle
# folder DIR with dpkg, offline, unless the command PRESENT (a program name)
# is found already. With DIR "--repo" the packages named after PRESENT come
# from apt instead, with the sources line in $GF_REPO added as
# /etc/apt/sources.list.d/gpuforge-WHAT.list (a mirror on the network).
# Records for reset, in the state directory, which packages were installed (WHAT.pkgs; WHAT.pkgs.before while dpkg runs, so
# that an interrupted install can be undone too) and, for docker, which of
# /etc/docker, /etc/cni and /etc/containerd did not exist before.
# Prints GF_CHANGED when it installed something.
set -u
S=${GF_STATE:-/var/lib/gpuforge/state}
what=$1 dir=$2 present=$3
shift 3
installed() { dpkg-query -W -f='${db:Status-Abbrev} ${Package}\n' | awk '$1 == "ii" { print $2 }' | sort; }

command -v "$present" >/dev/null 2>&1 && exit 0
[ "$dir" = --repo ] || ls "$dir"/*.deb >/dev/null 2>&1 ||
    { echo "$present is missing and the bundle has no $what .debs ($dir)" >&2; exit 1; }
mkdir -p "$S" && chmod 0700 "$S"
if [ ! -e "$S/$what.pkgs.before" ]; then
    if [ "$what" = docker ]; then
        for p in /etc/docker /etc/cni /etc/containerd; do [ -e "$p" ] || echo "$p"; done >"$S/docker.paths-absent"
        getent group docker >/dev/null || touch "$S/docker.group-created"
    fi
    installed >"$S/$what.pkgs.before"
fi
if [ "$dir" = --repo ]; then
    printf '%s\n' "$GF_REPO" >"/etc/apt/sources.list.d/gpuforge-$what.list" &&
        apt-get update -q >"$S/$what.dpkg.log" 2>&1 &&
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >>"$S/$what.dpkg.log" 2>&1
else
    DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold "$dir"/*.deb >"$S/$what.dpkg.log" 2>&1
fi || { tail -5 "$S/$what.dpkg.log" >&2; exit 1; }
installed | comm -13 "$S/$what.pkgs.before" - >>"$S/$what.pkgs" && rm -f "$S/$what.pkgs.before"
echo GF_CHANGED
