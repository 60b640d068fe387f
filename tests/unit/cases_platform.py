"""Check cases of the exercises on talking to the platform team (see check_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
from check_cases import Answers, full, half
from test_checks_fakes import NS, FakeCluster, pod, typed

from kdsutils import manifests

API_RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "500m", "memory": "384Mi"}}
NIGHTLY_RESOURCES = {"requests": {"cpu": "300m", "memory": "384Mi"}, "limits": {"memory": "512Mi"}}
#: What runs: 500m, 896Mi, limits 1280Mi; one more API Pod adds 100m, 256Mi, 384Mi.
FITS = {"requests.cpu": "800m", "requests.memory": "1280Mi", "limits.memory": "2Gi"}


def _quota(**hard: str) -> Any:
    manifest = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "team-quota"}}
    return typed({**manifest, "spec": {"hard": hard}})


def _api(replicas: int = 2) -> Any:
    deploy = manifests.deployment("churn-api", manifests.PYTHON_DS_IMAGE, ["python", "-m", "churn.serve"],
                                  replicas=replicas, ports=[8000], resources=API_RESOURCES)  # fmt: skip
    return typed(deploy, status={"replicas": replicas, "readyReplicas": replicas})


def _nightly() -> Any:
    command = ["python", "-m", "churn.score", "--day", "2026-12-01"]
    cron = manifests.cronjob("nightly-score", manifests.PYTHON_DS_IMAGE, command, schedule="0 2 * * *",
                             resources=NIGHTLY_RESOURCES)  # fmt: skip
    return typed(cron)


def _running_example(fake: FakeCluster) -> None:
    fake.add(_api(), _nightly())


@full("platform_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _running_example(fake)
    fake.add(_quota(**FITS))
    return {}


@half("platform_ex1", says="there is a ResourceQuota named team-quota")
def platform_ex1_no_quota_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("resource_quota", "team-quota")
    return {}


@half("platform_ex1", says="requests.cpu covers what runs and one more churn-api Pod, and is at most twice what runs "
                           "(it is 500m: less than what runs plus one more churn-api Pod)")  # fmt: skip
def platform_ex1_exactly_what_runs(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_quota(**{"requests.cpu": "500m", "requests.memory": "896Mi", "limits.memory": "1280Mi"}))
    return {}


@half("platform_ex1", says="requests.memory covers what runs and one more churn-api Pod, and is at most twice what "
                           "runs (it is 768Mi: less than")  # fmt: skip
def platform_ex1_forgot_the_nightly_run(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_quota(**{"requests.cpu": "300m", "requests.memory": "768Mi", "limits.memory": "1152Mi"}))
    return {}


@half("platform_ex1", says="(it is 4: more than twice what runs)")
def platform_ex1_a_generous_guess(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_quota(**{"requests.cpu": "4", "requests.memory": "1280Mi", "limits.memory": "2Gi"}))
    return {}


@half("platform_ex1", says="it sets limits.memory (it does not")
def platform_ex1_no_memory_limit(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_quota(**{"requests.cpu": "800m", "requests.memory": "1280Mi"}))
    return {}


@half("platform_ex1", says="the running example runs here as the notebook deployed it (churn-api, 2 replicas; "
                           "nightly-score) (churn-api has 1 replica:")  # fmt: skip
def platform_ex1_scaled_down_to_fit(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_api(replicas=1))
    return {}


@half("platform_ex1", says="(nightly-score is missing")
def platform_ex1_nightly_deleted(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("cron_job", "nightly-score")
    return {}


SHARED_COMMAND = ["sh", "-c", "python -m churn.serve --model /models/churn.joblib"]


def _claim(mode: str = "ReadWriteOnce", phase: str = "Bound") -> Any:
    claim = typed(manifests.pvc("shared-models", "200Mi", access_modes=[mode]), status={"phase": phase})
    claim.spec.volume_name = "pvc-shared-models-1b2c" if phase == "Bound" else None
    return claim


def _shared_pod(*, phase: str = "Running", ready: bool = True, volumes: dict[str, str] | None = None) -> Any:
    running = {"name": "churn-api-shared", "image": "x", "imageID": "", "ready": ready, "restartCount": 0,
               "state": {"running": {}}}  # fmt: skip
    status = {"containerStatuses": [running]} if phase == "Running" else {}
    mounts = {"/models": "pvc/shared-models"} if volumes is None else volumes
    return pod("churn-api-shared", SHARED_COMMAND, phase=phase, volumes=mounts, status=status)


@full("platform_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim(), _shared_pod())
    return {"answer": "a StorageClass that supports ReadWriteMany, such as a shared file system"}


@half("platform_ex2", says="churn-api-shared is Running and ready (it is Pending: find out why with kubectl)")
def platform_ex2_as_set_up(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("ReadWriteMany", "Pending"), _shared_pod(phase="Pending"))
    return {"answer": None}


@half("platform_ex2", says="there is a PersistentVolumeClaim named shared-models")
def platform_ex2_claim_deleted_not_applied_again(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("persistent_volume_claim", "shared-models")
    fake.add(_shared_pod(phase="Pending"))
    return {}


@half("platform_ex2", says="there is a Pod named churn-api-shared")
def platform_ex2_pod_deleted_not_applied_again(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("pod", "churn-api-shared")
    return {}


@half("platform_ex2", says="the claim shared-models is Bound (it is Pending")
def platform_ex2_claim_fixed_pod_not_scheduled_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim(phase="Pending"), _shared_pod(phase="Pending"))
    return {}


@half("platform_ex2", says="churn-api-shared is Running and ready (it is Running, not ready yet")
def platform_ex2_still_training(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_shared_pod(ready=False))
    return {}


@half("platform_ex2", says="it mounts the claim shared-models (it mounts no claim")
def platform_ex2_claim_replaced_by_emptydir(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("ReadWriteMany", "Pending"), _shared_pod(volumes={"/models": "emptydir"}))
    return {}


@half("platform_ex2", says="no answer yet")
def platform_ex2_no_answer(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": None}


@half("platform_ex2", says="your answer names the access mode to ask the platform team for")
def platform_ex2_answer_asks_for_a_bigger_disk(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "more disk space"}


REQUEST = f"""
Team:       growth analytics (the churn model)
Contact:    ada@example.com, #growth-ds
Namespace:  {NS}
Workloads:  Deployment churn-api (2 replicas) behind a Service;
            CronJob nightly-score, 02:00
