#!/usr/bin/env bash
# Install the host programs the local engine needs, from Debian's packages, when missing.
# Runs as root on Debian or Ubuntu; elsewhere it names what to install and exits non-zero.
set -euo pipefail

declare -A need=(
  [iptables]=iptables [conntrack]=conntrack [buildah]=buildah
  [debootstrap]=debootstrap [busybox]=busybox-static [ip]=iproute2 [gcc]=gcc
)
missing=()
for cmd in "${!need[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${need[$cmd]}")
done
[ -e /usr/lib/cni/bridge ] || [ -e /opt/cni/bin/bridge ] || missing+=(containernetworking-plugins)
[ -e /usr/include/seccomp.h ] || missing+=(libseccomp-dev)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
[ -e /usr/lib/x86_64-linux-gnu/libc.a ] || [ -e /usr/lib/aarch64-linux-gnu/libc.a ] || missing+=(libc6-dev)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "The local engine needs these packages: ${missing[*]}" >&2
  echo "Install them as root (on Debian/Ubuntu: sudo apt-get install ${missing[*]}), or use kind with Docker." >&2
  exit 1
fi
echo "[kds] apt-get install ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
