#!/usr/bin/env bash
# The kind stage of `make test` (`make kind-test`): the kind backend run for real.
#
#   tests/kind/run.sh NOTEBOOK...
#
# 1. Docker: the one DOCKER_HOST names, else one of the course's own (kdsutils/cluster/kind/docker.sh).
# 2. kind from its Go module, and the node image assembled offline (`make kind-node`); the
#    course images go into Docker from the local engine's archives (nothing is downloaded).
# 3. tests/kind/test_before.py: beside the running local engine, `kds up --backend kind`
#    refuses (both publish NodePorts 30000-30002 and 30080 on localhost); the engine stops.
# 4. `kds up --backend kind`, tests/kind/test_on_kind.py, and the NOTEBOOKs under nbval on
#    kind against the outputs stored from the local engine.
# 5. tests/kind/test_after.py: `kds down --backend kind`, and the local engine starts again.
# Seconds per step go to _build/kind-times.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=.venv/bin
. kdsutils/cluster/local/engine/versions.env
cache=${KDS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kds}
times=_build/kind-times.json
. .ci/timed.sh
stages "$times" "--- kind:"

own_docker=false
if [ -z "${DOCKER_HOST:-}" ] && ! docker info >/dev/null 2>&1; then
  DOCKER_HOST=$(bash kdsutils/cluster/kind/docker.sh start)
  own_docker=true
fi
export DOCKER_HOST
finish() {
  local code=$?
  if [ $code != 0 ]; then
    echo "--- kind: failed; the node's kubelet log ends:"
    docker exec kds-control-plane journalctl -u kubelet --no-pager -n 10 2>/dev/null || true
    kind delete cluster --name kds >/dev/null 2>&1 || true
    $BIN/kds up --backend local >/dev/null 2>&1 || true
  fi
  if $own_docker; then bash kdsutils/cluster/kind/docker.sh stop; fi
  cat "$times"
  exit $code
}
trap finish EXIT

stage kind-build bash kdsutils/cluster/local/engine/build.sh kind
export PATH="$cache/bin/kind-$KIND_VERSION:$PATH"
stage node-image make -s kind-node
stage course-images $BIN/python -m tests.kind.images
stage before $BIN/pytest -q -p no:cacheprovider tests/kind/test_before.py
stage kind-up $BIN/kds up --backend kind
stage on-kind $BIN/pytest -q -p no:cacheprovider tests/kind/test_on_kind.py
# The lessons see only kind's context, as a learner on kind does.
kubeconfig=$(mktemp)
kind get kubeconfig --name kds > "$kubeconfig"
stage nbval env KUBECONFIG="$kubeconfig" $BIN/pytest -q -p no:cacheprovider --nbval \
  --nbval-sanitize-with tests/nbval_sanitize.cfg "$@"
rm -f "$kubeconfig"
stage after $BIN/pytest -q -p no:cacheprovider tests/kind/test_after.py
