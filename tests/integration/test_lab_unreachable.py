"""Lab 36 on the live cluster: each Service answers nobody, diagnose names the broken link, the fix passes."""

from __future__ import annotations

import time

import pytest

from kdsutils import kube
from kdsutils._run import run
from kdsutils.checks import check
from kdsutils.checks._kit import CheckResult
from kdsutils.diagnosis import Diagnosis, diagnose
from kdsutils.labs import lab
from kdsutils.resources import quietly, rollout_status
from tests.conftest import only_finding

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]

#: Each scenario's exercise number.
_NUMBER = {"unreachable": 1, "unreachable-port": 2, "unreachable-localhost": 3}


def _start(scenario: str, ns: str) -> Diagnosis:
    """Start the scenario in `ns`; return the Service's diagnosis once the check says "not yet"."""
    kube.set_default_namespace(ns)
    with quietly():
        lab(scenario, namespace=ns)
    assert not check(f"unreachable_ex{_NUMBER[scenario]}").passed
    return diagnose("service/churn-api", namespace=ns)


def _passes(exercise_id: str, timeout: float = 60) -> CheckResult:
    """Check again (with backoff) until it passes: the Service's endpoints follow its Pods with a short delay."""
    deadline, pause = time.monotonic() + timeout, 0.5
    while True:
        result = check(exercise_id)
        if result.passed or time.monotonic() > deadline:
            return result
        time.sleep(pause)
        pause = min(pause * 1.5, 5)


def _healthy(ns: str) -> None:
    d = diagnose("service/churn-api", namespace=ns)
    assert d.ok, str(d)
    assert d.summary == "Service churn-api sends traffic to 1 ready pod(s)."


def test_a_selector_with_a_typo(ns: str) -> None:
    d = _start("unreachable", ns)
    assert not d.ok
    finding = only_finding(d)
    assert "no pod has the labels the Service selects (app=churn-apl)" in finding.problem
    assert "(pod has app=churn-api)" in finding.fix
    run(["kubectl", "patch", "service", "churn-api", "-n", ns, "-p", '{"spec": {"selector": {"app": "churn-api"}}}'])
    result = _passes("unreachable_ex1")
    assert result.passed, str(result)
    _healthy(ns)


def test_a_target_port_nothing_listens_on(ns: str) -> None:
    d = _start("unreachable-port", ns)
    assert not d.ok
    finding = only_finding(d)
    assert "listens on port 8080, where the Service sends port 8000" in finding.problem
    assert "the pod listens on: 0.0.0.0:8000" in finding.evidence
    assert '"targetPort": 8000' in finding.fix
    patch = '{"spec": {"ports": [{"port": 8000, "targetPort": 8000}]}}'
    run(["kubectl", "patch", "service", "churn-api", "-n", ns, "-p", patch])
    result = _passes("unreachable_ex2")
    assert result.passed, str(result)
    _healthy(ns)


def test_a_server_on_loopback_behind_an_exec_probe(ns: str) -> None:
    d = _start("unreachable-localhost", ns)
    assert not d.ok
    finding = only_finding(d)
    assert "listens on 127.0.0.1:8000 only" in finding.problem
    assert f"kubectl set env deployment/churn-api HOST- -n {ns}" in finding.fix
    assert "readiness probe runs a command inside the container" in finding.fix
    run(["kubectl", "set", "env", "deployment/churn-api", "HOST-", "-n", ns])
    with quietly():
        rollout_status("deployment/churn-api", namespace=ns)
    result = _passes("unreachable_ex3")
    assert result.passed, str(result)
    _healthy(ns)
