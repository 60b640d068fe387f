#!/usr/bin/env bash
# Build the local engine's binaries from their Go modules, into a cache outside the repo.
#
#   build.sh [COMPONENT ...]    components: kubernetes etcd containerd coredns
#                               runc cri-tools local-path-provisioner helm kwok pause e2e
#                               kubeadm kind
#                               (default: all but kwok, which only the benchmark uses, e2e,
#                               which only the conformance tests use, and kubeadm and kind,
#                               which only kind's node image and its CI stage use)
#
# Each component lands in $KDS_CACHE/bin/<component>-<version>/ and is skipped when that
# folder already holds a finished build (a .done stamp). Nothing is downloaded from release
# pages: sources come from the Go module proxy, the pause binary from the C file shipped in
# the k8s.io/kubernetes module.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=versions.env
. "$here/versions.env"
cache=${KDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kds}
export GOFLAGS="${GOFLAGS:-} -trimpath"
export GOTOOLCHAIN=local

log() { printf '[kds build] %s\n' "$*" >&2; }

command -v go >/dev/null || { log "Go is not installed. Install Go 1.26+ (https://go.dev/dl) and run again."; exit 1; }

# stage NAME VERSION: prints the output folder; returns 1 when it is already built.
out_dir() { printf '%s/bin/%s-%s' "$cache" "$1" "$2"; }

# run_build NAME VERSION FUNCTION: build into a temporary folder, then move it into place,
# so an interrupted build never leaves a folder that looks finished.
run_build() {
  local name=$1 version=$2 fn=$3 dest tmp start
  dest=$(out_dir "$name" "$version")
  if [ -f "$dest/.done" ]; then log "$name $version: cached"; return 0; fi
  tmp="$dest.partial"
  rm -rf "$tmp" && mkdir -p "$tmp"
  start=$(date +%s)
  log "$name $version: building (this can take several minutes)"
  "$fn" "$version" "$tmp"
  echo "$(( $(date +%s) - start ))" > "$tmp/.seconds"
  touch "$tmp/.done"
  rm -rf "$dest" && mv "$tmp" "$dest"
  log "$name $version: built in $(cat "$dest/.seconds") s"
}

# A wrapper module for k8s.io/kubernetes: upstream's go.mod replaces every k8s.io staging
# module with ./staging/..., which `go install` refuses. The replace list is read from the
# module's own go.mod, pointing each staging module at its published v0.X.Y release.
# Prints the wrapper module's folder.
kubernetes_module() {
  local version=$1 src gomod staging
  src="$cache/src/kubernetes-$version"
  mkdir -p "$src"
  gomod=$(go mod download -json "k8s.io/kubernetes@$version" | sed -n 's/.*"GoMod": "\(.*\)",/\1/p')
  staging="v0.${version#v1.}"
  {
    echo "module kds.local/engine/kubernetes"
    echo
    sed -n 's/^go \(.*\)/go \1/p' "$gomod"
    sed -n 's/^godebug \(.*\)/godebug \1/p' "$gomod"
    echo
    echo "require k8s.io/kubernetes $version"
    echo
    echo "replace ("
    sed -n "s#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/src/.*#\t\1 => \1 $staging#p" "$gomod"
    echo ")"
  } > "$src/go.mod"
  printf 'package main\n\nfunc main() {}\n' > "$src/main.go"
  printf '%s' "$src"
}

# Without these, Kubernetes programs report v0.0.0-master.
version_ldflags() {
  local version=$1 ver="${1#v}" date ldflags="-s -w"
  date=$(date -u +%Y-%m-%dT%H:%M:%SZ)
  for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
    ldflags+=" -X $pkg.gitVersion=$version -X $pkg.gitMajor=${ver%%.*}"
    ldflags+=" -X $pkg.gitMinor=$(echo "$ver" | cut -d. -f2) -X $pkg.gitTreeState=clean"
    ldflags+=" -X $pkg.buildDate=$date"
  done
  printf '%s' "$ldflags"
}

build_kubernetes() {
  local version=$1 out=$2 src ldflags
  src=$(kubernetes_module "$version")
  ldflags=$(version_ldflags "$version")
  (
    cd "$src"
    go mod download k8s.io/kubernetes
    for cmd in kube-apiserver kube-controller-manager kube-scheduler kube-proxy; do
      CGO_ENABLED=0 go build -mod=mod -ldflags "$ldflags" -o "$out/$cmd" "k8s.io/kubernetes/cmd/$cmd"
    done
    CGO_ENABLED=1 go build -mod=mod -ldflags "$ldflags" -o "$out/kubelet" k8s.io/kubernetes/cmd/kubelet
  )
}

# What kind's node image needs beside the engine's programs (kdsutils/cluster/kind/node/build.sh):
# kubeadm, which sets the node up, and kubectl, from the same module and version.
build_kubeadm() {
  local version=$1 out=$2 src ldflags
  src=$(kubernetes_module "$version")
  ldflags=$(version_ldflags "$version")
  (
    cd "$src"
    for cmd in kubeadm kubectl; do
      CGO_ENABLED=0 go build -mod=mod -ldflags "$ldflags" -o "$out/$cmd" "k8s.io/kubernetes/cmd/$cmd"
    done
  )
}
build_kind() {
  go_install "$2" "" 0 "" "sigs.k8s.io/kind@$1"
}

