"""Check cases of the lab on crash loops (see check_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod, typed

from kdsutils.labs._example import churn_api
from kdsutils.labs.crashloop import SAVED_AT, nightly_scoring, sweep_run

SERVE = ["python", "-m", "churn.serve"]
LOADED = f"loaded the model from {SAVED_AT}\nserving on port 8000: GET /health, POST /predict\n"


def _status(restarts: int, *, ready: bool) -> dict[str, Any]:
    """The status of a Pod with one container restarted `restarts` times."""
    container = {"name": "churn-api", "image": "x", "imageID": "", "ready": ready, "restartCount": restarts}
    return {"containerStatuses": [container], "conditions": [{"type": "Ready", "status": str(ready)}]}


def _server(fake: FakeCluster, model_path: str | None = SAVED_AT, *, restarts: int = 0, ready: bool = True,
            printed: str = LOADED) -> None:  # fmt: skip
    """Put churn-api (told MODEL_PATH=`model_path`), its rollout status, and one Pod that printed `printed`."""
    manifest = next(yaml.safe_load_all(churn_api(env={"MODEL_PATH": model_path} if model_path else None)))
    count = int(ready)
    status = {"observedGeneration": 2, "replicas": 1, "updatedReplicas": 1, "readyReplicas": count}
    fake.add(typed(manifest, status=status, generation=2))
    fake.add(pod("churn-api-7b94-x2x7k", SERVE, labels={"app": "churn-api"}, status=_status(restarts, ready=ready)))
    fake.print("churn-api-7b94-x2x7k", printed)


@full("crashloop_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _server(fake)
    return {}


@half("crashloop_ex1", says="the rollout finished: every replica runs the newest template and is ready (1 of 1")
def crashloop_ex1_still_crashing(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _server(fake, "/models/churn.joblib", restarts=5, ready=False, printed="")
    return {}


@half("crashloop_ex1", says="the server has not restarted since the fix (its Pods restarted 1 times)")
def crashloop_ex1_restarted_since(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _server(fake, restarts=1)
    return {}


@half("crashloop_ex1", says="the server is told which model file to load")
def crashloop_ex1_model_path_removed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _server(fake, None, printed="trained a model on 2000 customers at start (c=1)\n")
    return {}


@half("crashloop_ex1", says=f"its logs say 'loaded the model from {SAVED_AT}'")
def crashloop_ex1_another_file(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _server(fake, "/models/old.joblib", printed="loaded the model from /models/old.joblib\n")
    return {}


# ---------------------------------------------------------------------------- crashloop_ex2: the nightly scoring

SCORED = "no model file given: trained one on 2000 customers\nscored 200 customers for 2026-12-02: 41 likely to churn"


def _scoring(fake: FakeCluster, threshold: str, *, runs: dict[str, tuple[str, bool]] | None = None) -> None:
    """Put the CronJob with THRESHOLD=`threshold`, and its runs by name: (their THRESHOLD, completed)."""
    cron = nightly_scoring(threshold)
    fake.add(typed(cron))
    for name, (value, done) in (runs or {}).items():
        job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name},
               "spec": nightly_scoring(value)["spec"]["jobTemplate"]["spec"]}  # fmt: skip
        owner = [{"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly-scoring", "uid": "1"}]
        fake.add(typed(job, status={"succeeded": 1} if done else {"active": 1}, ownerReferences=owner))
        fake.add(pod(f"{name}-q8w2n", phase="Succeeded" if done else "Running", labels={"job-name": name}))
        fake.print(f"{name}-q8w2n", f"{SCORED} (threshold {value})\n" if done else "")


@full("crashloop_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _scoring(fake, "0.7", runs={"nightly-scoring-test": ("0.7", True)})
    return {}


@half("crashloop_ex2", says="a run of the nightly scoring completes (its runs still crash as they did")
def crashloop_ex2_untouched(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _scoring(fake, "70%", runs={"nightly-scoring-test": ("70%", False)})
    return {}


@half("crashloop_ex2", says="its threshold is 0.7, the 70 % Priya meant (it is 70)")
def crashloop_ex2_seventy(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _scoring(fake, "70", runs={"nightly-scoring-test": ("70", True)})
    return {}


@half("crashloop_ex2", says="no run of the old template is still restarting (nightly-scoring-test still is")
def crashloop_ex2_broken_run_left(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _scoring(fake, "0.7", runs={"nightly-scoring-test": ("70%", False), "scoring-now": ("0.7", True)})
    return {}


@half("crashloop_ex2", says="a run started from the fixed CronJob completed")
def crashloop_ex2_no_new_run(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _scoring(fake, "0.7")
    fake.delete("job", "nightly-scoring-test")
    return {}


# ---------------------------------------------------------------------------- crashloop_ex3: the sweep


def _sweep(fake: FakeCluster, c: str = "100", *, labelled: bool = True, succeeded: bool = True) -> None:
    """Put sweep-1 and sweep-2 (completed) and sweep-3 with --c `c`, with their Pods and scores."""
    for name, value, done in (("sweep-1", "0.1", True), ("sweep-2", "1", True), ("sweep-3", c, succeeded)):
        job = sweep_run(name, value)
        if not labelled and name == "sweep-3":
            job["metadata"]["labels"].pop("sweep")
        status = {"succeeded": 1} if done else {"failed": 3}
        fake.add(typed(job, status=status))
        fake.add(pod(f"{name}-k4m9p", phase="Succeeded" if done else "Failed", labels={"job-name": name}))
        fake.print(f"{name}-k4m9p", f"training on 5000 customers\nc={value} accuracy=0.799 auc=0.787\n" if done else "")


@full("crashloop_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _sweep(fake)
    return {}


@half("crashloop_ex3", says="sweep-3 completed (it is still the Job that failed")
def crashloop_ex3_untouched(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _sweep(fake, "0", succeeded=False)
    return {}


@half("crashloop_ex3", says="it trains with a C that scikit-learn accepts (a number above 0) (it asks for C = -1)")
def crashloop_ex3_negative(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _sweep(fake, "-1", succeeded=False)
    return {}


@half("crashloop_ex3", says="its C is larger than the other runs' (up to 1)")
def crashloop_ex3_stronger_regularization(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _sweep(fake, "0.01")
    return {}


@half("crashloop_ex3", says="it has the label sweep=c")
def crashloop_ex3_label_lost(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _sweep(fake, labelled=False)
    return {}


@half("crashloop_ex3", says="the Job completed (it failed")
def crashloop_ex3_failed_again(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _sweep(fake, "100", succeeded=False)
    return {}
