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


@full("pods_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    pandas = importlib.import_module("kdsutils.checks.pods")._pinned("pandas") or "2.2.3"
    command = ["python3", "-c", "import pandas; print(pandas.__version__)"]
    fake.add(pod("pandas-version", command, phase="Succeeded", restart_policy="Never"))
    fake.print("pandas-version", f"{pandas}\n")
    return {}


@half("pods_ex1", says="it runs once and stops (restartPolicy is Always)")
def pods_ex1_restarts_for_ever(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("pandas-version", ["python3", "-c", "import pandas"], phase="Running"))
    return {}


def _exec_answers(version: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(args: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        assert args[:2] == ["kubectl", "--context"] and "exec" in args and "toolbox" in args
        return subprocess.CompletedProcess(args, 0, stdout=f"{version}\n", stderr="")

    return run


@full("pods_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    monkeypatch.setattr("kdsutils.checks.pods.require_course_context", lambda: "kds-local")
    monkeypatch.setattr("kdsutils.checks.pods.run", _exec_answers("1.6.1"))
    fake.add(pod("toolbox", ["sleep", "3600"]))
    return {"answer": "1.6.1"}


@half("pods_ex2", says="it is running, so you can exec into it (its phase is Pending)")
def pods_ex2_not_running_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("toolbox", ["sleep", "3600"], phase="Pending"))
    return {}


@half("pods_ex2", says="'1.5.0' is not the scikit-learn version installed in toolbox")
def pods_ex2_a_version_from_elsewhere(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "1.5.0"}


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _applied_pod(name: str, team: str, *, in_file: str | None = None) -> Any:
    """A Pod created with `kubectl apply -f`, labelled `team`; its file may say another team."""
    manifest = manifests.pod(name, manifests.BUSYBOX_IMAGE, ["sleep", "3600"], labels={"team": team})
    kept = manifests.pod(name, manifests.BUSYBOX_IMAGE, ["sleep", "3600"], labels={"team": in_file or team})
    return typed(manifest, status={"phase": "Running"}, annotations={LAST_APPLIED: json.dumps(kept)})


@full("yaml_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_applied_pod("ingest", "data-eng"), _applied_pod("clean", "data-eng"), _applied_pod("train", "ml"))
    return {}


@half("yaml_ex1", says="Pod train was created from a file with `kubectl apply -f`")
def yaml_ex1_one_pod_made_with_run(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("train", ["sleep", "3600"], labels={"team": "ml"}))
    return {}


@half("yaml_ex1", says="Pod clean has the label team=data-eng (it has team=ml)")
def yaml_ex1_a_pod_in_the_wrong_team(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_applied_pod("clean", "ml"))
    return {}


@full("yaml_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    FULL["yaml_ex1"](fake, monkeypatch)
    return {"answer": "pod/ingest pod/clean"}


@half("yaml_ex2", says="your answer names exactly those Pods (missing clean)")
def yaml_ex2_one_name_missing(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": ["ingest"]}


@full("yaml_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    FULL["yaml_ex1"](fake, monkeypatch)
    fake.add(_applied_pod("clean", "ml"))
    return {}


@half("yaml_ex3", says="the file you last applied says team: data-eng")
def yaml_ex3_relabelled_without_the_file(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_applied_pod("clean", "ml", in_file="data-eng"))
    return {}