# Kubernetes' end-to-end tests (tests/conformance.py runs them): the e2e.test program, ginkgo's
# parallel runner at the version the module requires, and agnhost, the test server in most of
# the tests' Pods. All from the same module as the engine.
build_e2e() {
  local version=$1 out=$2 src ldflags
  src=$(kubernetes_module "$version")
  ldflags=$(version_ldflags "$version")
  (
    cd "$src"
    CGO_ENABLED=0 go test -c -mod=mod -ldflags "$ldflags" -o "$out/e2e.test" k8s.io/kubernetes/test/e2e
    CGO_ENABLED=0 go build -mod=mod -ldflags "-s -w" -o "$out/ginkgo" github.com/onsi/ginkgo/v2/ginkgo
    CGO_ENABLED=0 go build -mod=mod -ldflags "-s -w" -o "$out/agnhost" k8s.io/kubernetes/test/images/agnhost
  )
}

# The pause container's program is a small C file inside the kubernetes module.
build_pause() {
  local version=$1 out=$2 dir
  dir=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')
  command -v gcc >/dev/null || { log "gcc is missing: apt-get install gcc libc6-dev"; exit 1; }
  gcc -Os -Wall -Werror -static -DVERSION="v$version" -o "$out/pause" "$dir/build/pause/linux/pause.c"
  strip "$out/pause"
}

# etcd's server module has relative replaces too; a wrapper module that only requires it
# resolves its dependencies from their published versions.
build_etcd() {
  local version=$1 out=$2 src
  src="$cache/src/etcd-$version"
  mkdir -p "$src"
  printf 'module kds.local/engine/etcd\n\ngo 1.24\n\nrequire go.etcd.io/etcd/server/v3 %s\n' "$version" > "$src/go.mod"
  printf 'package main\n\nfunc main() {}\n' > "$src/main.go"
  (
    cd "$src"
    CGO_ENABLED=0 go build -mod=mod -ldflags "-s -w" -o "$out/etcd" go.etcd.io/etcd/server/v3
  )
}

# Modules without replace directives install directly.
go_install() {
  local out=$1 ldflags=$2 cgo=$3 tags=$4; shift 4
  GOBIN="$out" CGO_ENABLED=$cgo go install -tags "$tags" -ldflags "-s -w $ldflags" "$@"
}

build_containerd() {
  local v=$1 out=$2 m=github.com/containerd/containerd/v2
  go_install "$out" "-X $m/version.Version=$v" 0 "no_btrfs,no_devmapper,no_zfs" \
    "$m/cmd/containerd@$v" "$m/cmd/containerd-shim-runc-v2@$v" "$m/cmd/ctr@$v"
}
build_coredns() {
  go_install "$2" "" 0 "" "github.com/coredns/coredns@$1"
}
build_local_path_provisioner() {
  go_install "$2" "-X main.VERSION=$1" 0 "" "github.com/rancher/local-path-provisioner@$1"
}
build_helm() {
  go_install "$2" "-X helm.sh/helm/v4/internal/version.version=$1" 0 "" "helm.sh/helm/v4/cmd/helm@$1"
}
# runc needs cgo and libseccomp (Debian's libseccomp-dev); Debian's own runc 1.1 cannot start
# containers for containerd 2.x on current kernels.
build_runc() {
  go_install "$2" "-X main.version=${1#v}" 1 "seccomp" "github.com/opencontainers/runc@$1"
}
build_cri_tools() {
  go_install "$2" "-X sigs.k8s.io/cri-tools/pkg/version.Version=$1" 0 "" "sigs.k8s.io/cri-tools/cmd/crictl@$1"
}
build_kwok() {
  go_install "$2" "-X sigs.k8s.io/kwok/pkg/consts.Version=$1" 0 "" \
    "sigs.k8s.io/kwok/cmd/kwok@$1" "sigs.k8s.io/kwok/cmd/kwokctl@$1"
}

components=("$@")
[ ${#components[@]} -gt 0 ] || components=(pause etcd containerd runc cri-tools coredns local-path-provisioner helm kubernetes)
for c in "${components[@]}"; do
  case $c in
    kubernetes) run_build kubernetes "$KUBERNETES_VERSION" build_kubernetes ;;
    etcd) run_build etcd "$ETCD_VERSION" build_etcd ;;
    containerd) run_build containerd "$CONTAINERD_VERSION" build_containerd ;;
    coredns) run_build coredns "$COREDNS_VERSION" build_coredns ;;
    pause) run_build pause "$PAUSE_VERSION" build_pause ;;
    local-path-provisioner) run_build local-path-provisioner "$LOCAL_PATH_PROVISIONER_VERSION" build_local_path_provisioner ;;
    helm) run_build helm "$HELM_VERSION" build_helm ;;
    runc) run_build runc "$RUNC_VERSION" build_runc ;;
    cri-tools) run_build cri-tools "$CRI_TOOLS_VERSION" build_cri_tools ;;
    kwok) run_build kwok "$KWOK_VERSION" build_kwok ;;
    e2e) run_build e2e "$KUBERNETES_VERSION" build_e2e ;;
    kubeadm) run_build kubeadm "$KUBERNETES_VERSION" build_kubeadm ;;
    kind) run_build kind "$KIND_VERSION" build_kind ;;
    *) log "unknown component '$c'"; exit 2 ;;
  esac
done
