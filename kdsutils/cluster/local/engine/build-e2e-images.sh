#!/usr/bin/env bash
# Build the test images Kubernetes' conformance tests run, without Docker, as docker-archives.
#
#   build-e2e-images.sh OUT_DIR
#
# Each image is named kds.invalid/e2e-NAME:TAG, TAG being OUT_DIR's own name (which carries
# the Kubernetes version and the recipe's hash), so a changed recipe never reuses an old image.
# Upstream builds them from test/images/ in the k8s.io/kubernetes module, on Alpine and Debian
# base images that no registry here serves. These are assembled from the same parts: the
# agnhost program built from that module (build.sh e2e), a Debian bookworm root filesystem
# (debootstrap) with the tools the tests call in their containers (sh, dig, getent, curl, nc,
# ip, nginx), and the pictures the kitten and nautilus images serve, read from the module.
# Each archive is named after the image it holds; STAND_INS in tests/conformance.py says which
# test images each one stands for (busybox and pause are the engine's own).
set -euo pipefail

out=$1 tag=$(basename "$1")
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/versions.env"
cache=${KDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kds}
log() { printf '[kds e2e image] %s\n' "$*" >&2; }

for tool in buildah debootstrap go; do
  command -v $tool >/dev/null || { log "$tool is missing: run \`make engine\` first"; exit 1; }
done
agnhost="$cache/bin/e2e-$KUBERNETES_VERSION/agnhost"
[ -x "$agnhost" ] || { log "agnhost is not built: run \`bash $here/build.sh e2e\`"; exit 1; }
module=$(go mod download -json "k8s.io/kubernetes@$KUBERNETES_VERSION" | sed -n 's/.*"Dir": "\(.*\)",/\1/p')

mkdir -p "$cache" "$out"
work=$(mktemp -d "$cache/tmp-e2e-image-XXXXXX")
root="$work/rootfs"
store=(--root "$work/storage" --runroot "$work/runroot" --storage-driver vfs)
trap 'buildah "${store[@]}" rm --all >/dev/null 2>&1; rm -rf "$work"' EXIT

mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
log "debootstrap bookworm with the tools the tests call${mirror:+ (from $mirror)}"
debootstrap --variant=minbase --include=bind9-dnsutils,curl,netcat-openbsd,iproute2,procps,nginx-light \
  bookworm "$root" ${mirror:+"$mirror"} > "$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
rm -rf "$root/var/cache/apt/"* "$root/var/lib/apt/lists/"*
: > "$root/etc/resolv.conf"
# What upstream's agnhost image adds on Alpine: the program (also as agnhost-2), its test
# certificate, an upload folder, and a user and group that tests look up by name.
install -m 0755 "$agnhost" "$root/agnhost"
ln -s agnhost "$root/agnhost-2"
cp "$module/test/images/agnhost/porter/localhost.crt" "$module/test/images/agnhost/porter/localhost.key" "$root/"
chmod u+w "$root/localhost.crt" "$root/localhost.key"
mkdir -p "$root/uploads"
echo "user-defined-in-image:x:1000:1000::/home/user-defined-in-image:/bin/sh" >> "$root/etc/passwd"
echo "group-defined-in-image:x:50000:user-defined-in-image" >> "$root/etc/group"

# commit NAME ROOT [buildah config options...]: one image from a root filesystem.
commit() {
  local name=$1 dir=$2 ctr; shift 2
  ctr=$(buildah "${store[@]}" from scratch)
  buildah "${store[@]}" copy "$ctr" "$dir/" / >/dev/null
  buildah "${store[@]}" config --os linux --arch amd64 --workingdir / \
    --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$@" "$ctr"
  buildah "${store[@]}" commit --quiet --rm "$ctr" "kds.invalid/e2e-$name:$tag" >/dev/null
  buildah "${store[@]}" push --quiet "kds.invalid/e2e-$name:$tag" "docker-archive:$out/$name.tar.partial:kds.invalid/e2e-$name:$tag"
  mv "$out/$name.tar.partial" "$out/$name.tar"
  log "$name -> $out/$name.tar ($(du -h "$out/$name.tar" | cut -f1))"
}

commit agnhost "$root" --entrypoint '["/agnhost"]' --cmd '["pause"]'
commit debian "$root" --entrypoint '[]' --cmd '["sh"]'
commit nginx "$root" --entrypoint '[]' --cmd '["nginx", "-g", "daemon off;"]' --port 80
commit nonroot "$root" --entrypoint '[]' --cmd '["sh"]' --user 1234
for picture in kitten nautilus; do
  cp "$module/test/images/$picture/html/$picture.jpg" "$module/test/images/$picture/html/data.json" "$root/"
  commit "$picture" "$root" --entrypoint '["/agnhost"]' --cmd '["test-webserver"]'
  rm -f "$root/$picture.jpg" "$root/data.json"
done
