"""Check cases of the lab on containers killed for memory (see check_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod, typed

from kdsutils.labs.oomkilled import nightly_train, oomkilled_api

TRAINED = "training on 1500000 customers, 23.1% of them churned\nc=1 accuracy=0.794 auc=0.774\n"


def _nightly(fake: FakeCluster, memory: str = "1Gi", *, rows: str = "1500000", done: bool = True) -> None:
    """Put the Job nightly-train with `memory`, on `rows` customers, and its Pod: completed or killed."""
    job = nightly_train(memory)
    job["spec"]["template"]["spec"]["containers"][0]["command"][-1] = rows
    fake.add(typed(job, status={"succeeded": 1} if done else {"failed": 2}))
    killed = {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}
    status = {} if done else {"containerStatuses": [{"name": "nightly-train", "image": "x", "imageID": "",
                                                     "ready": False, "restartCount": 0, "state": killed}]}  # fmt: skip
    fake.add(pod("nightly-train-h7x2m", phase="Succeeded" if done else "Failed", labels={"job-name": "nightly-train"},
                 status=status))  # fmt: skip
    fake.print("nightly-train-h7x2m", TRAINED if done else "training on 1500000 customers, 23.1% of them churned\n")


@full("oomkilled_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _nightly(fake)
    return {}


@half("oomkilled_ex1", says="nightly-train completed (it is still the Job that failed")
def oomkilled_ex1_untouched(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _nightly(fake, "512Mi", done=False)
    return {}


@half("oomkilled_ex1", says="the Job completed (it failed")
def oomkilled_ex1_still_too_little(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _nightly(fake, "600Mi", done=False)
    return {}


@half("oomkilled_ex1", says="the limit is what the work needs, at most 2Gi")
def oomkilled_ex1_the_whole_node(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _nightly(fake, "16Gi")
    return {}


@half("oomkilled_ex1", says="it still trains on all 1,500,000 customers (it asks for 500,000)")
def oomkilled_ex1_less_data(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _nightly(fake, rows="500000")
    return {}


# ---------------------------------------------------------------------------- oomkilled_ex2: the server


def _api(fake: FakeCluster, memory: str = "256Mi", *, restarts: int = 0, ready: bool = True) -> None:
    """Put churn-api with `memory` as limit and request, its rollout status, and one Pod."""
    manifest = next(yaml.safe_load_all(oomkilled_api()))
    resources = {"requests": {"cpu": "100m", "memory": memory}, "limits": {"memory": memory}}
    manifest["spec"]["template"]["spec"]["containers"][0]["resources"] = resources
    status = {"observedGeneration": 2, "replicas": 1, "updatedReplicas": 1, "readyReplicas": int(ready)}
    fake.add(typed(manifest, status=status, generation=2))
    container: dict[str, Any] = {"name": "churn-api", "image": "x", "imageID": "", "ready": ready,
                                 "restartCount": restarts}  # fmt: skip
    if restarts:
        container["lastState"] = {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}
    pod_status = {"containerStatuses": [container], "conditions": [{"type": "Ready", "status": str(ready)}]}
    fake.add(pod("churn-api-55d7-x2x7k", ["python", "-m", "churn.serve"], labels={"app": "churn-api"},
                 status=pod_status))  # fmt: skip
    fake.print("churn-api-55d7-x2x7k", "trained a model on 2000 customers at start (c=1)\nserving on port 8000\n")


@full("oomkilled_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _api(fake)
    return {}


@half("oomkilled_ex2", says="the server is ready (its Pod keeps restarting")
def oomkilled_ex2_untouched(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _api(fake, "64Mi", restarts=3, ready=False)
    return {}


@half("oomkilled_ex2", says="the rollout finished")
def oomkilled_ex2_still_too_little(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _api(fake, "96Mi", restarts=2, ready=False)
    return {}


@half("oomkilled_ex2", says="the limit is what the work needs, at most 2Gi")
def oomkilled_ex2_the_whole_node(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _api(fake, "16Gi")
    return {}


@half("oomkilled_ex2", says="the server has not restarted since the change (it restarted 1 times)")
def oomkilled_ex2_restarted_since(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _api(fake, "128Mi", restarts=1)
    return {}
