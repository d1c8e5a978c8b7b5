#!/bin/sh
# t0520-artifacts-fetch: artifacts/fetch gathers the gpuforge-stack bundle on
# this (connected) machine: the docker.io closure for a minimal target through
# `gpuforge bundle fetch-debs`, k3s from local files, a generated spec and a
# signed bundle; k3s from its GitHub release fails with the URL named (there is
# no internet here), and --skip-missing leaves it out instead; NVIDIA
# Container Toolkit versions with known CVEs are refused, the CVEs named. No
# testbed nodes. Needs this machine's apt lists (the CI runs apt-get update first).
. "$(dirname "$0")/test-lib.sh"
ROOT=$TEST_DIR/../..
GF=${GF_BIN:-$ROOT/gpuforge}
FETCH=$ROOT/artifacts/fetch
. "$ROOT/artifacts/versions"
. "$TEST_DIR/lib/fakegpu.sh"
# downloads over https go to a closed local port: no internet, even where there is some
NO_NET=http://127.0.0.1:9
RELEASE_URL=https://github.com/k3s-io/k3s/releases/download/$(echo "$K3S_VERSION" | sed 's/+/%2B/g')/

# minimal_status STATUS: a target's dpkg status: the Essential and required
# packages of STATUS and everything they depend on (Depends, Pre-Depends, any
# alternative, providers of virtual packages), so that apt sees no broken package
minimal_status() {
    awk 'BEGIN { RS = ""; FS = "\n" }
    {
        para[NR] = $0; name = ""; seed = 0; d = ""
        for (i = 1; i <= NF; i++) {
            if ($i ~ /^Package: /) name = substr($i, 10)
            else if ($i ~ /^(Essential: yes|Priority: required)$/) seed = 1
            else if ($i ~ /^(Pre-)?Depends: /) { sub(/^[^:]*: /, "", $i); d = d "," $i }
            else if ($i ~ /^Provides: /) {
                n = split(substr($i, 11), pv, /,/)
                for (j = 1; j <= n; j++) {
                    x = pv[j]; sub(/^ +/, "", x); sub(/[ :(].*/, "", x); prov[x] = prov[x] " " name
                }
            }
        }
        pname[NR] = name; deps[name] = d
        if (seed) { keep[name] = 1; q[++qn] = name }
    }
    END {
        for (k = 1; k <= qn; k++) {
            n = split(deps[q[k]], alt, /[,|]/)
            for (j = 1; j <= n; j++) {
                x = alt[j]; sub(/^ +/, "", x); sub(/[ :(].*/, "", x)
                m = split(x " " prov[x], c, / +/)
                for (l = 1; l <= m; l++)
                    if (c[l] != "" && (c[l] in deps) && !(c[l] in keep)) { keep[c[l]] = 1; q[++qn] = c[l] }
            }
        }
        for (r = 1; r <= NR; r++) if (pname[r] in keep) print para[r] "\n"
    }' "$1"
}

test_begin "artifacts/fetch: the stack bundle's artifacts"

expect_success 'inputs: a minimal target status, k3s stand-in files, a key' '
    minimal_status /var/lib/dpkg/status >status &&
    grep -qx "Package: libc6" status && ! grep -qx "Package: docker.io" status &&
    printf "#!/bin/sh\necho k3s stand-in\n" >k3s && chmod 755 k3s &&
    mkdir img && echo layer >img/layer && tar -cf images.tar -C img . &&
    printf "#!/bin/sh\necho install\n" >install.sh &&
    "$GF" bundle keygen -o key >/dev/null
'

expect_success 'docker, nfs and k3s: spec and signed bundle with k3s/k3s 0755 and the docker.io and nfs-common closures' '
    "$FETCH" --out out --with docker,k3s,nfs --status status --k3s-binary k3s --k3s-images images.tar \
        --install-sh install.sh --key key --gpuforge "$GF" >log 2>&1; rc=$?
    cat log
    test $rc = 0 &&
    grep -qx "name: gpuforge-stack" out/stack.yml &&
    grep -qx "  - name: k3s" out/stack.yml && grep -qx "  - name: docker" out/stack.yml &&
    grep -qx "bundle: $PWD/out/gpuforge-stack.gfb" log &&
    "$GF" bundle inspect out/gpuforge-stack.gfb --pubkey key.pub >inspect &&
    grep -Eq "^ +-rwxr-xr-x +[0-9]+ +k3s/k3s$" inspect &&
    grep -Eq "^ +-rwxr-xr-x +[0-9]+ +k3s/install\.sh$" inspect &&
    grep -Eq "^ +-rw-r--r-- +[0-9]+ +k3s/images/k3s-airgap-images-amd64\.tar$" inspect &&
    grep -Eq " debs/docker/docker\.io_[^ /]+_amd64\.deb$" inspect &&
    grep -Eq " debs/nfs/nfs-common_[^ /]+_amd64\.deb$" inspect &&
    ! grep -q " debs/docker/libc6_" inspect
'

expect_code 1 'k3s from its release without internet: exit 1, the release URL named, no spec' '
    https_proxy=$NO_NET HTTPS_PROXY=$NO_NET "$FETCH" --out out --with k3s --gpuforge "$GF" >log 2>&1; rc=$?
    cat log
    grep -F "$RELEASE_URL" log | grep -q "cannot download" &&
    ! test -e out/stack.yml &&
    exit $rc
'

expect_success '--skip-missing: k3s listed as missing and left out, docker kept as it was' '
    https_proxy=$NO_NET HTTPS_PROXY=$NO_NET "$FETCH" --out out --with docker,k3s --status status \
        --skip-missing --key key --gpuforge "$GF" >log 2>&1; rc=$?
    cat log
    test $rc = 0 &&
    grep -q "^fetch: missing k3s (left out of the bundle): .*$RELEASE_URL" log &&
    grep -q "^docker: kept debs/docker: " log &&
    grep -qx "  - name: docker" out/stack.yml && ! grep -q "name: k3s" out/stack.yml &&
    "$GF" bundle inspect out/gpuforge-stack.gfb --pubkey key.pub >inspect &&
    ! grep -q " k3s/" inspect
'

expect_code 1 'a toolkit pin with known CVEs is refused before anything is fetched, the CVEs named' '
    mkdir -p gate && cp "$FETCH" "$ROOT/artifacts/stack.yml" gate/ &&
    sed "s/^NVIDIA_CTK_VERSION=.*/NVIDIA_CTK_VERSION=1.17.7/" "$ROOT/artifacts/versions" >gate/versions &&
    gate/fetch --out gate/out --with nvidia-toolkit --gpuforge "$GF" >gate.out 2>gate.err; rc=$?
    cat gate.err
    grep -q "refused: NVIDIA_CTK_VERSION (artifacts/versions) 1.17.7 is vulnerable to CVE-2025-23266(critical) CVE-2025-23267" gate.err &&
    ! grep -q CVE-2024-0134 gate.err && test ! -e gate/out/stack.yml && test ! -e gate/out/debs && exit $rc
'

expect_code 1 '--nvidia-toolkit-debs: a package older than 1.17.4 is refused, every open CVE named' '
    toolkit_deb old-ctk 1.17.3 &&
    "$FETCH" --out ctkout --with nvidia-toolkit --nvidia-toolkit-debs old-ctk --gpuforge "$GF" >ctk.out 2>ctk.err; rc=$?
    cat ctk.err
    grep -q "refused: nvidia-container-toolkit in old-ctk/nvidia-container-toolkit_1.17.3-1_all.deb 1.17.3-1 is vulnerable to CVE-2025-23359 CVE-2025-23266(critical) CVE-2025-23267" ctk.err &&
    test ! -e ctkout/stack.yml && exit $rc
'

expect_success '--nvidia-toolkit-debs at the pinned version: the component filled from those .debs' '
    toolkit_deb new-ctk "$NVIDIA_CTK_VERSION" &&
    "$FETCH" --out ctkout --with nvidia-toolkit --nvidia-toolkit-debs new-ctk --gpuforge "$GF" >ctk2.out 2>&1; rc=$?
    cat ctk2.out
    test $rc = 0 && ls ctkout/debs/nvidia-toolkit/nvidia-container-toolkit_"$NVIDIA_CTK_VERSION"-1_all.deb &&
    grep -q "name: nvidia-toolkit" ctkout/stack.yml
'

expect_code 4 'a bad option is a usage error (exit 4)' '
    "$FETCH" --out out --frobnicate 2>err; rc=$?
    cat err
    grep -q "unknown option .--frobnicate." err && exit $rc
'

expect_success '--help documents the exit codes' '
    "$FETCH" --help >help && grep -q "^exit: 0 done" help && grep -q "4 bad usage" help
'

test_done
