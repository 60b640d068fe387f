"""Measure a warm `make test`: wall time and its split; writes bench/results/make-test.json.

    python bench/make_test.py                 # runs `make test` here, then records it
    python bench/make_test.py --from DIR      # records a finished run in DIR (e.g. a fresh clone)

Reads the stage times `.ci/test.sh` writes (_build/test-times.json), the per-notebook
nbval times (_build/nbval-times.json), and how long the cluster tests that ran beside nbval
took (_build/cluster-tests.log). Targets: under 15 minutes warm; book build under 60 s.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench" / "results" / "make-test.json"


def record(build: Path) -> dict:
    stages = json.loads((build / "test-times.json").read_text())
    notebooks = json.loads((build / "nbval-times.json").read_text())
    total = sum(stages.values())
    log = build / "cluster-tests.log"
    beside = re.findall(r" in ([0-9.]+)s", log.read_text()) if log.is_file() else []
    return {
        "machine": {"cpus": os.cpu_count()},
        "wall_seconds": total,
        "wall_minutes": round(total / 60, 1),
        "stages_seconds": stages,
        "cluster_tests_beside_nbval_seconds": float(beside[-1]) if beside else None,
        "nbval_seconds_per_notebook": notebooks,
        "slowest_notebooks": sorted(((v, k) for k, v in notebooks.items() if k != "total"), reverse=True)[:5],
        "targets": {"warm_make_test_minutes": 15, "book_build_seconds": 60},
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--from", dest="source", type=Path, help="a checkout whose `make test` has finished")
    args = parser.parse_args()
    source = args.source or REPO
    if args.source is None:
        subprocess.run(["make", "test"], cwd=REPO, check=True)
    result = record(source / "_build")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
