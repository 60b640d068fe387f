"""Check cases of the exercises on storage (see check_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod, ran, typed

from kdsutils import manifests


def _claim(name: str, size: str = "200Mi", phase: str = "Bound", storage_class: str | None = None) -> Any:
    claim = typed(manifests.pvc(name, size, storage_class=storage_class), status={"phase": phase})
    claim.spec.volume_name = f"pvc-{name}-1b2c" if phase == "Bound" else None
    return claim


WRITE = ["python", "-m", "churn.train", "--c", "0.3", "--out", "/artifacts/churn.joblib"]
WROTE = (
    "training on 5000 customers, 22.7% of them churned\nsaved the model to /artifacts/churn.joblib\n"
    "c=0.3 accuracy=0.799 auc=0.786\n"
)
READ = "from churn.model import load; model, facts = load('{}'); print('loaded', type(model).__name__, facts)"
READ_OUT = "loaded Pipeline {'c': 0.3, 'rows': 5000, 'auc': 0.786}\n"


def _run(name: str, command: list[str], *, claim: str = "artifacts", at: str = "/artifacts",
         started: str, finished: str, job: bool = False) -> Any:  # fmt: skip
    """A Pod that mounted `claim` at `at` and ran `command` to completion; with `job`, a Job's Pod."""
    pod_name = f"{name}-k4z8q" if job else name
    labels = {"job-name": name} if job else None
    return pod(pod_name, command, phase="Succeeded", restart_policy="Never", labels=labels,
               volumes={at: f"pvc/{claim}"}, status=ran(pod_name, started, finished))  # fmt: skip


def _writer_and_reader(fake: FakeCluster, *, read: str = "/artifacts/churn.joblib", reader_starts: str = "10:00:07",
                       wrote: str = WROTE, read_out: str = READ_OUT) -> None:  # fmt: skip
    """The writer as a Job (its Pod has a generated name), the reader as a bare Pod: the check takes either."""
    fake.add(_run("writer", WRITE, started="10:00:00", finished="10:00:05", job=True))
    fake.add(_run("reader", ["python", "-c", READ.format(read)], started=reader_starts, finished="10:00:09"))
    fake.print("writer-k4z8q", wrote)
    fake.print("reader", read_out)


