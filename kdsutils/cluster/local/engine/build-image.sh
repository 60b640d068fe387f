#!/usr/bin/env bash
# Build one course image without Docker and save it as a docker-archive file.
#
#   build-image.sh NAME REFERENCE ARCHIVE [REPO_ROOT]
#
# The root filesystem comes from a static binary (pause, coredns, local-path-provisioner;
# metrics-server is built here from its Go module at the version in images/metrics-server/TAG),
# Debian's busybox-static (busybox) or debootstrap (python-ds: the same Debian release,
# requirements.txt and churn/ package as images/python-ds/Dockerfile). buildah (Debian) commits it, with the
# vfs storage driver in a private folder, and pushes a docker-archive that containerd imports.
set -euo pipefail

name=$1 ref=$2 archive=$3 repo=${4:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../../../.." && pwd)}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$here/versions.env"
cache=${KDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kds}
bin() { printf '%s/bin/%s-%s/%s' "$cache" "$1" "$2" "$3"; }
log() { printf '[kds image] %s\n' "$*" >&2; }

for tool in buildah; do
  command -v $tool >/dev/null || { log "$tool is missing: apt-get install $tool (make engine does it)"; exit 1; }
done

work=$(mktemp -d "$cache/tmp-image-XXXXXX")
root="$work/rootfs"
mkdir -p "$root"
store=(--root "$work/storage" --runroot "$work/runroot" --storage-driver vfs)
cleanup() {
  mountpoint -q "$root/proc" 2>/dev/null && umount -l "$root/proc"
  buildah "${store[@]}" rm --all >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

entrypoint='' cmd='' env=(PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin) workdir=/
case $name in
  pause)
    install -D "$(bin pause "$PAUSE_VERSION" pause)" "$root/pause"
    entrypoint='["/pause"]' ;;
  coredns)
    install -D "$(bin coredns "$COREDNS_VERSION" coredns)" "$root/coredns"
    mkdir -p "$root/etc/ssl/certs" && cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
    entrypoint='["/coredns"]' ;;
  local-path-provisioner)
    install -D "$(bin local-path-provisioner "$LOCAL_PATH_PROVISIONER_VERSION" local-path-provisioner)" \
      "$root/usr/local/bin/local-path-provisioner"
    mkdir -p "$root/tmp" && chmod 1777 "$root/tmp"
    entrypoint='["local-path-provisioner"]' ;;
  metrics-server)
    GOTOOLCHAIN=local GOFLAGS=-trimpath GOBIN="$root" CGO_ENABLED=0 \
      go install -ldflags "-s -w" "sigs.k8s.io/metrics-server/cmd/metrics-server@$(cat "$repo/images/metrics-server/TAG")"
    entrypoint='["/metrics-server"]' ;;
  busybox)
    command -v busybox >/dev/null || [ -x /bin/busybox ] || { log "apt-get install busybox-static"; exit 1; }
    install -D /bin/busybox "$root/bin/busybox"
    for applet in $("$root/bin/busybox" --list); do
      [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
    done
    mkdir -p "$root/tmp" "$root/etc" && chmod 1777 "$root/tmp"
    echo "root:x:0:0:root:/root:/bin/sh" > "$root/etc/passwd"
    cmd='["sh"]' ;;
  python-ds)
    command -v debootstrap >/dev/null || { log "apt-get install debootstrap"; exit 1; }
    # The host's own Debian mirror when its apt configuration names one; else debootstrap's default.
    mirror=$(sed -n 's/^URIs: *\(http[^ ]*debian\)$/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null | head -1)
    log "python-ds: debootstrap bookworm${mirror:+ from $mirror}"
    debootstrap --variant=minbase --include=python3,python3-venv,ca-certificates bookworm "$root" ${mirror:+"$mirror"} \
      > "$work/debootstrap.log" 2>&1 || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
    cp "$repo/images/python-ds/requirements.txt" "$root/tmp/requirements.txt"
    # pip inside the chroot trusts the host's certificate bundle and resolver for the build only.
    cp "$root/etc/ssl/certs/ca-certificates.crt" "$work/ca-own.crt"
    cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    mount -t proc proc "$root/proc"
    log "python-ds: pip install -r images/python-ds/requirements.txt"
    chroot "$root" /usr/bin/python3 -m venv /opt/venv
    chroot "$root" /usr/bin/env -i PATH=/usr/bin:/bin HOME=/root PIP_DISABLE_PIP_VERSION_CHECK=1 \
      /opt/venv/bin/pip install --no-cache-dir -q -r /tmp/requirements.txt
    umount -l "$root/proc"
    cp "$work/ca-own.crt" "$root/etc/ssl/certs/ca-certificates.crt"
    : > "$root/etc/resolv.conf"
    rm -rf "$root/tmp/requirements.txt" "$root/var/cache/apt/"* "$root/var/lib/apt/lists/"* "$root/root/.cache"
    mkdir -p "$root/work" "$root/opt/kds"
    cp -r "$repo/images/python-ds/churn" "$root/opt/kds/churn"
    find "$root/opt/kds" -name __pycache__ -prune -exec rm -rf {} +
    env=(PATH=/opt/venv/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8
         PYTHONPATH=/opt/kds)
    workdir=/work cmd='["python3"]' ;;
  *) log "unknown image $name"; exit 2 ;;
esac

ctr=$(buildah "${store[@]}" from scratch)
buildah "${store[@]}" copy "$ctr" "$root/" / >/dev/null
config=(--workingdir "$workdir" --os linux --arch amd64)
[ -z "$entrypoint" ] || config+=(--entrypoint "$entrypoint")
[ -z "$cmd" ] || config+=(--cmd "$cmd")
for e in "${env[@]}"; do config+=(--env "$e"); done
buildah "${store[@]}" config "${config[@]}" "$ctr"
buildah "${store[@]}" commit --quiet "$ctr" "$ref" >/dev/null
mkdir -p "$(dirname "$archive")"
buildah "${store[@]}" push --quiet "$ref" "docker-archive:$archive.partial:$ref"
mv "$archive.partial" "$archive"
log "$name: $ref -> $archive ($(du -h "$archive" | cut -f1))"
