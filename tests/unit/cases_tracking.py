"""Check cases of the exercises on experiment tracking (see check_cases.py).

MLflow's answers are faked at `tracking.mlflow_api`, the one place the checks call it.
"""

from __future__ import annotations

from typing import Any

import pytest
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, typed

from kdsutils import manifests
from kdsutils.checks import tracking


def _run(name: str, c: float | None, auc: float | None, *, status: str = "FINISHED", tags: dict | None = None) -> dict:
    params = [{"key": "c", "value": str(c)}] if c is not None else []
    metrics = [{"key": "auc", "value": auc}] if auc is not None else []
    return {"info": {"run_id": f"id-{name}", "run_name": name, "status": status},
            "data": {"params": params, "metrics": metrics,
                     "tags": [{"key": k, "value": v} for k, v in (tags or {}).items()]}}  # fmt: skip


class FakeMlflow:
    """MLflow's REST answers for one experiment, churn-ex, and its runs."""

    def __init__(self, runs: list[dict]) -> None:
        self.runs, self.experiment, self.answers = runs, True, True

    def __call__(self, path: str, body: dict | None = None) -> dict[str, Any] | None:
        if not self.answers:
            return None
        if path.startswith("experiments/get-by-name"):
            return {"experiment": {"experiment_id": "1", "name": "churn-ex"}} if self.experiment else {}
        return {"runs": self.runs}


SWEEP = [_run("c=0.03", 0.03, 0.788), _run("c=0.3", 0.3, 0.789), _run("c=3", 3.0, 0.786)]


def _mlflow(monkeypatch: pytest.MonkeyPatch, runs: list[dict]) -> FakeMlflow:
    fake = FakeMlflow(runs)
    monkeypatch.setattr(tracking, "mlflow_api", fake)
    return fake


@full("tracking_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _mlflow(monkeypatch, list(SWEEP))
    return {}


@half("tracking_ex1", says="MLflow has an experiment named churn-ex")
def tracking_ex1_no_experiment(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _mlflow(monkeypatch, []).experiment = False
    return {}


@half("tracking_ex1", says="MLflow answers as the Service tracking-mlflow")
def tracking_ex1_no_server(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _mlflow(monkeypatch, []).answers = False
    return {}


@half("tracking_ex1", says="C = 3 and its auc (finished runs with an auc have C = [0.03, 0.3])")
def tracking_ex1_one_failed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _mlflow(monkeypatch, [*SWEEP[:2], _run("c=3", 3.0, None, status="FAILED")])
    return {}


@full("tracking_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _mlflow(monkeypatch, [SWEEP[0], _run("c=0.3", 0.3, 0.789, tags={"chosen": "yes"}), SWEEP[2]])
    return {}


@half("tracking_ex2", says="its best run by auc (c=0.3) has the tag chosen=yes (the runs tagged so are: ['c=0.03'])")
def tracking_ex2_wrong_run(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _mlflow(monkeypatch, [_run("c=0.03", 0.03, 0.788, tags={"chosen": "yes"}), *SWEEP[1:]])
    return {}


@half("tracking_ex2", says="no other run is tagged chosen=yes")
def tracking_ex2_two_tagged(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    tagged = {"chosen": "yes"}
    _mlflow(monkeypatch, [_run("c=0.03", 0.03, 0.788, tags=tagged), _run("c=0.3", 0.3, 0.789, tags=tagged)])
    return {}


@half("tracking_ex2", says="it holds runs with an auc (exercise 1)")
def tracking_ex2_nothing_logged(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _mlflow(monkeypatch, [])
    return {}


def _nightly_job(fake: FakeCluster, condition: str) -> None:
    job = manifests.job("nightly-train", manifests.PYTHON_DS_IMAGE, ["python", "/code/track.py"])
    fake.add(typed(job, status={"conditions": [{"type": condition, "status": "True"}]}))


@full("tracking_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _nightly_job(fake, "Complete")
    _mlflow(monkeypatch, [*SWEEP, _run("nightly", 1.0, 0.787)])
    return {}


@half("tracking_ex3", says="the Job nightly-train completed (it has not: its logs say why)")
def tracking_ex3_as_found(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _nightly_job(fake, "Failed")
    _mlflow(monkeypatch, list(SWEEP))
    return {}


@half("tracking_ex3", says="there is a Job named nightly-train")
def tracking_ex3_no_job(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("job", "nightly-train")
    return {}
