"""Check cases of the exercises on resources (see check_cases.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod, typed

from kdsutils import manifests

TRAINED = "training on 3000000 customers, 23.1% of them churned\nc=1 accuracy=0.793 auc=0.773\n"
SCORED = "no model file given: trained one on 2000 customers\nscored 200 customers for 2026-12-01: 18 likely to churn (threshold 0.5)\n"  # noqa: E501


def _killed(name: str) -> dict[str, Any]:
    """The status of a Pod whose container was killed for memory."""
    state = {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}
    return {"containerStatuses": [{"name": name, "image": "x", "imageID": "", "ready": False, "restartCount": 0,
                                   "state": state}]}  # fmt: skip


def _job(name: str, command: list[str], memory: dict[str, str], *, phase: str, printed: str) -> Callable[[FakeCluster], None]:  # noqa: E501
    """Put the Job `name`, with memory `memory` (``{"requests": ..., "limits": ...}``), and its one Pod."""
    resources = {key: {"memory": value, "cpu": "500m"} if key == "requests" else {"memory": value}
                 for key, value in memory.items()}  # fmt: skip

    def put(fake: FakeCluster) -> None:
        job = manifests.job(name, manifests.PYTHON_DS_IMAGE, command, resources=resources, backoff_limit=0)
        fake.add(typed(job, status={"succeeded": 1} if phase == "Succeeded" else {"failed": 1}))
        status = _killed(name) if phase == "Failed" else {}
        fake.add(pod(f"{name}-h7x2m", phase=phase, labels={"job-name": name}, status=status))
        fake.print(f"{name}-h7x2m", printed)

    return put


def _crunch(command: list[str] | None = None, *, memory: dict[str, str] | None = None, phase: str = "Succeeded",
            printed: str = TRAINED) -> Callable[[FakeCluster], None]:  # fmt: skip
    """Put the Job crunch (by default: churn.train on 3 million rows with 1536Mi, completed) and its Pod."""
    command = command or ["python", "-m", "churn.train", "--rows", "3000000"]
    memory = {"requests": "1536Mi", "limits": "1536Mi"} if memory is None else memory
    return _job("crunch", command, memory, phase=phase, printed=printed)


@full("resources_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch()(fake)
    return {}


@half("resources_ex1", says="its logs say 'training on 3000000 customers'")
def resources_ex1_a_job_that_does_not_train(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(["sh", "-c", "echo --rows 3000000"], printed="--rows 3000000\n")(fake)
    return {}


@half("resources_ex1", says="its logs end with the model's scores")
def resources_ex1_stops_after_the_data(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(printed="training on 3000000 customers, 23.1% of them churned\n")(fake)
    return {}


@half("resources_ex1", says="it trains on 3,000,000 customers (--rows 3000000) (it asks for 5,000)")
def resources_ex1_fewer_rows(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    printed = "training on 5000 customers, 22.7% of them churned\nc=1 accuracy=0.799 auc=0.787\n"
    _crunch(["python", "-m", "churn.train", "--rows=5000"], printed=printed)(fake)
    return {}


@half("resources_ex1", says="at most 2Gi, not the whole node")
def resources_ex1_the_whole_node(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(memory={"requests": "8Gi", "limits": "8Gi"})(fake)
    return {}


@half("resources_ex1", says="the memory request equals the limit (request 1Gi, limit 1536Mi)")
def resources_ex1_request_below_the_limit(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(memory={"requests": "1Gi", "limits": "1536Mi"})(fake)
    return {}


@half("resources_ex1", says="its container has a memory limit (none yet)")
def resources_ex1_no_limit(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(memory={"requests": "1536Mi"})(fake)
    return {}


@half("resources_ex1", says="the Job completed (it failed: its Pod stopped with OOMKilled (exit code 137)")
def resources_ex1_still_too_little(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    printed = "training on 3000000 customers, 23.1% of them churned\n"
    _crunch(memory={"requests": "1Gi", "limits": "1Gi"}, phase="Failed", printed=printed)(fake)
    return {}


@half("resources_ex1", says="the Job completed (it is still running")
def resources_ex1_still_running(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch()(fake)
    job = fake.read_namespaced_job("crunch", "lesson-checks-ex")
    job.status.succeeded = None
    return {}


def _api(resources: dict[str, dict[str, str]] | None, *, qos: str, ready: bool = True) -> Callable[[FakeCluster], None]:
    """Put the Deployment churn-api with `resources` and its one Pod, in QoS class `qos`."""

    def put(fake: FakeCluster) -> None:
        deploy = manifests.deployment("churn-api", manifests.PYTHON_DS_IMAGE, ["python", "-m", "churn.serve"],
                                      resources=resources)  # fmt: skip
        counts = {"replicas": 1, "updatedReplicas": 1, "readyReplicas": int(ready), "availableReplicas": int(ready)}
        fake.add(typed(deploy, status={**counts, "observedGeneration": 2}, generation=2))
        status = {"qosClass": qos} if ready else {"qosClass": qos, **_killed("churn-api")}
        fake.add(pod("churn-api-7d9c6b5f4-x2x7k", ["python", "-m", "churn.serve"], labels={"app": "churn-api"},
                     status=status))  # fmt: skip

    return put


GUARANTEED = {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"cpu": "250m", "memory": "256Mi"}}


@full("resources_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _api(GUARANTEED, qos="Guaranteed")(fake)
    return {}


@half("resources_ex2", says="its template asks for cpu with a limit equal to the request (request none, limit none)")
def resources_ex2_untouched(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _api(None, qos="BestEffort")(fake)
    return {}


@half("resources_ex2", says="its template asks for cpu with a limit equal to the request (request 250m, limit none)")
def resources_ex2_memory_only(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    memory = {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "256Mi"}}
    _api(memory, qos="Burstable")(fake)
    return {}


@half("resources_ex2", says="the rollout finished: every replica runs the new template and is ready (1 of 1 updated, "
      "0 ready; its Pods stopped with OOMKilled (exit code 137))")  # fmt: skip
def resources_ex2_too_little_memory(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    tiny = {"requests": {"cpu": "250m", "memory": "64Mi"}, "limits": {"cpu": "250m", "memory": "64Mi"}}
    _api(tiny, qos="Guaranteed", ready=False)(fake)
    return {}


@half("resources_ex2", says="its running Pods are in the QoS class Guaranteed (they are BestEffort, Guaranteed)")
def resources_ex2_an_old_pod_still_runs(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("churn-api-5c8f7d9b6-q4w8n", ["python", "-m", "churn.serve"], labels={"app": "churn-api"},
                 status={"qosClass": "BestEffort"}))  # fmt: skip
    return {}


def _scoring(limit: str = "256Mi", *, phase: str = "Succeeded", printed: str = SCORED) -> Callable[[FakeCluster], None]:
    return _job("scoring", ["python", "-m", "churn.score", "--day", "2026-12-01"],
                {"requests": limit, "limits": limit}, phase=phase, printed=printed)  # fmt: skip


@full("resources_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _scoring()(fake)
    return {}


@half("resources_ex3", says="the Job completed (it still fails as it did: find out why with kubectl)")
def resources_ex3_as_it_was(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _scoring("80Mi", phase="Failed", printed="")(fake)
    return {}


@half("resources_ex3", says="the Job completed (it failed: its Pod stopped with OOMKilled (exit code 137)")
def resources_ex3_raised_too_little(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _scoring("96Mi", phase="Failed", printed="")(fake)
    return {}


@half("resources_ex3", says="its memory limit is higher than the one it kept failing with (it is 80Mi)")
def resources_ex3_completed_with_the_old_limit(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _scoring("80Mi")(fake)
    return {}


@half("resources_ex3", says="its logs show the day's scores")
def resources_ex3_another_program(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _scoring(printed="done\n")(fake)
    return {}


@half("resources_ex3", says="there is a Job named scoring")
def resources_ex3_deleted_not_run_again(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("job", "scoring")
    return {}
