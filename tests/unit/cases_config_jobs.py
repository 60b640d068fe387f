"""Check cases of the exercises on config, jobs (see check_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod, typed

from kdsutils import manifests

SERVE = ["python", "-m", "churn.serve"]
READY = {"conditions": [{"type": "Ready", "status": "True"}]}


def _from_key(configmap: str, key: str, variable: str = "THRESHOLD") -> dict[str, Any]:
    return {"name": variable, "valueFrom": {"configMapKeyRef": {"name": configmap, "key": key}}}


def _with_env(manifest: dict[str, Any], *env: dict[str, Any]) -> dict[str, Any]:
    """Add `env` entries (valueFrom and all, which the builders do not write) to the first container."""
    spec = manifest["spec"]["template"]["spec"] if manifest["kind"] == "Deployment" else manifest["spec"]
    spec["containers"][0].setdefault("env", []).extend(env)
    return manifest


# ------------------------------------------------------------------ config_ex1: a threshold under another name


def _scoring_api(*env: dict[str, Any], phase: str = "Running", **options: Any) -> Any:
    manifest = _with_env(manifests.pod("scoring-api", manifests.PYTHON_DS_IMAGE, SERVE, **options), *env)
    return typed(manifest, status={"phase": phase, **(READY if phase == "Running" else {})})


@full("config_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    # The file way: the ConfigMap mounted as a folder, THRESHOLD_FILE naming the key's file.
    fake.add(typed(manifests.configmap("scoring-settings", {"decision-threshold": 0.65})))
    fake.add(_scoring_api(volumes={"/etc/scoring": "configmap/scoring-settings"},
                          env={"THRESHOLD_FILE": "/etc/scoring/decision-threshold"}))  # fmt: skip
    return {}


@half("config_ex1", says="scoring-api's threshold comes from the key decision-threshold of scoring-settings")
def config_ex1_every_key_loaded_as_it_is(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_scoring_api(env_from=["configmap/scoring-settings"]))
    return {}


@half("config_ex1", says="scoring-api's threshold comes from the key decision-threshold of scoring-settings")
def config_ex1_file_named_wrong(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_scoring_api(volumes={"/etc/scoring": "configmap/scoring-settings"},
                          env={"THRESHOLD_FILE": "/etc/scoring/THRESHOLD"}))  # fmt: skip
    return {}


@half("config_ex1", says="scoring-settings sets decision-threshold to 0.65 (its keys are ['THRESHOLD'])")
def config_ex1_key_named_like_the_variable(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.configmap("scoring-settings", {"THRESHOLD": 0.65})))
    return {}


@half("config_ex1", says="scoring-api is Running and ready (its phase is Pending)")
def config_ex1_still_starting(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_scoring_api(_from_key("scoring-settings", "decision-threshold"), phase="Pending"))
    return {}


# -------------------------------------------------------------------- config_ex2: a token as a file

TOKEN = "tok-8f14e45f-ceea-467a"
SCORER = ["python", "-c", "from churn.score import main; ..."]


@full("config_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.secret("warehouse-token", {"token": TOKEN})))
    fake.add(pod("scorer", SCORER, phase="Succeeded", volumes={"/etc/warehouse": "secret/warehouse-token"}))
    fake.print("scorer", f"scored 200 customers for 2026-12-01\nwould upload with a token of {len(TOKEN)} characters\n")
    return {}


@half("config_ex2", says="the Secret warehouse-token has a key named token (its keys are ['password'])")
def config_ex2_key_named_password(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.secret("warehouse-token", {"password": TOKEN})))
    return {}


@half("config_ex2", says="scorer finds the token in the file /etc/warehouse/token")
def config_ex2_mounted_elsewhere(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("scorer", SCORER, phase="Failed", volumes={"/etc/secrets": "secret/warehouse-token"}))
    return {}


@half("config_ex2", says="scorer gets no Secret as environment variables (it does: envFrom warehouse-token)")
def config_ex2_also_as_variables(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("scorer", SCORER, phase="Succeeded", volumes={"/etc/warehouse": "secret/warehouse-token"},
                 env_from=["secret/warehouse-token"]))  # fmt: skip
    return {}


@half("config_ex2", says="scorer's logs do not show the token itself")
def config_ex2_prints_the_token(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print("scorer", f"using the token {TOKEN}\n")
    return {}


# ---------------------------------------------------------- config_ex3: change the ConfigMap, not the server


def _churn_api(generation: int = 1, ready: int = 1) -> Any:
    manifest = manifests.deployment("churn-api", manifests.PYTHON_DS_IMAGE, SERVE,
                                    env={"THRESHOLD_FILE": "/etc/churn/threshold"},
                                    volumes={"/etc/churn": "configmap/churn-config"})  # fmt: skip
    return typed(manifest, status={"readyReplicas": ready, "replicas": 1}, generation=generation)


@full("config_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.configmap("churn-config", {"threshold": 0.8})), _churn_api())
    return {}


@half("config_ex3", says="churn-config sets threshold to 0.8 (it sets '0.5')")
def config_ex3_not_changed_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.configmap("churn-config", {"threshold": 0.5})))
    return {}


@half("config_ex3", says="churn-api itself was left as the setup made it")
def config_ex3_restarted_anyway(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_churn_api(generation=2))
    return {}


# -------------------------------------------------------- config_ex4: a Pod that cannot start (find the cause)


def _churn_api_eu(*env: dict[str, Any], ready: int = 1) -> Any:
    manifest = _with_env(manifests.deployment("churn-api-eu", manifests.PYTHON_DS_IMAGE, SERVE), *env)
    return typed(manifest, status={"readyReplicas": ready, "replicas": 1} if ready else {"replicas": 1})


@full("config_ex4")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.configmap("churn-config-eu", {"threshold": 0.6})))
    fake.add(_churn_api_eu(_from_key("churn-config-eu", "threshold")))
    return {}


@half("config_ex4", says="churn-api-eu has a ready Pod (it has none: find out why its Pod does not start)")
def config_ex4_as_broken(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_churn_api_eu(_from_key("churn-config-eu", "THRESHOLD"), ready=0))
    return {}


@half("config_ex4", says="churn-api-eu still takes its threshold from the ConfigMap churn-config-eu")
def config_ex4_value_written_in(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_churn_api_eu({"name": "THRESHOLD", "value": "0.6"}))
    return {}


@half("config_ex4", says="the threshold it gets from there is 0.6, the EU team's value (it gets '0.5')")
def config_ex4_key_added_with_another_value(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.configmap("churn-config-eu", {"threshold": 0.6, "THRESHOLD": 0.5})))
    fake.add(_churn_api_eu(_from_key("churn-config-eu", "THRESHOLD")))
    return {}


# ---------------------------------------------------------------------------- jobs_ex1: a sweep over C

SWEEP = {0.001: 0.771, 0.1: 0.790, 10.0: 0.789}


def _job(name: str, command: list[str], *, succeeded: bool = True, owner: str | None = None, **options: Any) -> Any:
    manifest = manifests.job(name, manifests.PYTHON_DS_IMAGE, command, **options)
    references = [{"apiVersion": "batch/v1", "kind": "CronJob", "name": owner, "uid": "1"}] if owner else []
    return typed(manifest, status={"succeeded": 1} if succeeded else {"active": 1}, ownerReferences=references)


def _trained(fake: FakeCluster, name: str, c: float, auc: float, rows: int = 20000, **options: Any) -> None:
    """A finished churn.train Job `name`, its Pod, and the lines that Pod printed."""
    command = ["python", "-m", "churn.train", "--c", f"{c:g}", "--rows", str(rows)]
    fake.add(_job(name, command, **options))
    fake.add(pod(f"{name}-x1", phase="Succeeded", labels={"job-name": name}))
    fake.print(f"{name}-x1", f"training on {rows} customers, 22.7% of them churned\nc={c:g} accuracy=0.8 auc={auc}\n")


@full("jobs_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    for c, auc in SWEEP.items():
        _trained(fake, f"ex1-c{c:g}".replace(".", "-"), c, auc, labels={"sweep": "ex1"})
    return {"answer": 0.1}


@half("jobs_ex1", says="there are three Jobs labelled sweep=ex1 (there are 2)")
def jobs_ex1_two_jobs(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("job", "ex1-c10")
    return {}


@half("jobs_ex1", says="each trains with a different C (their C values are 0.001, 0.1, 0.1)")
def jobs_ex1_same_c_twice(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _trained(fake, "ex1-c10", 0.1, 0.790, labels={"sweep": "ex1"})
    return {}


@half("jobs_ex1", says="all of them are complete (not yet: ex1-c10)")
def jobs_ex1_one_still_running(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    command = ["python", "-m", "churn.train", "--c", "10", "--rows", "20000"]
    fake.add(_job("ex1-c10", command, succeeded=False, labels={"sweep": "ex1"}))
    return {}


@half("jobs_ex1", says="each trained on 20000 customers (not: ex1-c0-001)")
def jobs_ex1_default_rows(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _trained(fake, "ex1-c0-001", 0.001, 0.771, rows=5000, labels={"sweep": "ex1"})
    return {}


@half("jobs_ex1", says="0.001 is the C with the best auc of the sweep")
def jobs_ex1_not_the_best(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": 0.001}


@half("jobs_ex1", says="pass the C with the best auc as a number")
def jobs_ex1_no_answer(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": None}


# ------------------------------------------------------------------- jobs_ex2: the scorer on a schedule

SCORE = ["python", "-m", "churn.score"]


def _cron(schedule: str = "30 5 * * 1-5", command: list[str] = SCORE) -> Any:
    return typed(manifests.cronjob("nightly-score", manifests.PYTHON_DS_IMAGE, command, schedule=schedule))


@full("jobs_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_cron(), _job("score-now", SCORE, owner="nightly-score"), _job("unrelated", SCORE))
    return {}


@half("jobs_ex2", says="a Job created from it has completed (no Job was created from it yet)")
def jobs_ex2_never_run(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("job", "score-now")
    return {}


@half("jobs_ex2", says="it runs at 05:30 from Monday to Friday (its schedule is '30 5 * * *')")
def jobs_ex2_every_day(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_cron("30 5 * * *"))
    return {}


@half("jobs_ex2", says="its command is python -m churn.score")
def jobs_ex2_another_command(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_cron(command=["python", "-c", "print('scored')"]))
    return {}


# --------------------------------------------------------- jobs_ex3: a training Job repaired (find the cause)


@full("jobs_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _trained(fake, "retrain", 0.1, 0.790, env={"C": "0.1"})
    return {}


@half("jobs_ex3", says="retrain has completed (it failed: BackoffLimitExceeded)")
def jobs_ex3_as_broken(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    failed = {"failed": 2, "conditions": [{"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}]}
    manifest = manifests.job("retrain", manifests.PYTHON_DS_IMAGE, ["python", "-m", "churn.train"], env={"C": "0,1"})
    fake.add(typed(manifest, status=failed))
    return {}


@half("jobs_ex3", says="its logs say it trained with C = 0.1 (they say c=1)")
def jobs_ex3_c_left_out(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _trained(fake, "retrain", 1.0, 0.787)
    return {}
