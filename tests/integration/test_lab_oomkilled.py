"""Lab 33 on the live cluster: each scenario fails as its colleague says, diagnose names the cause, the fix passes."""

from __future__ import annotations

import pytest

from kdsutils import kube
from kdsutils._run import run
from kdsutils.checks import check
from kdsutils.diagnosis import diagnose
from kdsutils.labs import lab
from kdsutils.labs._example import dump
from kdsutils.labs.oomkilled import nightly_train
from kdsutils.resources import apply, quietly, rollout_status, wait
from tests.conftest import only_finding

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(420)]


def _start(scenario: str, ns: str) -> None:
    kube.set_default_namespace(ns)
    with quietly():
        lab(scenario, namespace=ns)


def test_a_training_job_past_its_memory_limit(ns: str) -> None:
    _start("oomkilled", ns)
    assert not check("oomkilled_ex1").passed
    d = diagnose("job/nightly-train", namespace=ns)
    gave_up, killed = d.findings
    assert "the Job gave up" in gave_up.problem
    assert "(and 1 more): container nightly-train ran out of memory and was killed (OOMKilled)" in killed.problem
    assert "exit code 137" in killed.evidence and "memory limit: 512Mi" in killed.evidence
    assert "try 1024Mi" in killed.fix and "kubectl delete job nightly-train" in killed.fix
    with quietly():
        run(["kubectl", "delete", "job", "nightly-train", "-n", ns, "--wait=true"])
        apply(dump(nightly_train("1Gi")), namespace=ns)
        wait("job/nightly-train", for_="condition=Complete", namespace=ns, timeout=300)
    result = check("oomkilled_ex1")
    assert result.passed, str(result)
    assert diagnose("job/nightly-train", namespace=ns).ok


def test_a_server_whose_limit_is_below_its_start(ns: str) -> None:
    _start("oomkilled-api", ns)
    assert not check("oomkilled_ex2").passed
    d = diagnose("deployment/churn-api", namespace=ns)
    finding = only_finding(d)  # the failing readiness probe is a consequence, not a second problem
    assert "OOMKilled" in finding.problem and "memory limit: 64Mi" in finding.evidence
    assert "lastState.terminated" in finding.evidence
    assert "kubectl set resources deployment/churn-api -c churn-api --limits=memory=256Mi" in finding.fix
    with quietly():
        run(["kubectl", "set", "resources", "deployment/churn-api", "-n", ns, "--limits=memory=256Mi",
             "--requests=memory=256Mi"])  # fmt: skip
        rollout_status("deployment/churn-api", namespace=ns, timeout=240)
    result = check("oomkilled_ex2")
    assert result.passed, str(result)
    assert diagnose("deployment/churn-api", namespace=ns).ok
