#!/usr/bin/env bash
# What `make test` runs, in order. Each stage's wall time goes to _build/test-times.json.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
mkdir -p _build
times=_build/test-times.json
echo "{}" > "$times"
stage() {
  local name=$1; shift
  local start; start=$(date +%s)
  echo "=== $name: $*"
  "$@"
  $BIN/python - "$times" "$name" "$(( $(date +%s) - start ))" <<'PY'
import json, sys
path, name, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = json.load(open(path)); data[name] = seconds
json.dump(data, open(path, "w"), indent=2)
PY
}
local_engine=false
if [ "$(uname -s)" = Linux ] && [ "$(id -u)" = 0 ]; then local_engine=true; fi

stage lint make -s lint
stage unit make -s unit
# The offline bundle's Python half: a fresh clone's venv from the Linux wheelhouse, no index.
stage offline make -s offline-test
if $local_engine; then
  stage engine-build make -s engine
  stage engine-up $BIN/kds up --backend local
  command -v chromium >/dev/null || stage browser-install bash -c \
    'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null'
fi
# The cluster tests that change what others see run alone, first. The rest share the cluster
# with the notebooks, whose runs mostly wait on it: they run beside nbval, their log shown after,
# and so do the lessons executed as two workshop learners (in namespaces of their own).
stage cluster-tests-serial make -s cluster-tests CLUSTER_TESTS=serial
stage nbval-and-cluster-tests bash -c '
  make -s cluster-tests CLUSTER_TESTS="not serial" > _build/cluster-tests.log 2>&1 & tests=$!
  make -s learner-sweep > _build/learner-sweep.log 2>&1 & learners=$!
  make -s nbval; notebooks=$?
  wait $tests; cluster=$?
  wait $learners; sweep=$?
  echo "===== cluster tests beside nbval (exit code $cluster)"; cat _build/cluster-tests.log
  echo "===== lessons as workshop learners beside nbval (exit code $sweep)"
  grep -v "Kernel is running over TCP" _build/learner-sweep.log
  [ "$notebooks" = 0 ] && [ "$cluster" = 0 ] && [ "$sweep" = 0 ]'
stage leftovers $BIN/python -m tests.leftovers
stage book make -s book
stage browser make -s browser
cat "$times"
