"""Check cases of the exercises on pods, yaml (see check_cases.py)."""

from __future__ import annotations

import importlib
import json
import subprocess
from collections.abc import Callable
from typing import Any

import pytest
from check_cases import FULL, Answers, full, half
from test_checks_fakes import FakeCluster, pod, typed

from kdsutils import manifests

# ---------------------------------------------------------------------------- pods (lesson 11)


@full("pods_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    pandas = importlib.import_module("kdsutils.checks.pods")._pinned("pandas") or "2.2.3"
    command = ["python", "-c", "import pandas; print(pandas.__version__)"]
    fake.add(pod("pandas-version", args=command, phase="Succeeded", restart_policy="OnFailure"))
    fake.print("pandas-version", f"{pandas}\n")
    return {}


@half("pods_ex1", says="it is started again only if it fails, and stops for good once it succeeds "
      "(restartPolicy OnFailure) (its restartPolicy is Never)")  # fmt: skip
def pods_ex1_never_retried(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    pandas = importlib.import_module("kdsutils.checks.pods")._pinned("pandas") or "2.2.3"
    command = ["python", "-c", "import pandas; print(pandas.__version__)"]
    fake.add(pod("pandas-version", args=command, phase="Succeeded", restart_policy="Never"))
    fake.print("pandas-version", f"{pandas}\n")
    return {}


@half("pods_ex1", says="it has finished without error (its phase is Running")
def pods_ex1_restarts_for_ever(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("pandas-version", ["python3", "-c", "import pandas"], phase="Running"))
    return {}


@half("pods_ex1", says="its logs show the pandas version")
def pods_ex1_prints_something_else(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print("pandas-version", "hello\n")
    return {}


def _exec_answers(number: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(args: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        assert args[:2] == ["kubectl", "--context"] and "exec" in args and "serve" in args
        assert "customers(1000)" in args[-1]
        return subprocess.CompletedProcess(args, 0, stdout=f"{number}\n", stderr="")

    return run


@full("pods_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    monkeypatch.setattr("kdsutils.checks.pods.require_course_context", lambda: "kds-local")
    monkeypatch.setattr("kdsutils.checks.pods.run", _exec_answers("230"))
    fake.add(pod("serve", args=["python", "-m", "churn.serve"]))
    return {"answer": 230}


@half("pods_ex2", says="it is running, so you can exec into it (its phase is Pending)")
def pods_ex2_not_running_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("serve", args=["python", "-m", "churn.serve"], phase="Pending"))
    return {}


@half("pods_ex2", says="it runs the churn model server (python -m churn.serve) (it runs: sleep 3600)")
def pods_ex2_a_sleeping_pod(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("serve", ["sleep", "3600"]))
    return {}


@half("pods_ex2", says="your answer is how many of the first 1000 customers churned (not 227)")
def pods_ex2_a_number_from_elsewhere(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "227"}


@half("pods_ex2", says="no answer yet")
def pods_ex2_no_answer_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": None}


@half("pods_ex2", says="the check expects a whole number of customers")
def pods_ex2_a_share_not_a_count(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": 0.23}


def _scorer(day: str, *, phase: str = "Succeeded") -> Any:
    return pod("scorer", args=["python", "-m", "churn.score", "--day", day], phase=phase, restart_policy="Never")


@full("pods_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_scorer("2026-12-01"))
    fake.print("scorer", "no model file given: trained one on 2000 customers\n"
               "scored 200 customers for 2026-12-01: 31 likely to churn (threshold 0.5)\n")  # fmt: skip
    return {}


@half("pods_ex3", says="scorer has finished without error (its phase is Failed)")
def pods_ex3_still_the_broken_one(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_scorer("01/12/2026", phase="Failed"))
    fake.print("scorer", "ValueError: invalid literal for int() with base 10: '01/12/2026'\n")
    return {}


@half("pods_ex3", says="there is a Pod named scorer")
def pods_ex3_deleted_not_run_again(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("pod", "scorer")
    return {}


@half("pods_ex3", says="its logs report the scores of 2026-12-01 (they report 2026-11-30)")
def pods_ex3_another_day(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_scorer("2026-11-30"))
    fake.print("scorer", "scored 200 customers for 2026-11-30: 28 likely to churn (threshold 0.5)\n")
    return {}


@half("pods_ex3", says="it runs the nightly scorer (python -m churn.score)")
def pods_ex3_something_else_named_scorer(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("scorer", ["python", "-c", "print('scored 200 customers for 2026-12-01: 0')"], phase="Succeeded"))
    return {}


# ---------------------------------------------------------------------------- yaml (lesson 12)

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _applied(manifest: dict[str, Any], *, phase: str = "Running", in_file: dict[str, Any] | None = None) -> Any:
    """The Pod `manifest` as created with `kubectl apply -f`; the file kept may differ (`in_file`)."""
    kept = in_file if in_file is not None else manifest
    return typed(manifest, status={"phase": phase}, annotations={LAST_APPLIED: json.dumps(kept)})


def _applied_pod(name: str, team: str, *, in_file: str | None = None) -> Any:
    """A sleeping Pod created with `kubectl apply -f`, labelled `team`; its file may say another team."""
    manifest = manifests.pod(name, manifests.BUSYBOX_IMAGE, ["sleep", "3600"], labels={"team": team})
    kept = manifests.pod(name, manifests.BUSYBOX_IMAGE, ["sleep", "3600"], labels={"team": in_file or team})
    return _applied(manifest, in_file=kept)


def _train(name: str = "train", *, labels: dict[str, str], policy: str = "Never", args: list[str] | None = None,
           phase: str = "Succeeded", in_file: dict[str, str] | None = None) -> Any:  # fmt: skip
    """A churn.train Pod created with `kubectl apply -f`; its file's labels may differ (`in_file`)."""
    args = args or ["python", "-m", "churn.train"]
    manifest = manifests.pod(name, manifests.PYTHON_DS_IMAGE, args=args, labels=labels, restart_policy=policy)
    kept = manifests.pod(name, manifests.PYTHON_DS_IMAGE, args=args, labels=in_file or labels, restart_policy=policy)
    return _applied(manifest, phase=phase, in_file=kept)


@full("yaml_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_applied_pod("ingest", "data-eng"), _applied_pod("clean", "data-eng"), _train(labels={"team": "ml"}))
    return {}


@half("yaml_ex1", says="Pod train was created from a file with `kubectl apply -f`")
def yaml_ex1_one_pod_made_with_run(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("train", args=["python", "-m", "churn.train"], labels={"team": "ml"}, restart_policy="Never"))
    return {}


@half("yaml_ex1", says="Pod clean has the label team=data-eng (it has team=ml)")
def yaml_ex1_a_pod_in_the_wrong_team(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_applied_pod("clean", "ml"))
    return {}


@half("yaml_ex1", says="train is not started again once it has finished (restartPolicy Never or OnFailure) "
      "(its restartPolicy is Always)")  # fmt: skip
def yaml_ex1_train_restarts_for_ever(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_train(labels={"team": "ml"}, policy="Always", phase="Running"))
    return {}


@half("yaml_ex1", says="train runs the churn training (python -m churn.train) (it runs: sleep 3600)")
def yaml_ex1_train_only_sleeps(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_train(labels={"team": "ml"}, args=["sleep", "3600"], phase="Running"))
    return {}


@full("yaml_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    FULL["yaml_ex1"](fake, monkeypatch)
    return {"answer": "pod/ingest pod/clean"}


@half("yaml_ex2", says="your answer names exactly those Pods (missing clean)")
def yaml_ex2_one_name_missing(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": ["ingest"]}


@half("yaml_ex2", says="your answer names exactly those Pods (train should not be there)")
def yaml_ex2_one_name_too_many(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": ["clean", "ingest", "train"]}


@full("yaml_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    FULL["yaml_ex1"](fake, monkeypatch)
    fake.add(_applied_pod("clean", "ml"))
    return {}


@half("yaml_ex3", says="the file you last applied says team: data-eng")
def yaml_ex3_relabelled_without_the_file(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_applied_pod("clean", "ml", in_file="data-eng"))
    return {}


@half("yaml_ex3", says="Pod clean has the label team=ml (it has team=data-eng)")
def yaml_ex3_not_moved_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_applied_pod("clean", "data-eng"))
    return {}


def _score(labels: dict[str, str], *, day: str = "2026-12-01", phase: str = "Succeeded",
           in_file: dict[str, str] | None = None) -> Any:  # fmt: skip
    args = ["python", "-m", "churn.score", "--day", day]
    manifest = manifests.pod("score", manifests.PYTHON_DS_IMAGE, args=args, labels=labels, restart_policy="Never")
    kept = manifests.pod("score", manifests.PYTHON_DS_IMAGE, args=args, labels=in_file or labels,
                         restart_policy="Never")  # fmt: skip
    return _applied(manifest, phase=phase, in_file=kept)


@full("yaml_ex4")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_score({"team": "data-eng", "stage": "prod"}))
    fake.print("score", "scored 200 customers for 2026-12-01: 31 likely to churn (threshold 0.5)\n")
    return {}


@half("yaml_ex4", says="Pod score was created from a file with `kubectl apply -f`")
def yaml_ex4_made_with_run(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    args = ["python", "-m", "churn.score", "--day", "2026-12-01"]
    labels = {"team": "data-eng", "stage": "prod"}
    fake.add(pod("score", args=args, labels=labels, restart_policy="Never", phase="Succeeded"))
    return {}


@half("yaml_ex4", says="it carries the label stage=prod, in its file and in the cluster "
      "(the cluster says stage=prod, the file you applied stage=None)")  # fmt: skip
def yaml_ex4_labelled_by_hand_afterwards(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_score({"team": "data-eng", "stage": "prod"}, in_file={"team": "data-eng"}))
    return {}


@half("yaml_ex4", says="it has finished without error (its phase is Running)")
def yaml_ex4_still_scoring(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_score({"team": "data-eng", "stage": "prod"}, phase="Running"))
    return {}


@half("yaml_ex4", says="its logs report the scores of 2026-12-01 (they report 2026-12-02)")
def yaml_ex4_the_wrong_day(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_score({"team": "data-eng", "stage": "prod"}, day="2026-12-02"))
    fake.print("score", "scored 200 customers for 2026-12-02: 30 likely to churn (threshold 0.5)\n")
    return {}


def _sweep(fake: FakeCluster, *, c01: str = "c-sweep", c01_in_file: str | None = None) -> None:
    for name, value in (("train-c01", c01), ("train-c1", "c-sweep"), ("train-c10", "c-sweep")):
        in_file = {"experiment": c01_in_file} if name == "train-c01" and c01_in_file else None
        fake.add(_train(name, labels={"experiment": value}, in_file=in_file))
        fake.print(name, f"training on 5000 customers, 22.7% of them churned\nc={name[7:]} accuracy=0.8 auc=0.79\n")


@full("yaml_ex5")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _sweep(fake)
    return {}


@half("yaml_ex5", says="finds the three runs of the sweep (it finds 2: train-c1, train-c10)")
def yaml_ex5_as_it_was_started(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _sweep(fake, c01="c_sweep")
    return {}


@half("yaml_ex5", says="the file you last applied says experiment: c-sweep for each of them, as the cluster "
      "does (not for train-c01)")  # fmt: skip
def yaml_ex5_relabelled_without_the_file(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _sweep(fake, c01_in_file="c_sweep")
    return {}


@half("yaml_ex5", says="each of them has finished its training (not yet: train-c01)")
def yaml_ex5_rerun_still_training(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_train("train-c01", labels={"experiment": "c-sweep"}, phase="Running"))
    return {}
