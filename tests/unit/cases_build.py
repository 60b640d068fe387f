"""Check cases of the exercises on build (see check_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
from check_cases import FULL, Answers, full, half
from test_checks_fakes import FakeCluster, pod, typed

from kdsutils import manifests

MINE = "kds.invalid/churn-train:3"
NIGHTLY = "kds.invalid/nightly-train:1"


def _job(name: str, image: str, *, succeeded: int | None = 1) -> Any:
    """A Job as `kubectl create job NAME --image=IMAGE` makes it, finished or not."""
    status = {"succeeded": succeeded} if succeeded else {"active": 1}
    return typed(manifests.job(name, image), status=status)


def _job_pod(job: str, image: str, *, phase: str = "Succeeded", waiting: str | None = None) -> Any:
    """The Pod a Job started; `waiting` is the reason its container has not started."""
    status: dict[str, Any] = {}
    if waiting:
        state = {"waiting": {"reason": waiting}}
        status = {"containerStatuses": [{"name": job, "image": image, "imageID": "", "ready": False,
                                         "restartCount": 0, "state": state}]}  # fmt: skip
    return pod(f"{job}-x1", image=image, phase=phase, labels={"job-name": job}, status=status)


def _ran(fake: FakeCluster, job: str, image: str, printed: str) -> None:
    fake.add(_job(job, image), _job_pod(job, image))
    fake.print(f"{job}-x1", printed)


@full("build_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _ran(fake, "my-train", MINE, "trained gradient boosting on 3750 customers\nmodel=boosting auc=0.794\n")
    return {}


@half("build_ex1", says="it runs an image you built, not a course image (it runs kds.invalid/python-ds")
def build_ex1_the_course_image(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _ran(fake, "my-train", manifests.PYTHON_DS_IMAGE, "c=1 accuracy=0.799 auc=0.787\n")
    return {}


@half("build_ex1", says="its image names a version, not latest (kds.invalid/churn-train means")
def build_ex1_no_tag(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_job("my-train", "kds.invalid/churn-train", succeeded=None))
    return {}


@half("build_ex1", says="it has completed (its Pod my-train-x1 is waiting: ErrImagePull)")
def build_ex1_never_loaded(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_job("my-train", MINE, succeeded=None))
    fake.add(_job_pod("my-train", MINE, phase="Pending", waiting="ErrImagePull"))
    return {}


@half("build_ex1", says="its logs hold a score line, such as auc=0.812")
def build_ex1_prints_no_score(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print("my-train-x1", "trained gradient boosting on 3750 customers\n")
    return {}


@full("build_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    FULL["build_ex1"](fake, monkeypatch)
    _ran(fake, "my-train-terminal", MINE, "model=boosting auc=0.794\n")
    return {}


@half("build_ex2", says="it runs the same image as Job my-train (kds.invalid/churn-train:3) (it runs kds.invalid/")
def build_ex2_the_lesson_image(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _ran(fake, "my-train-terminal", "kds.invalid/churn-train:1", "max_depth=4 auc=0.781\n")
    return {}


@half("build_ex2", says="there is no Job my-train: do exercise 1 first")
def build_ex2_without_exercise_1(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("job", "my-train")
    return {}


@half("build_ex2", says="it has completed (it has no Pod yet)")
def build_ex2_just_created(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("pod", "my-train-terminal-x1")
    fake.add(_job("my-train-terminal", MINE, succeeded=None))
    return {}


@full("build_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _ran(fake, "nightly-train", NIGHTLY, "nightly training: auc=0.781\n")
    return {}


@half("build_ex3", says="it has completed (not yet)")
def build_ex3_still_pulling_latest(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    image = "kds.invalid/nightly-train"
    fake.add(_job("nightly-train", image, succeeded=None))
    fake.add(_job_pod("nightly-train", image, phase="Pending", waiting="ImagePullBackOff"))
    return {}


@half("build_ex3", says="it runs your colleague's image kds.invalid/nightly-train, with the version that was built")
def build_ex3_another_image(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _ran(fake, "nightly-train", manifests.PYTHON_DS_IMAGE, "hello\n")
    return {}
