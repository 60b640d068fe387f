"""diagnose on the crash loops of lab 32, recorded from the live cluster (tests/unit/fixtures/diagnose/*.json)."""

from __future__ import annotations

import json
from pathlib import Path

from kdsutils.diagnosis import Diagnosis, Snapshot, explain, python_error
from tests.conftest import only_finding

FIXTURES = Path(__file__).parent / "fixtures" / "diagnose"


def explained(name: str) -> Diagnosis:
    return explain(Snapshot(**json.loads((FIXTURES / f"{name}.json").read_text())))


def test_a_server_crashing_on_a_missing_file_names_the_setting_and_set_env() -> None:
    d = explained("deployment-crashloop-model-path")
    assert not d.ok
    finding = only_finding(d)  # its readiness probe fails too, as a consequence: not a second problem
    assert "keeps crashing (CrashLoopBackOff): exit code 1" in finding.problem
    assert "FileNotFoundError" in finding.evidence
    assert "it comes from the setting MODEL_PATH=/models/churn.joblib" in finding.evidence
    assert "kubectl set env deployment/churn-api -c churn-api MODEL_PATH=NEW_VALUE" in finding.fix
    assert "--previous" in finding.fix


def test_a_job_pod_running_between_two_crashes_is_not_healthy() -> None:
    """With restartPolicy OnFailure a Job's Pod is Running (and ready, without probes) between crashes."""
    d = explained("job-crashloop-threshold")
    assert not d.ok
    crash, cronjob = d.findings
    assert "keeps crashing (CrashLoopBackOff)" in crash.problem
    assert "ValueError: could not convert string to float: '70%'" in crash.evidence
    assert "THRESHOLD=70%" in crash.evidence and "a Job's Pod template cannot change" in crash.fix
    assert (
        cronjob.problem == "the Job was made from the CronJob nightly-scoring, whose next runs will fail the same way"
    )
    assert "kubectl set env cronjob/nightly-scoring" in cronjob.fix
    assert "kubectl create job nightly-scoring-test --from=cronjob/nightly-scoring" in cronjob.fix


def test_a_sweep_run_refused_by_scikit_learn_names_the_option() -> None:
    d = explained("job-crashloop-sweep")
    gave_up, crash = d.findings
    assert "the Job gave up: 3 pod(s) failed and backoffLimit is 2" == gave_up.problem
    assert "(and 2 more): container sweep-3 exited with code 1" in crash.problem
    assert "InvalidParameterError: The 'C' parameter of LogisticRegression" in crash.evidence
    assert "it comes from the setting --c 0" in crash.evidence
    assert "scikit-learn refuses a hyper-parameter" in crash.fix and "kubectl delete job sweep-3" in crash.fix


def test_python_error_is_the_last_exception_line() -> None:
    log = "Traceback (most recent call last):\n  File 'x'\nsklearn.utils.X.InvalidParameterError: The 'C' ...\n"
    assert python_error(log) == ("InvalidParameterError", "The 'C' ...")
    assert python_error("serving on port 8000\n") is None


def test_an_unknown_error_keeps_the_general_advice() -> None:
    d = explained("deployment-crashloop-model-path")
    snap = Snapshot(**json.loads((FIXTURES / "deployment-crashloop-model-path.json").read_text()))
    snap.logs = {key: "Traceback (most recent call last):\nRuntimeError: the moon is full\n" for key in snap.logs}
    finding = only_finding(explain(snap))
    assert "RuntimeError: the moon is full" in finding.evidence and "it comes from" not in finding.evidence
    assert finding.fix.startswith("read the log lines: the program inside fails")
    assert d.findings[0].fix != finding.fix
