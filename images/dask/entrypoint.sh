#!/bin/sh
# One image, two jobs. Arguments that start with "-" are options for the Dask operator (the
# operator's chart passes `--liveness=...` and `--all-namespaces`); anything else is a command
# to run, such as `dask scheduler` or `dask worker` in a DaskCluster's Pods.
set -e
case "${1:-}" in
  -*|"") exec kopf run -m dask_kubernetes.operator.controller "$@" ;;
  *) exec "$@" ;;
esac
