#!/usr/bin/env bash
# Start or stop a Docker engine of the course's own, for kind on a Linux machine without one
# (CI runs the kind stage this way; learners use their own Docker).
#
#   docker.sh start    install Debian's docker.io when dockerd is missing, start dockerd
#                      (images in $KDS_CACHE/docker, socket $KDS_DOCKER_SOCK), print its address
#   docker.sh stop     stop that dockerd (kind's node containers stop with it)
#
# There is no systemd to start it: dockerd runs in the background, its log in
# $KDS_CACHE/docker.log. Where root lacks CAP_SYS_RESOURCE (some VMs), `docker run
# --privileged`, which kind always uses, asks runc for a capability the kernel will not
# grant; dockerd then runs containers through runc-without-sys-resource.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
cache=${KDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kds}
run=${KDS_DOCKER_RUN:-/run/kds-docker}
sock=${KDS_DOCKER_SOCK:-$run/docker.sock}
pidfile="$run/dockerd.pid"
log() { printf '[kds docker] %s\n' "$*" >&2; }

running() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

start() {
  if running; then echo "unix://$sock"; return 0; fi
  if ! command -v dockerd >/dev/null; then
    [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null ||
      { log "dockerd is missing: install Docker (on Debian: sudo apt-get install docker.io)"; exit 1; }
    log "apt-get install docker.io"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends docker.io >/dev/null
  fi
  mkdir -p "$run" "$cache/docker"
  local runtime=()
  # Bit 24 of the bounding set is CAP_SYS_RESOURCE.
  if (( ! (0x$(sed -n 's/^CapBnd:\t//p' /proc/self/status) >> 24 & 1) )); then
    runtime=(--add-runtime "kds-runc=$here/runc-without-sys-resource" --default-runtime kds-runc)
  fi
  setsid dockerd --data-root "$cache/docker" --exec-root "$run/exec" -H "unix://$sock" --pidfile "$pidfile" \
    "${runtime[@]}" > "$cache/docker.log" 2>&1 < /dev/null &
  for _ in $(seq 60); do
    if docker -H "unix://$sock" info >/dev/null 2>&1; then echo "unix://$sock"; return 0; fi
    sleep 1
  done
  log "dockerd did not answer within 60 s; its log:"; tail -20 "$cache/docker.log" >&2; exit 1
}

stop() {
  running || { log "no dockerd of ours is running"; return 0; }
  local pid; pid=$(cat "$pidfile")
  kill "$pid"
  for _ in $(seq 60); do kill -0 "$pid" 2>/dev/null || { log "dockerd stopped"; return 0; }; sleep 1; done
  log "dockerd ($pid) did not stop within 60 s"; exit 1
}

case ${1:-} in
  start) start ;;
  stop) stop ;;
  *) log "usage: docker.sh start|stop"; exit 2 ;;
esac
