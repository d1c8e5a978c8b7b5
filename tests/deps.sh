#!/bin/sh
# deps.sh - installs the Debian/Ubuntu packages gpuforge needs to build, to
# run its tests (testbed nodes, Ansible as the oracle) and its benchmarks.
set -eu
export DEBIAN_FRONTEND=noninteractive
SUDO=
[ "$(id -u)" = 0 ] || SUDO=sudo
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends \
    build-essential pkg-config \
    libssh-dev libyaml-dev libarchive-dev libssl-dev libpcre2-dev \
    systemd-container debootstrap openssh-client openssh-server iproute2 \
    ca-certificates procps util-linux netcat-openbsd python3 nftables iptables ansible-core ansible \
    ansible-lint ansible-mitogen pssh pdsh clustershell shellcheck clang libclang-rt-dev \
    qemu-system-x86 qemu-utils cloud-image-utils jq man-db chromium fonts-dejavu-core awscli
