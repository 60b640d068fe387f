# Sourced by .ci/test.sh and tests/kind/run.sh (from the repository's root).
# stages FILE MARK: start FILE as an empty JSON object; from then on, `stage NAME COMMAND...`
# prints "MARK NAME: COMMAND", runs COMMAND and records its wall time in seconds as NAME in FILE.
stages() {
  STAGE_TIMES=$1 STAGE_MARK=$2
  mkdir -p "$(dirname "$STAGE_TIMES")" && echo "{}" > "$STAGE_TIMES"
}
stage() {
  local name=$1 start; shift
  echo "$STAGE_MARK $name: $*"
  start=$(date +%s)
  "$@"
  .venv/bin/python - "$STAGE_TIMES" "$name" "$(( $(date +%s) - start ))" <<'PY'
import json, sys
path, name, seconds = sys.argv[1], sys.argv[2], int(sys.argv[3])
data = json.load(open(path)); data[name] = seconds
json.dump(data, open(path, "w"), indent=2)
PY
}
