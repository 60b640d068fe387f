"""Check cases of lab 34, Pending (see check_cases.py): built from the lab's own broken YAML, then fixed."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, node, pod, typed

from kdsutils.labs import find

TRAINED = "training on 5000 customers, 22.7% of them churned\nsaved the model to /models/model.joblib\nc=1 accuracy=0.799 auc=0.787\n"  # noqa: E501
#: What the team's churn API asks for once it fits: 256Mi, as request and limit.
FITS = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "256Mi"}}


def _docs(scenario: str) -> dict[str, dict[str, Any]]:
    """The scenario's objects as dicts, by kind."""
    return {doc["kind"]: doc for doc in yaml.safe_load_all(find(scenario).build()) if doc}


def _api(scenario: str, resources: dict[str, dict[str, str]] | None, *, ready: bool = True, generation: int = 2) -> Any:
    """The scenario's Deployment churn-api with `resources` (None: as the team left it), rolled out or not."""
    manifest = _docs(scenario)["Deployment"]
    if resources is not None:
        manifest["spec"]["template"]["spec"]["containers"][0]["resources"] = resources
    counts = {"replicas": 1, "updatedReplicas": 1, "readyReplicas": int(ready), "observedGeneration": generation}
    return typed(manifest, status=counts, generation=generation)


def _put_api(fake: FakeCluster, scenario: str, resources: dict[str, dict[str, str]] | None, **options: Any) -> None:
    pending = options.pop("pending", False)
    fake.add(node(allocatable="24684092Ki"), _api(scenario, resources, **options))
    fake.add(pod("churn-api-7d9c6b5f4-x2x7k", ["python", "-m", "churn.serve"], labels={"app": "churn-api"}))
    if pending:
        fake.add(pod("churn-api-5b8f9c7d6-q4r2t", ["python", "-m", "churn.serve"], phase="Pending",
                     labels={"app": "churn-api"}))  # fmt: skip


@full("pending_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put_api(fake, "pending", FITS)
    return {}


@half("pending_ex1", says="the churn API runs (not yet: its Pod is Pending, and the Deployment is as the team left it)")
def pending_ex1_as_the_team_left_it(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put_api(fake, "pending", None, ready=False, generation=1, pending=True)
    return {}


@half("pending_ex1", says="its memory request fits on a node (it asks for 100Gi; the largest node offers 23.5Gi)")
def pending_ex1_halved_but_still_too_much(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    too_much = {"requests": {"cpu": "100m", "memory": "100Gi"}, "limits": {"memory": "100Gi"}}
    _put_api(fake, "pending", too_much, ready=False, pending=True)
    return {}


@half("pending_ex1", says="its cpu request fits on a node (it asks for 64 CPU; the largest node offers 2 CPU)")
def pending_ex1_memory_fixed_cpu_too_much(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put_api(fake, "pending", {**FITS, "requests": {"cpu": "64", "memory": "256Mi"}}, ready=False, pending=True)
    fake.add(node(allocatable="24684092Ki"))
    fake.read_node("kds").status.allocatable["cpu"] = "2"
    return {}


@half("pending_ex1", says="it still asks for memory (a request), so the scheduler keeps room for it")
def pending_ex1_no_requests_at_all(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put_api(fake, "pending", {})
    return {}


@half("pending_ex1", says="the rollout finished: every replica runs the new template and is ready (1 of 1 updated, 0")
def pending_ex1_new_pod_not_ready_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put_api(fake, "pending", FITS, ready=False)
    return {}


@half("pending_ex1", says="no Pod of churn-api is Pending (1 still Pending)")
def pending_ex1_an_old_pod_still_pending(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put_api(fake, "pending", FITS, pending=True)
    return {}


@half("pending_ex1", says="there is a Deployment named churn-api")
def pending_ex1_deleted(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("deployment", "churn-api")
    return {}


@full("pending_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put_api(fake, "pending-gpu", FITS)
    return {}


@half("pending_ex2", says="the churn API runs (not yet: its Pod is Pending, and the Deployment is as the team left it)")
def pending_ex2_as_the_team_left_it(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put_api(fake, "pending-gpu", None, ready=False, generation=1, pending=True)
    return {}


@half("pending_ex2", says="its template asks for no GPU (nvidia.com/gpu) (it asks for 2)")
def pending_ex2_memory_raised_gpu_kept(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    gpus = {"requests": {"memory": "512Mi"}, "limits": {"memory": "512Mi", "nvidia.com/gpu": "2"}}
    _put_api(fake, "pending-gpu", gpus, ready=False, pending=True)
    return {}


@half("pending_ex2", says="it still asks for memory (a request)")
def pending_ex2_whole_resources_block_removed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put_api(fake, "pending-gpu", {})
    return {}


@half("pending_ex2", says="no Pod of churn-api is Pending")
def pending_ex2_gpu_set_to_zero_but_old_pod_left(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put_api(fake, "pending-gpu", {**FITS, "limits": {"memory": "256Mi", "nvidia.com/gpu": "0"}}, pending=True)
    return {}


def _storage(claim_class: str | None, *, phase: str = "Bound", done: bool = True, printed: str = TRAINED) -> Any:
    """Put the claim models (of `claim_class`), the StorageClass standard, and the Job train with its Pod."""
    docs = _docs("pending-storage")

    def put(fake: FakeCluster) -> None:
        claim = docs["PersistentVolumeClaim"]
        claim["spec"]["storageClassName"] = claim_class
        standard = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "standard"},
                    "provisioner": "rancher.io/local-path"}  # fmt: skip
        fake.add(typed(claim, status={"phase": phase}), typed(standard))
        fake.add(typed(docs["Job"], status={"succeeded": 1} if done else {"active": 1}))
        fake.add(pod("train-h7x2m", phase="Succeeded" if done else "Pending", labels={"job-name": "train"}))
        fake.print("train-h7x2m", printed)

    return put


@full("pending_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _storage("standard")(fake)
    return {}


@half("pending_ex3", says="the Job trained the model and saved it on the claim (not yet: the claim is as the team")
def pending_ex3_as_the_team_left_it(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _storage("fast-ssd", phase="Pending", done=False)(fake)
    return {}


@half("pending_ex3", says="its StorageClass exists in this cluster (ssd does not")
def pending_ex3_made_again_with_another_missing_class(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _storage("ssd", phase="Pending", done=False)(fake)
    return {}


@half("pending_ex3", says="the Job completed (not yet)")
def pending_ex3_claim_fixed_job_still_running(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _storage("standard", done=False)(fake)
    return {}


@half("pending_ex3", says="its logs say 'saved the model to /models/model.joblib'")
def pending_ex3_a_job_that_saves_nothing(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _storage("standard", printed="hello\n")(fake)
    return {}


@half("pending_ex3", says="there is a PersistentVolumeClaim named models")
def pending_ex3_claim_deleted_not_recreated(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("persistent_volume_claim", "models")
    return {}
