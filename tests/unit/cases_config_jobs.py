"""Check cases of the exercises on config, jobs (see check_cases.py)."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod, typed

from kdsutils import manifests


@full("config_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.configmap("model-config", {"THRESHOLD": 0.7})))
    script = "import os; print(os.environ['THRESHOLD'])"
    fake.add(pod("scorer", ["python3", "-c", script], phase="Succeeded", env_from=["configmap/model-config"]))
    fake.print("scorer", "0.7\n")
    return {}


@half("config_ex1", says="scorer gets THRESHOLD from the ConfigMap model-config")
def config_ex1_threshold_written_in(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    script = "import os; print(os.environ['THRESHOLD'])"
    fake.add(pod("scorer", ["python3", "-c", script], phase="Succeeded", env={"THRESHOLD": "0.7"}))
    return {}


@half("config_ex1", says="model-config sets THRESHOLD to 0.7 (it sets '0.5')")
def config_ex1_another_threshold(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.configmap("model-config", {"THRESHOLD": 0.5})))
    return {}


PASSWORD = "correct-horse"


@full("config_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.secret("db", {"password": PASSWORD})))
    script = "print(len(open('/etc/db/password').read()))"
    fake.add(pod("app", ["python3", "-c", script], phase="Succeeded", volumes={"/etc/db": "secret/db"}))
    fake.print("app", f"{len(PASSWORD)}\n")
    return {}


@half("config_ex2", says="app's logs do not show the password itself")
def config_ex2_prints_the_password(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print("app", f"{PASSWORD} has {len(PASSWORD)} characters\n")
    return {}


@half("config_ex2", says="app mounts the Secret db at /etc/db")
def config_ex2_mounted_elsewhere(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    script = "print(len(open('/secrets/password').read()))"
    fake.add(pod("app", ["python3", "-c", script], phase="Succeeded", volumes={"/secrets": "secret/db"}))
    return {}


TOKEN = "tok-8f14e45f-ceea-467a"


@full("config_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.secret("legacy-api", {"token": TOKEN})))
    return {"answer": TOKEN}


@half("config_ex3", says="that is the token still base64-encoded")
def config_ex3_not_decoded(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": base64.b64encode(TOKEN.encode()).decode()}


SWEEP = {10: 0.937, 50: 0.958, 200: 0.961}


def _finished_job(name: str, *, labels: dict[str, str] | None = None, env: dict[str, object] | None = None,
                  owner: str | None = None, **options: Any) -> Any:  # fmt: skip
    manifest = manifests.job(name, manifests.PYTHON_DS_IMAGE, ["python3", "-c", "..."], labels=labels, env=env,
                             **options)  # fmt: skip
    references = [{"apiVersion": "batch/v1", "kind": "CronJob", "name": owner, "uid": "1"}] if owner else []
    return typed(manifest, status={"succeeded": 1}, ownerReferences=references)


@full("jobs_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    for trees, accuracy in SWEEP.items():
        name = f"trees-{trees}"
        fake.add(_finished_job(name, labels={"sweep": "trees"}, env={"N_ESTIMATORS": trees}))
        fake.add(pod(f"{name}-x1", phase="Succeeded", labels={"job-name": name}))
        fake.print(f"{name}-x1", f"n_estimators={trees} accuracy={accuracy:.3f}\n")
    return {"answer": max(SWEEP.values())}


@half("jobs_ex1", says="there are three Jobs labelled sweep=trees (there are 2)")
def jobs_ex1_two_jobs(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("job", "trees-200")
    return {"answer": 0.958}


@half("jobs_ex1", says="is the best accuracy of the sweep")
def jobs_ex1_not_the_best(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": 0.937}


@full("jobs_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    cron = manifests.cronjob("nightly-score", manifests.PYTHON_DS_IMAGE, ["python3", "-c", "1"], schedule="30 2  * * *")
    fake.add(typed(cron), _finished_job("nightly-score-now", owner="nightly-score"), _finished_job("unrelated"))
    return {}


@half("jobs_ex2", says="a Job created from it has completed (no Job was created from it yet)")
def jobs_ex2_never_run(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("job", "nightly-score-now")
    return {}


@half("jobs_ex2", says="it runs every day at 02:30 (its schedule is '30 14 * * *')")
def jobs_ex2_in_the_afternoon(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    cron = manifests.cronjob("nightly-score", manifests.PYTHON_DS_IMAGE, ["python3", "-c", "1"], schedule="30 14 * * *")
    fake.add(typed(cron))
    return {}
