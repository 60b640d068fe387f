#!/usr/bin/env bash
# What `make test` runs, in order. Each stage's wall time goes to _build/test-times.json.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=.venv/bin
times=_build/test-times.json
. .ci/timed.sh
stages "$times" ===
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
# A run stopped early (a machine restart) leaves namespaces behind: start from a clean cluster.
stage clean-start $BIN/python -m tests.leftovers --clear
# The cluster tests that change what others see run alone, first. The rest share the cluster
# with the notebooks, whose runs mostly wait on it: they run beside nbval, their log shown after.
stage cluster-tests-serial make -s cluster-tests CLUSTER_TESTS=serial
# A few of Kubernetes' own conformance tests (Pods, Services, DNS, Deployments, Jobs) on the engine.
if $local_engine; then stage conformance-subset make -s conformance CONFORMANCE=--subset; fi
stage nbval-and-cluster-tests bash -c '
  make -s cluster-tests CLUSTER_TESTS="not serial" > _build/cluster-tests.log 2>&1 & tests=$!
  make -s nbval; notebooks=$?
  wait $tests; cluster=$?
  echo "===== cluster tests beside nbval (exit code $cluster)"; cat _build/cluster-tests.log
  [ "$notebooks" = 0 ] && [ "$cluster" = 0 ]'
# The lessons again, as two workshop learners (in namespaces of their own), on a quieter
# cluster: beside nbval they pushed the load past 10 on 2 cores, where reads raced.
stage learner-sweep make -s learner-sweep
stage leftovers $BIN/python -m tests.leftovers
stage book make -s book
stage browser make -s browser
# The kind backend, which most learners use, on this machine for real: Docker from Debian, the
# node image assembled offline, kind's tests beside the local engine, five lessons on kind.
if $local_engine; then stage kind make -s kind-test; fi
cat "$times"
