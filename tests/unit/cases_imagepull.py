"""Check cases of lab 31, imagepull (see check_cases.py): the labs' own manifests, fixed or not."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod, typed

from kdsutils.labs import imagepull
from kdsutils.manifests import PYTHON_DS_IMAGE

API_POD = "churn-api-7d9c6b5f4-x2x7k"
TRAINED = "training on 2000 customers, 23.1% of them churned\nc=1 accuracy=0.793 auc=0.773\n"


def waiting(reason: str, name: str = "churn-api") -> dict[str, Any]:
    """The status of a Pod whose container waits to start with `reason`."""
    state = {"waiting": {"reason": reason, "message": "..."}}
    return {"containerStatuses": [{"name": name, "image": "x", "imageID": "", "ready": False, "restartCount": 0,
                                   "state": state}]}  # fmt: skip


def put_api(fake: FakeCluster, text: str, *, ready: bool, status: dict[str, Any] | None = None) -> None:
    """Store the Deployment of a lab's YAML `text`, rolled out (`ready` or not), and its one Pod."""
    deployment = next(doc for doc in yaml.safe_load_all(text) if doc["kind"] == "Deployment")
    counts = {"replicas": 1, "updatedReplicas": 1, "readyReplicas": int(ready), "observedGeneration": 2}
    fake.add(typed(deployment, status=counts, generation=2))
    pod_status = {"conditions": [{"type": "Ready", "status": "True"}]} if ready else (status or {})
    fake.add(pod(API_POD, ["python", "-m", "churn.serve"], phase="Running" if ready else "Pending",
                 labels={"app": "churn-api"}, status=pod_status))  # fmt: skip


def _set(text: str, **fields: Any) -> str:
    """The lab's YAML with container fields of its Deployment changed, as a learner's fix does (pure)."""
    docs = list(yaml.safe_load_all(text))
    for doc in docs:
        if doc["kind"] == "Deployment":
            doc["spec"]["template"]["spec"]["containers"][0].update(fields)
    return yaml.safe_dump_all(docs)


# ------------------------------------------------------------------ imagepull_ex1: the tag, fixed


@full("imagepull_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    put_api(fake, _set(imagepull.imagepull(), image=PYTHON_DS_IMAGE), ready=True)
    return {}


@half("imagepull_ex1", says="the churn API runs, with a ready Pod (it still cannot start, as before")
def imagepull_ex1_as_the_lab_left_it(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    put_api(fake, imagepull.imagepull(), ready=False, status=waiting("ImagePullBackOff"))
    return {}


@half("imagepull_ex1", says="its container runs the course image kds.invalid/python-ds:2026.12 (it is kds.invalid/")
def imagepull_ex1_another_typo(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    put_api(fake, _set(imagepull.imagepull(), image="kds.invalid/python_ds:2026.12"), ready=False,
            status=waiting("ErrImagePull"))  # fmt: skip
    return {}


@half("imagepull_ex1", says="no Pod of churn-api is stuck waiting to start (1 still waiting: ImagePullBackOff)")
def imagepull_ex1_an_old_pod_still_waits(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("churn-api-5ffd95db49-q4w8n", labels={"app": "churn-api"}, phase="Pending",
                 status=waiting("ImagePullBackOff")))  # fmt: skip
    return {}


# ------------------------------------------------------------------ imagepull_ex2: Always, fixed


@full("imagepull_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    put_api(fake, _set(imagepull.imagepull_always(), imagePullPolicy="IfNotPresent"), ready=True)
    return {}


@half("imagepull_ex2", says="the churn API runs, with a ready Pod (it still cannot start, as before")
def imagepull_ex2_as_the_lab_left_it(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    put_api(fake, imagepull.imagepull_always(), ready=False, status=waiting("ImagePullBackOff"))
    return {}


@half("imagepull_ex2", says="its container runs the course image kds.invalid/python-ds:2026.12 (it is busybox")
def imagepull_ex2_another_image(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    put_api(fake, _set(imagepull.imagepull_always(), image="busybox"), ready=False, status=waiting("ErrImagePull"))
    return {}


@half("imagepull_ex2", says="(imagePullPolicy is not Always) (it is Always")
def imagepull_ex2_ready_by_luck(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    put_api(fake, imagepull.imagepull_always(), ready=True)
    return {}


# ------------------------------------------------------------------ imagepull_ex3: Sam's Job, on an image the node has


def put_train(fake: FakeCluster, image: str, *, done: bool, printed: str = TRAINED) -> None:
    """Store the Job train on `image`, completed (`done`) or waiting for its image, and its Pod."""
    job = next(yaml.safe_load_all(imagepull.imagepull_never()))
    job["spec"]["template"]["spec"]["containers"][0]["image"] = image
    fake.add(typed(job, status={"succeeded": 1} if done else {"active": 1}))
    status = {} if done else waiting("ErrImageNeverPull", "train")
    fake.add(pod("train-h7x2m", ["python", "-m", "churn.train"], phase="Succeeded" if done else "Pending",
                 labels={"job-name": "train"}, status=status))  # fmt: skip
    fake.print("train-h7x2m", printed if done else "")


@full("imagepull_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    put_train(fake, PYTHON_DS_IMAGE, done=True)
    return {}


@half("imagepull_ex3", says="the Job completed (it still cannot start, as before")
def imagepull_ex3_as_the_lab_left_it(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    put_train(fake, imagepull.SAMS_IMAGE, done=False)
    return {}


@half("imagepull_ex3", says="the Job completed (its Pod waits to start: ErrImageNeverPull)")
def imagepull_ex3_another_missing_image(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    put_train(fake, "kds.invalid/sam-churn:0.4", done=False)
    return {}


@half("imagepull_ex3", says="its logs end with the model's scores")
def imagepull_ex3_another_program(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    put_train(fake, PYTHON_DS_IMAGE, done=True, printed="hello\n")
    return {}


@half("imagepull_ex3", says="there is a Job named train")
def imagepull_ex3_deleted_not_created_again(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("job", "train")
    return {}
