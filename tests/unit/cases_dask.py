"""Check cases of the exercises on Dask clusters (see check_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from cases_helm import _secret
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod

from kdsutils import images


def _cluster(request: str) -> str:
    """The DaskCluster part of a release's manifest, asking `request` of memory for each worker."""
    container = {"name": "worker", "resources": {"requests": {"memory": request}}}
    return yaml.safe_dump({"kind": "DaskCluster", "spec": {"worker": {"spec": {"containers": [container]}}}})


def _worker(cluster: str, n: int, *, threads: str = "2", limit: str = "1Gi", ready: bool = True,
            request: str = "384Mi") -> Any:  # fmt: skip
    """A worker Pod as the Dask operator makes it for `cluster`."""
    command = ["dask", "worker", "--name", "$(DASK_WORKER_NAME)", "--nthreads", threads, "--memory-limit", limit]
    labels = {"dask.org/cluster-name": cluster, "dask.org/component": "worker"}
    state = {"containerStatuses": [{"name": f"{cluster}-w{n}", "image": "x", "imageID": "", "ready": ready,
                                    "restartCount": 0}],
             "conditions": [{"type": "Ready", "status": str(ready)}]}  # fmt: skip
    resources = {"requests": {"memory": request}, "limits": {"memory": limit}}
    return pod(f"{cluster}-w{n}", command, phase="Running" if ready else "Pending", image=images.reference("dask"),
               labels=labels, resources=resources, status=state)  # fmt: skip


def _team(fake: FakeCluster, count: int = 3, **options: Any) -> None:
    fake.add(*(_worker("team", n, **options) for n in range(count)))


@full("dask_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_secret("team", 1, chart="dask-cluster"))
    _team(fake)
    return {}


@half("dask_ex1", says="there is a Helm release named team")
def dask_ex1_not_installed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", "sh.helm.release.v1.team.v1")
    return {}


@half("dask_ex1", says="3 worker Pods of team are ready (2 of 2 are ready)")
def dask_ex1_default_workers(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("pod", "team-w2")
    return {}


@half("dask_ex1", says="each worker runs 2 threads (it runs 1)")
def dask_ex1_default_threads(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _team(fake, threads="1")
    return {}


@half("dask_ex1", says="each worker's memory limit is 1Gi (it is 768Mi)")
def dask_ex1_default_memory(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _team(fake, limit="768Mi")
    return {}


@full("dask_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_secret("big", 1, status="superseded", chart="dask-cluster", manifest=_cluster("64Gi")),
             _secret("big", 2, chart="dask-cluster", description="Upgrade complete", manifest=_cluster("512Mi")),
             _worker("big", 0, request="512Mi"), _worker("big", 1, request="512Mi"))  # fmt: skip
    return {}


@half("dask_ex2", says="(the fix is in the release) (they ask for 512Mi, the release for 64Gi")
def dask_ex2_fixed_beside_helm(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_secret("big", 2, chart="dask-cluster", description="Upgrade complete", manifest=_cluster("64Gi")))
    return {}


@half("dask_ex2", says="2 worker Pods of big are ready (0 of 2 are ready; the others are Pending, Pending)")
def dask_ex2_as_found(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_worker("big", 0, ready=False), _worker("big", 1, ready=False))
    return {}