@full("storage_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("artifacts"))
    _writer_and_reader(fake)
    return {}


@half("storage_ex1", says="there is a PersistentVolumeClaim named artifacts")
def storage_ex1_no_claim_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("persistent_volume_claim", "artifacts")
    return {}


@half("storage_ex1", says="the claim artifacts is Bound (it is Pending")
def storage_ex1_claim_waits_for_a_pod(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("artifacts", phase="Pending"))
    return {}


@half("storage_ex1", says="there is a Pod (or a Job) named reader")
def storage_ex1_no_reader_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("pod", "reader")
    return {}


@half("storage_ex1", says="reader mounts the claim artifacts")
def storage_ex1_reader_on_another_claim(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_run("reader", ["python", "-c", READ.format("/artifacts/churn.joblib")], claim="scratch",
                  started="10:00:07", finished="10:00:09"))  # fmt: skip
    return {}


@half("storage_ex1", says="writer saved the model under /artifacts, on the claim (it saved to /tmp/churn.joblib)")
def storage_ex1_writer_saves_to_tmp(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print("writer-k4z8q", WROTE.replace("/artifacts/churn.joblib", "/tmp/churn.joblib"))
    return {}


@half("storage_ex1", says="writer trained with --c 0.3 (it printed c=1)")
def storage_ex1_writer_default_c(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print("writer-k4z8q", WROTE.replace("c=0.3", "c=1"))
    return {}


@half("storage_ex1", says="reader loads /artifacts/churn.joblib, the file writer saved")
def storage_ex1_reader_loads_another_file(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _writer_and_reader(fake, read="/artifacts/old.joblib")
    return {}


@half("storage_ex1", says="reader started after writer had finished")
def storage_ex1_reader_did_not_wait(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _writer_and_reader(fake, reader_starts="10:00:01")
    return {}


@half("storage_ex1", says="reader printed the loaded model's facts (c 0.3, auc 0.786, as writer reported)")
def storage_ex1_reader_prints_nothing_useful(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _writer_and_reader(fake, read_out="loaded Pipeline\n")
    return {}


@half("storage_ex1", says="reader printed the loaded model's facts")
def storage_ex1_reader_trained_its_own(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _writer_and_reader(fake, read_out="loaded Pipeline {'c': 1.0, 'rows': 5000, 'auc': 0.787}\n")
    return {}


SERVE = ["python", "-m", "churn.serve", "--model", "/models/churn.joblib"]
SERVED = "loaded the model from /models/churn.joblib\nserving on port 8000: GET /health, POST /predict\n"


def _api(name: str, command: list[str], *, volumes: dict[str, str] | None, ready: bool = True) -> list[Any]:
    """A Deployment `name` with one Pod, ready or not."""
    deploy = manifests.deployment(name, manifests.PYTHON_DS_IMAGE, command, ports=[8000], volumes=volumes)
    counts = {"replicas": 1, "updatedReplicas": 1, "readyReplicas": int(ready), "availableReplicas": int(ready)}
    status = {"containerStatuses": [{"name": name, "image": "x", "imageID": "", "ready": ready, "restartCount": 0,
                                     "state": {"running": {}}}]}  # fmt: skip
    running = pod(f"{name}-6f7c9d8b5-w2m4x", command, labels={"app": name}, volumes=volumes, status=status,
                  phase="Running" if ready else "Pending")  # fmt: skip
    return [typed(deploy, status=counts), running]


@full("storage_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("models"), *_api("churn-api", SERVE, volumes={"/models": "pvc/models"}))
    fake.print("churn-api-6f7c9d8b5-w2m4x", SERVED)
    return {}


@half("storage_ex2", says="there is a Deployment named churn-api")
def storage_ex2_nothing_applied(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("deployment", "churn-api")
    return {}


@half("storage_ex2", says="its Pods mount the claim models")
def storage_ex2_no_volume(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(*_api("churn-api", SERVE, volumes=None, ready=False))
    return {}


@half("storage_ex2", says="the server is given the model file /data/churn.joblib")
def storage_ex2_mounted_elsewhere(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(*_api("churn-api", SERVE, volumes={"/data": "pvc/models"}, ready=False))
    return {}


@half("storage_ex2", says="its logs say 'loaded the model from /models/churn.joblib' (it trained a model of its own")
def storage_ex2_no_model_argument(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    serve = ["sh", "-c", "ls /models/churn.joblib; python -m churn.serve"]
    fake.add(*_api("churn-api", serve, volumes={"/models": "pvc/models"}))
    fake.print("churn-api-6f7c9d8b5-w2m4x", "trained a model on 2000 customers at start (c=1)\n")
    return {}


@half("storage_ex2", says="(they say nothing yet: it is still starting, run the check again in a moment)")
def storage_ex2_still_loading(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print("churn-api-6f7c9d8b5-w2m4x", "")
    return {}


@half("storage_ex2", says="a Pod of the new template is ready (0 ready)")
def storage_ex2_not_ready_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(*_api("churn-api", SERVE, volumes={"/models": "pvc/models"}, ready=False))
    return {}


V2 = ["sh", "-c", "python -m churn.serve --model /models/churn.joblib"]


def _v2(*, ready: bool = True, phase: str = "Running") -> Any:
    """The Pod churn-api-v2, mounting the claim models-v2."""
    running = {"name": "churn-api-v2", "image": "x", "imageID": "", "ready": ready, "restartCount": 0,
               "state": {"running": {}}}  # fmt: skip
    status = {"containerStatuses": [running]} if phase == "Running" else {}
    return pod("churn-api-v2", V2, phase=phase, volumes={"/models": "pvc/models-v2"}, status=status)


@full("storage_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("models-v2", storage_class="standard"), _v2())
    return {}


@half("storage_ex3", says="churn-api-v2 is Running and ready (it is Pending: find out why with kubectl)")
def storage_ex3_as_brought(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("models-v2", phase="Pending", storage_class="fast-ssd"), _v2(phase="Pending"))
    return {}


@half("storage_ex3", says="there is a PersistentVolumeClaim named models-v2")
def storage_ex3_claim_deleted_not_applied_again(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("persistent_volume_claim", "models-v2")
    fake.add(_v2(phase="Pending"))
    return {}


@half("storage_ex3", says="the claim models-v2 is Bound (it is Pending: storageClassName premium")
def storage_ex3_another_missing_class(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("models-v2", phase="Pending", storage_class="premium"), _v2(phase="Pending"))
    return {}


@half("storage_ex3", says="churn-api-v2 is Running and ready (it is Running, not ready yet)")
def storage_ex3_bound_but_still_training(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_v2(ready=False))
    return {}


@half("storage_ex3", says="there is a Pod named churn-api-v2")
def storage_ex3_pod_deleted(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("pod", "churn-api-v2")
    return {}
