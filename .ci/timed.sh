# Sourced by .ci/test.sh and tests/kind/run.sh (from the repository's root).
# timed FILE NAME COMMAND...: run COMMAND, then record its wall time in seconds as NAME in the JSON file FILE.
timed() {
  local file=$1 name=$2 start; shift 2
  start=$(date +%s)
  "$@"
  .venv/bin/python - "$file" "$name" "$(( $(date +%s) - start ))" <<'PY'
import json, sys
path, name, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = json.load(open(path)); data[name] = seconds
json.dump(data, open(path, "w"), indent=2)
PY
}
