"""Check cases of the exercises on storage (see check_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod, ran, typed

from kdsutils import manifests


def _claim(name: str, size: str, phase: str = "Bound") -> Any:
    status = {"phase": phase}
    claim = typed(manifests.pvc(name, size), status=status)
    claim.spec.volume_name = f"pvc-{name}-1b2c" if phase == "Bound" else None
    return claim


@full("storage_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("datasets", "500Mi"))
    return {}


@half("storage_ex1", says="it is Bound (it is Pending")
def storage_ex1_waiting_for_a_pod(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("datasets", "500Mi", phase="Pending"))
    return {}


@half("storage_ex1", says="it asks for 500Mi of storage (it asks for 1Gi)")
def storage_ex1_the_default_size(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("datasets", "1Gi"))
    return {}


WRITE = "import joblib; joblib.dump(model, '/artifacts/model.joblib'); print('saved')"
READ = "import joblib; model = joblib.load('{}'); print('loaded', type(model).__name__)"


def _storage_pod(name: str, script: str, claim: str, started: str, finished: str) -> Any:
    return pod(name, ["python3", "-c", script], phase="Succeeded", restart_policy="Never",
               volumes={"/artifacts": f"pvc/{claim}"}, status=ran(name, started, finished))  # fmt: skip


@full("storage_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("artifacts", "200Mi"))
    fake.add(_storage_pod("writer", WRITE, "artifacts", "10:00:00", "10:00:05"))
    fake.add(_storage_pod("reader", READ.format("/artifacts/model.joblib"), "artifacts", "10:00:07", "10:00:09"))
    fake.print("reader", "loaded DecisionTreeClassifier\n")
    return {}


@half("storage_ex2", says="reader mounts the claim artifacts")
def storage_ex2_reader_on_another_claim(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_storage_pod("reader", READ.format("/artifacts/model.joblib"), "scratch", "10:00:07", "10:00:09"))
    return {}


@half("storage_ex2", says="reader loads from /artifacts, on the claim")
def storage_ex2_reader_loads_from_tmp(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_storage_pod("reader", READ.format("/tmp/model.joblib"), "artifacts", "10:00:07", "10:00:09"))
    return {}


@half("storage_ex2", says="reader loads the file writer saved (writer saves model.joblib, reader loads old.joblib)")
def storage_ex2_reader_loads_another_file(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_storage_pod("reader", READ.format("/artifacts/old.joblib"), "artifacts", "10:00:07", "10:00:09"))
    return {}


@half("storage_ex2", says="reader started after writer had finished")
def storage_ex2_reader_did_not_wait(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_storage_pod("reader", READ.format("/artifacts/model.joblib"), "artifacts", "10:00:01", "10:00:03"))
    return {}


@half("storage_ex2", says="reader printed 'loaded <the model's class name>'")
def storage_ex2_reader_prints_nothing(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print("reader", "")
    return {}


@half("storage_ex2", says="there is a Pod named reader")
def storage_ex2_no_reader_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("pod", "reader")
    return {}
