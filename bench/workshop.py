"""Benchmark a workshop class on the local engine; writes bench/results/workshop.json (not a timed test).

Measures, in one run on this machine:
- a class of 30: `kds workshop create` (30 namespaces, accounts, bindings, quotas and
  kubeconfig files), `status`, a second `create` (nothing changes) and `delete` until every
  namespace is gone, each timed; the API server's resident memory before, with the class,
  and after it is deleted;
- what one learner uses while lessons run: the learner sweep's peaks (`kubectl top pods` of
  the learner's namespace every 5 s, per notebook), read from `_build/learner-sweep.json` when
  a sweep ran (`python -m tests.learner_sweep`), to back the instructor guide's sizing table.

Goal from the issue: create and delete a class of 30 in under 60 s each.

Run as root with the engine up (`kds up`): `.venv/bin/python bench/workshop.py`.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
import uuid
from pathlib import Path

from kdsutils import workshop
from kdsutils.cluster import local

OUT = Path(__file__).parent / "results" / "workshop.json"
SWEEP = Path(__file__).parents[1] / "_build" / "learner-sweep.json"
GOAL_S = 60
CLASS = 30


def apiserver_rss_mib() -> float:
    """The kube-apiserver's resident memory, from /proc."""
    state = local.state_dir()
    pid = local.running_pid(state, next(c for c in local.components(state) if c.name == "kube-apiserver"))
    if pid is None:
        raise SystemExit("the local engine's API server is not running: `kds up` first")
    rss_kib = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
                   if line.startswith("VmRSS:"))  # fmt: skip
    return round(rss_kib / 1024, 1)


def timed(action) -> tuple[float, object]:
    start = time.monotonic()
    result = action()
    return round(time.monotonic() - start, 1), result


def main() -> None:
    context = local.CONTEXT
    names = [f"bench-{uuid.uuid4().hex[:4]}-{i:02d}" for i in range(1, CLASS + 1)]
    quiet = lambda _: None  # noqa: E731
    results: dict = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "class_size": CLASS,
                     "goal_seconds": GOAL_S}
    results["apiserver_rss_mib_before"] = apiserver_rss_mib()
    with tempfile.TemporaryDirectory() as folder:
        results["create_seconds"], files = timed(lambda: workshop.create(names, context=context, output=folder,
                                                                           progress=quiet))
        results["apiserver_rss_mib_with_class"] = apiserver_rss_mib()
        results["status_seconds"], rows = timed(lambda: workshop.status(context=context))
        results["create_again_seconds"], _ = timed(lambda: workshop.create(names, context=context, output=folder,
                                                                            progress=quiet))
        results["delete_seconds"], removed = timed(lambda: workshop.delete(names, context=context, progress=quiet))
    results["apiserver_rss_mib_after_delete"] = apiserver_rss_mib()
    assert len(files) == CLASS and len(removed) == CLASS and len([r for r in rows if r.name in names]) == CLASS
    results["goal_met"] = results["create_seconds"] < GOAL_S and results["delete_seconds"] < GOAL_S
    if SWEEP.exists():
        sweep = json.loads(SWEEP.read_text())
        results["per_learner"] = {
            "notebooks": len(sweep),
            "peak_memory_mib": max(r["peak_memory_mib"] for r in sweep.values()),
            "peak_cpu_millicores": max(r["peak_cpu_millicores"] for r in sweep.values()),
            "heaviest": sorted(((r["peak_memory_mib"], name) for name, r in sweep.items()), reverse=True)[:5],
            "sampled": "kubectl top pods of the learner's namespace every 5 s; short spikes are missed",
        }
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
