"""Benchmark a workshop class on the local engine; writes bench/results/workshop.json (not a timed test).

Measures, in one run on this machine:
- a class of 30: `kds workshop create` (30 namespaces, accounts, bindings, quotas and
  kubeconfig files), `status`, a second `create` (nothing changes) and `delete` until every
  namespace is gone, each timed; the API server's resident memory before, with the class,
  and after it is deleted;
- what one learner uses while lessons run, to back the instructor guide's sizing table: the
  learner sweep of every lesson for learners (`tests/learner_sweep.py`, two learners at once)
  runs while this script reads, every 2 s, the memory cgroup of each of the learners' Pods on
  the node (cgroup v1, as the kubelet does: usage minus inactive file pages, the "working
  set"). It keeps, per learner, the peak of the sum over their Pods, and the largest peak
  of one Pod (``memory.max_usage_in_bytes``, page cache included: an upper bound).

Goal from the issue: create and delete a class of 30 in under 60 s each.

Run as root with the engine up (`kds up`), from the repository: `.venv/bin/python bench/workshop.py`.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

from kdsutils import workshop
from kdsutils._run import run
from kdsutils.cluster import local

OUT = Path(__file__).parent / "results" / "workshop.json"
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


def _pod_cgroup(uid: str) -> Path | None:
    """The memory cgroup of a Pod on this node (cgroup v1; Guaranteed Pods sit at the top)."""
    root = Path("/sys/fs/cgroup/memory/kubepods")
    for qos in ("", "burstable/", "besteffort/"):
        found = root / f"{qos}pod{uid}"
        if found.is_dir():
            return found
    return None


def _working_set(cgroup: Path) -> int:
    stat = dict(line.split() for line in (cgroup / "memory.stat").read_text().splitlines())
    return max(0, int((cgroup / "memory.usage_in_bytes").read_text()) - int(stat.get("total_inactive_file", 0)))


def sweep_with_memory(learners: int = 2) -> dict:
    """Run the learner sweep of every lesson for learners; sample the learners' Pods meanwhile."""
    sweep = subprocess.Popen([sys.executable, "-m", "tests.learner_sweep", "--learners", str(learners),
                              *map(str, sorted(Path("lessons").glob("*.ipynb")))],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    peak_sum: dict[str, int] = {}
    peak_pod = 0
    start = time.monotonic()
    while sweep.poll() is None:
        pods = json.loads(run(["kubectl", "--context", local.CONTEXT, "get", "pods", "-A", "-o", "json"],
                              timeout=60).stdout)["items"]  # fmt: skip
        sums: dict[str, int] = {}
        for pod in pods:
            namespace = pod["metadata"]["namespace"]
            cgroup = _pod_cgroup(pod["metadata"]["uid"]) if namespace.startswith("learner-sweep-") else None
            if cgroup is None:
                continue
            try:
                sums[namespace] = sums.get(namespace, 0) + _working_set(cgroup)
                peak_pod = max(peak_pod, int((cgroup / "memory.max_usage_in_bytes").read_text()))
            except (FileNotFoundError, ValueError):  # the Pod went between the listing and the read
                continue
        for namespace, total in sums.items():
            peak_sum[namespace] = max(peak_sum.get(namespace, 0), total)
        time.sleep(2)
    mib = 1024 * 1024
    return {"sweep_exit_code": sweep.returncode, "sweep_seconds": round(time.monotonic() - start),
            "peak_working_set_mib_per_learner": {ns: round(v / mib) for ns, v in sorted(peak_sum.items())},
            "largest_pod_peak_mib": round(peak_pod / mib)}  # fmt: skip


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
    results["per_learner"] = sweep_with_memory()
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
