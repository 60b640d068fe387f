#!/usr/bin/env bash
# Build one course tool image (images/NAME/Dockerfile, FROM a course base image) without
# Docker, and save it as a docker-archive file.
#
#   build-tool-image.sh NAME REFERENCE ARCHIVE BASE_ARCHIVE [REPO_ROOT]
#
# buildah (Debian) pulls the base image from its archive (built by build-image.sh) and builds
# the Dockerfile as `docker build` would, with the vfs storage driver in a private folder. RUN
# steps see the host's pip and npm settings and certificate bundle (a TLS-inspecting proxy's authority,
# where there is one); the mounts are not committed into the image.
set -euo pipefail

name=$1 ref=$2 archive=$3 base=$4 repo=${5:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)}
cache=${KDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kds}
log() { printf '[kds image] %s\n' "$*" >&2; }

command -v buildah >/dev/null || { log "buildah is missing: apt-get install buildah (make engine does it)"; exit 1; }
[ -f "$repo/images/$name/Dockerfile" ] || { log "no images/$name/Dockerfile"; exit 2; }
[ -f "$base" ] || { log "the base image archive $base is missing"; exit 2; }

mkdir -p "$cache"
work=$(mktemp -d "$cache/tmp-image-XXXXXX")
store=(--root "$work/storage" --runroot "$work/runroot" --storage-driver vfs)
cleanup() {
  buildah "${store[@]}" rm --all >/dev/null 2>&1 || true
  buildah "${store[@]}" rmi --all --force >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

buildah "${store[@]}" pull --quiet "docker-archive:$base" >/dev/null
mounts=()
for file in /etc/pip.conf /etc/npmrc /etc/ssl/certs/ca-certificates.crt; do
  [ -f "$file" ] && mounts+=(--volume "$file:$file:ro")
done
log "$name: buildah bud images/$name (FROM $(basename "$base"))"
buildah "${store[@]}" bud --pull=never --isolation chroot --quiet "${mounts[@]}" --tag "$ref" "$repo/images/$name" >/dev/null
mkdir -p "$(dirname "$archive")"
buildah "${store[@]}" push --quiet "$ref" "docker-archive:$archive.partial:$ref"
mv "$archive.partial" "$archive"
log "$name: $ref -> $archive ($(du -h "$archive" | cut -f1))"
