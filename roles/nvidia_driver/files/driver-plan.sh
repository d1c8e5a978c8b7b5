#!/bin/sh
# driver-plan.sh DIR MODULES - run on a GPU node before the driver is installed
# from the bundle folder DIR: prints "GF_FLAVOUR open|proprietary" and
# "GF_PACKAGES name..." (the packages of DIR's .debs), or fails saying why when
# the kernel modules the bundle carries are not the MODULES asked for (open or
# proprietary), when it carries both or none that can be told apart, or when
# DIR holds no .deb.
dir=$1 want=$2
ls "$dir"/*.deb >/dev/null 2>&1 || {
    echo "the bundle has no NVIDIA driver .debs ($dir): artifacts/fetch --with ...,nvidia-driver" >&2
    exit 1
}
pkgs=$(for f in "$dir"/*.deb; do dpkg-deb -f "$f" Package || exit 1; done | sort -u | tr '\n' ' ') || exit 1
pkgs=${pkgs% }
# words: the packages of $pkgs matching the extended regular expression $1, on one line
words() { printf '%s\n' "$pkgs" | tr " " "\n" | grep -E "$1" | tr '\n' ' ' | sed 's/ $//'; }
open=$(words '^(nvidia-open-kernel-.*|nvidia-kernel-open-.*|nvidia-dkms-[0-9]+(-server)?-open|nvidia-driver-[0-9]+(-server)?-open|linux-modules-nvidia-[0-9]+(-server)?-open-.*)$')
prop=$(words '^(nvidia-kernel-dkms|nvidia-kernel-[0-9].*|nvidia-dkms-[0-9]+(-server)?|nvidia-driver-[0-9]+(-server)?|linux-modules-nvidia-[0-9]+(-server)?-(generic|lowlatency|aws|azure|gcp|oracle|nvidia).*)$')
if [ -n "$open" ] && [ -n "$prop" ]; then
    echo "the bundle's NVIDIA driver carries both open ($open) and proprietary ($prop) kernel modules: fetch it again with one flavour (NVIDIA_DRIVER_* in artifacts/versions)" >&2
    exit 1
elif [ -n "$open" ]; then
    have=open
elif [ -n "$prop" ]; then
    have=proprietary
else
    echo "the bundle's NVIDIA driver has no kernel module package gpuforge can tell open from proprietary (nvidia-open-kernel-dkms, nvidia-kernel-dkms, nvidia-driver-BRANCH[-open], ...): $pkgs" >&2
    exit 1
fi
if [ "$have" != "$want" ]; then
    if [ "$want" = open ]; then
        echo "nvidia_driver_kernel_modules=open (NVIDIA's default from R560) but the bundle carries the proprietary kernel modules ($prop): fetch the open ones (nvidia-open-kernel-dkms or nvidia-driver-BRANCH-open in NVIDIA_DRIVER_* of artifacts/versions), or set nvidia_driver_kernel_modules=proprietary (GPUs older than Turing need it)" >&2
    else
        echo "nvidia_driver_kernel_modules=proprietary but the bundle carries the open kernel modules ($open): fetch the proprietary ones (nvidia-kernel-dkms or nvidia-driver-BRANCH in NVIDIA_DRIVER_* of artifacts/versions), or set nvidia_driver_kernel_modules=open" >&2
    fi
    exit 1
fi
echo "GF_FLAVOUR $have"
echo "GF_PACKAGES $pkgs"
