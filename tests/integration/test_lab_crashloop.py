"""Lab 32 on the live cluster: each scenario fails as its colleague says, diagnose names the cause, the fix passes."""

from __future__ import annotations

import pytest

from kdsutils import kube
from kdsutils._run import run
from kdsutils.checks import check
from kdsutils.diagnosis import diagnose
from kdsutils.labs import lab
from kdsutils.labs._example import dump
from kdsutils.labs.crashloop import sweep_run
from kdsutils.resources import apply, quietly, rollout_status, wait
from tests.conftest import only_finding

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(420)]


def _start(scenario: str, ns: str) -> None:
    kube.set_default_namespace(ns)
    with quietly():
        lab(scenario, namespace=ns)


def test_a_server_told_to_load_a_file_that_is_not_there(ns: str) -> None:
    _start("crashloop", ns)
    assert not check("crashloop_ex1").passed
    d = diagnose("deployment/churn-api", namespace=ns)
    assert not d.ok
    finding = only_finding(d)  # the failing readiness probe is a consequence, not a second problem
    assert "keeps crashing (CrashLoopBackOff): exit code 1" in finding.problem
    assert "FileNotFoundError" in finding.evidence and "MODEL_PATH=/models/churn.joblib" in finding.evidence
    assert "kubectl set env deployment/churn-api -c churn-api MODEL_PATH=NEW_VALUE" in finding.fix
    with quietly():
        run(["kubectl", "set", "env", "deployment/churn-api", "-n", ns, "MODEL_PATH=/models/model.joblib"])
        rollout_status("deployment/churn-api", namespace=ns)
    result = check("crashloop_ex1")
    assert result.passed, str(result)
    assert diagnose("deployment/churn-api", namespace=ns).ok


def test_a_threshold_python_cannot_read_in_a_cronjob(ns: str) -> None:
    _start("crashloop-threshold", ns)
    assert not check("crashloop_ex2").passed
    d = diagnose("job/nightly-scoring-test", namespace=ns)
    assert not d.ok  # its Pod runs between two crashes: still a failure
    crash, cronjob = d.findings
    assert "keeps crashing" in crash.problem and "ValueError" in crash.evidence
    assert "THRESHOLD=70%" in crash.evidence and "a Job's Pod template cannot change" in crash.fix
    assert "CronJob nightly-scoring" in cronjob.problem and "kubectl set env cronjob/nightly-scoring" in cronjob.fix
    with quietly():
        run(["kubectl", "set", "env", "cronjob/nightly-scoring", "-n", ns, "THRESHOLD=0.7"])
        run(["kubectl", "delete", "job", "nightly-scoring-test", "-n", ns, "--wait=true"])
        run(["kubectl", "create", "job", "nightly-scoring-test", "--from=cronjob/nightly-scoring", "-n", ns])
        wait("job/nightly-scoring-test", for_="condition=Complete", namespace=ns, timeout=180)
    result = check("crashloop_ex2")
    assert result.passed, str(result)
    assert diagnose("job/nightly-scoring-test", namespace=ns).ok


def test_a_sweep_run_with_a_c_scikit_learn_refuses(ns: str) -> None:
    _start("crashloop-sweep", ns)
    assert not check("crashloop_ex3").passed
    d = diagnose("job/sweep-3", namespace=ns)
    gave_up, crash = d.findings
    assert "the Job gave up" in gave_up.problem and "BackoffLimitExceeded" in gave_up.evidence
    assert "InvalidParameterError" in crash.evidence and "--c 0" in crash.evidence
    assert "kubectl delete job sweep-3" in crash.fix
    with quietly():
        run(["kubectl", "delete", "job", "sweep-3", "-n", ns, "--wait=true"])
        apply(dump(sweep_run("sweep-3", "100")), namespace=ns)
        wait("job/sweep-3", for_="condition=Complete", namespace=ns, timeout=180)
    result = check("crashloop_ex3")
    assert result.passed, str(result)
    assert diagnose("job/sweep-3", namespace=ns).ok
