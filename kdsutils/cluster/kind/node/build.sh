#!/usr/bin/env bash
# Assemble a kind node image for the course's Kubernetes offline and load it into Docker.
#
#   build.sh STORAGE_MANIFEST PAUSE_ARCHIVE COREDNS_ARCHIVE PROVISIONER_ARCHIVE BUSYBOX_ARCHIVE
#
# `make kind-node` runs it through kdsutils.cluster.kind.build_node_image(), which gives it the
# local engine's image archives and its storage add-ons (`node_storage_manifest()`).
# kind publishes its node images (kindest/node) on Docker Hub, which is out of reach here, and
# `kind build node-image` downloads images too. This recipe makes the same kind of image from
# the parts the local engine already builds from their Go modules (kubelet, the control plane,
# etcd, containerd, runc, crictl, CoreDNS, the local-path provisioner, pause) plus kubeadm and
# kubectl from the same module, on a Debian root file system with systemd:
#   - the control plane's images, named exactly as kubeadm asks for them, and the course's
#     storage images, preloaded in the node's containerd;
#   - /kind/version, /kind/manifests/default-storage.yaml (STORAGE_MANIFEST: the engine's own
#     local-path provisioner and StorageClass `standard`) and default-cni.yaml;
#   - our own entrypoint, systemd units and containerd configuration (files in this folder).
# The image is kds.invalid/kind-node:KUBERNETES_VERSION, labelled with a hash of this recipe
# and the pinned versions: when Docker holds that label already, nothing is done.
# Needs Docker (DOCKER_HOST) and the engine's programs (`make engine`; kubeadm and kind are
# built here if missing).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
engine=$(cd "$here/../../local/engine" && pwd)
# shellcheck source=../../local/engine/versions.env
. "$engine/versions.env"
cache=${KDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kds}
log() { printf '[kds kind-node] %s\n' "$*" >&2; }
bin() { printf '%s/bin/%s-%s/%s' "$cache" "$1" "$2" "$3"; }

[ $# -eq 5 ] || {
  log "usage: build.sh STORAGE_MANIFEST PAUSE_ARCHIVE COREDNS_ARCHIVE PROVISIONER_ARCHIVE BUSYBOX_ARCHIVE"; exit 2; }
storage=$1; shift
archives=("$@")
ref="kds.invalid/kind-node:$KUBERNETES_VERSION"
# The archives' names carry their own recipe hashes.
recipe=$( (cat "$here"/* "$engine/versions.env" "$storage"; printf '%s\n' "${archives[@]##*/}") |
  sha256sum | cut -c1-12)
if [ "$(docker image inspect -f '{{index .Config.Labels "kds.recipe"}}' "$ref" 2>/dev/null)" = "$recipe" ]; then
  log "$ref (recipe $recipe): in Docker already"
  exit 0
fi
for archive in "${archives[@]}"; do
  [ -f "$archive" ] || { log "missing image archive $archive: run \`make engine\` first"; exit 1; }
done
bash "$engine/build.sh" kubernetes etcd containerd runc cri-tools kubeadm
start=$(date +%s)