Resources:  requests.cpu 800m, requests.memory 1.25Gi, limits.memory 2Gi
            (what runs: 500m, 896Mi, 1280Mi; plus one API Pod for rollouts)
Access:     the ClusterRole edit, by a RoleBinding in our namespace
Storage:    200Mi that several Pods mount at once: a StorageClass with ReadWriteMany
Network:    churn.growth.example.com to Service churn-api port 8000, with TLS
GPU:        none (scikit-learn)
Timeline:   dev this month
"""


@full("platform_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _running_example(fake)
    fake.add(_quota(**FITS))
    return {"request": REQUEST}


@half("platform_ex3", says="your request fills in the template's fields (all are empty so far)")
def platform_ex3_the_empty_template(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"request": "Team:\nContact: <who>\nNamespace:\nWorkloads:\nResources:\nAccess:\nStorage:\nNetwork:\n"}


@half("platform_ex3", says="pass your request as text")
def platform_ex3_nothing_passed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"request": None}


@half("platform_ex3", says="it fills in every field of the template (empty or missing: GPU, Timeline)")
def platform_ex3_two_fields_left_out(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"request": REQUEST.replace("GPU:        none (scikit-learn)\nTimeline:   dev this month\n", "GPU:\n")}


@half("platform_ex3", says=f"Namespace: names your namespace, {NS} (it says 'growth-churn')")
def platform_ex3_the_lesson_example_namespace(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"request": REQUEST.replace(f"Namespace:  {NS}", "Namespace:  growth-churn")}


@half("platform_ex3", says="(it does not name nightly-score)")
def platform_ex3_forgot_the_nightly_run(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"request": REQUEST.replace("CronJob nightly-score, 02:00", "and a nightly job")}


@half("platform_ex3", says="Resources: carries the figures of your quota team-quota (exercise 1) (missing: "
                           "requests.cpu 800m, requests.memory 1280Mi)")  # fmt: skip
def platform_ex3_figures_of_the_lesson(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    lesson = "\nResources:  requests.cpu 2, requests.memory 2Gi, limits.memory 3Gi\n"
    return {"request": "\n".join(line for line in REQUEST.splitlines() if "what runs" not in line
                                  and not line.startswith("Resources:")) + lesson}  # fmt: skip


@half("platform_ex3", says="(there is none: do exercise 1 first)")
def platform_ex3_no_quota(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("resource_quota", "team-quota")
    return {}


@half("platform_ex3", says="Access: asks for the built-in role that lets you deploy in your namespace, and no more "
                           "(it names cluster-admin")  # fmt: skip
def platform_ex3_asks_for_everything(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"request": REQUEST.replace("the ClusterRole edit, by a RoleBinding", "cluster-admin, to be safe,")}


@half("platform_ex3", says="Storage: asks for storage that several Pods can share")
def platform_ex3_any_disk(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"request": REQUEST.replace("several Pods mount at once: a StorageClass with ReadWriteMany", "of disk")}


@half("platform_ex3", says="Network: names a hostname, and asks for TLS (it does not say how the traffic is secured)")
def platform_ex3_plain_http(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"request": REQUEST.replace(", with TLS", "")}