work=$(mktemp -d "$cache/tmp-kind-node-XXXXXX")
root="$work/rootfs"
builder="kds-kind-node-build-$$"
cleanup() {
  docker rm -f "$builder" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

# 1. A Debian root file system with systemd and what the kubelet and kube-proxy call.
packages=systemd,systemd-sysv,dbus,iptables,nftables,iproute2,conntrack,ethtool,socat,ebtables,kmod,mount
packages+=,util-linux,procps,ca-certificates,libseccomp2,containernetworking-plugins
mirror=$(sed -n 's/^URIs: *//p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
log "debootstrap bookworm (about a minute)"
debootstrap --variant=minbase --include="$packages" bookworm "$root" "${mirror:-http://deb.debian.org/debian}" \
  > "$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

# 2. The engine's programs, kubeadm and kubectl, and the node's own files.
install -m 755 "$(bin containerd "$CONTAINERD_VERSION" containerd)" "$(bin containerd "$CONTAINERD_VERSION" ctr)" \
  "$(bin containerd "$CONTAINERD_VERSION" containerd-shim-runc-v2)" "$(bin cri-tools "$CRI_TOOLS_VERSION" crictl)" \
  "$root/usr/local/bin/"
install -m 755 "$(bin runc "$RUNC_VERSION" runc)" "$root/usr/local/sbin/runc"
install -m 755 "$(bin kubernetes "$KUBERNETES_VERSION" kubelet)" "$(bin kubeadm "$KUBERNETES_VERSION" kubeadm)" \
  "$(bin kubeadm "$KUBERNETES_VERSION" kubectl)" "$root/usr/bin/"
mkdir -p "$root/opt/cni/bin" "$root/etc/cni/net.d" "$root/etc/containerd" "$root/kind/manifests" \
  "$root/etc/systemd/system/kubelet.service.d"
cp -a "$root"/usr/lib/cni/. "$root/opt/cni/bin/"
install -m 755 "$here/entrypoint" "$root/usr/local/bin/entrypoint"
install -m 644 "$here/containerd.toml" "$root/etc/containerd/config.toml"
install -m 644 "$here/10-kds.conflist" "$root/etc/cni/net.d/10-kds.conflist"
install -m 644 "$here/containerd.service" "$here/kubelet.service" "$here/kubelet.slice" "$root/etc/systemd/system/"
install -m 644 "$here/10-kubeadm.conf" "$root/etc/systemd/system/kubelet.service.d/"
chroot "$root" systemctl enable containerd kubelet >/dev/null 2>&1
echo "runtime-endpoint: unix:///run/containerd/containerd.sock" > "$root/etc/crictl.yaml"
echo "$KUBERNETES_VERSION" > "$root/kind/version"
install -m 644 "$here/default-cni.yaml" "$root/kind/manifests/default-cni.yaml"
install -m 644 "$storage" "$root/kind/manifests/default-storage.yaml"

# 3. Into Docker: the root file system as a base, then the node's image settings.
tar -C "$root" -c . | docker import - "kds.invalid/kind-node-rootfs:$recipe" >/dev/null
mkdir -p "$work/node"
cat > "$work/node/Dockerfile" <<EOF
FROM kds.invalid/kind-node-rootfs:$recipe
ENV container=docker
STOPSIGNAL SIGRTMIN+3
ENTRYPOINT ["/usr/local/bin/entrypoint", "/sbin/init"]
EOF
DOCKER_BUILDKIT=0 docker build -q -t "kds.invalid/kind-node-base:$recipe" "$work/node" >/dev/null

# 4. The control plane's images, named as kubeadm asks (`kubeadm config images list`). kube-proxy
# calls iptables, so it runs on the node's own root file system; the others are one program.
images=()
image() {  # image NAME TAG BASE PROGRAM
  local dir="$work/images/$1" name="registry.k8s.io/$1:$2"
  mkdir -p "$dir" && cp "$4" "$dir/"
  printf 'FROM %s\nCOPY %s /usr/local/bin/%s\nENTRYPOINT ["/usr/local/bin/%s"]\n' \
    "$3" "$(basename "$4")" "$(basename "$4")" "$(basename "$4")" > "$dir/Dockerfile"
  DOCKER_BUILDKIT=0 docker build -q -t "$name" "$dir" >/dev/null
  images+=("$name")
}
for program in kube-apiserver kube-controller-manager kube-scheduler; do
  image "$program" "$KUBERNETES_VERSION" scratch "$(bin kubernetes "$KUBERNETES_VERSION" "$program")"
done
image kube-proxy "$KUBERNETES_VERSION" "kds.invalid/kind-node-rootfs:$recipe" \
  "$(bin kubernetes "$KUBERNETES_VERSION" kube-proxy)"
image etcd "${ETCD_VERSION#v}-0" scratch "$(bin etcd "$ETCD_VERSION" etcd)"
loaded=()
for archive in "${archives[@]}"; do
  loaded+=("$(docker load -q -i "$archive" | sed -n 's/^Loaded image: //p')")
done
docker tag "${loaded[0]}" "registry.k8s.io/pause:$PAUSE_VERSION"
docker tag "${loaded[1]}" "registry.k8s.io/coredns/coredns:$COREDNS_VERSION"
images+=("${loaded[@]:2}" "registry.k8s.io/pause:$PAUSE_VERSION" "registry.k8s.io/coredns/coredns:$COREDNS_VERSION")
expected=$("$(bin kubeadm "$KUBERNETES_VERSION" kubeadm)" config images list --kubernetes-version "$KUBERNETES_VERSION")
for name in $expected; do
  printf '%s\n' "${images[@]}" | grep -qx "$name" || { log "kubeadm asks for $name, which this recipe lacks"; exit 1; }
done

# 5. Preload them: start the node once, import into its containerd, and commit it.
log "preloading ${#images[@]} images into the node's containerd"
docker run -d --name "$builder" --privileged --cgroupns=private --tmpfs /run --tmpfs /tmp \
  "kds.invalid/kind-node-base:$recipe" >/dev/null
for _ in $(seq 60); do
  docker exec "$builder" ctr version >/dev/null 2>&1 && break
  sleep 1
done
docker save "${images[@]}" | docker exec -i "$builder" ctr -n k8s.io images import --all-platforms - >/dev/null
docker exec "$builder" systemctl stop kubelet containerd
docker stop -t 30 "$builder" >/dev/null
docker commit --change "LABEL kds.recipe=$recipe" "$builder" "$ref" >/dev/null
docker rmi "kds.invalid/kind-node-base:$recipe" >/dev/null 2>&1 || true
log "$ref (recipe $recipe): built in $(( $(date +%s) - start )) s"
