"""Lab 37 on the live cluster: each probe fails as its colleague says, diagnose names the cause, the fix passes."""

from __future__ import annotations

import json

import pytest

from kdsutils import kube
from kdsutils._run import run
from kdsutils.checks import check
from kdsutils.diagnosis import diagnose
from kdsutils.labs import lab
from kdsutils.resources import quietly, rollout_status
from tests.conftest import only_finding

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(420)]


def _start(scenario: str, ns: str) -> None:
    kube.set_default_namespace(ns)
    with quietly():
        lab(scenario, namespace=ns)


def test_a_readiness_probe_on_a_page_the_server_does_not_have(ns: str) -> None:
    _start("probes", ns)
    assert not check("probes_ex1").passed
    d = diagnose("deployment/churn-api", namespace=ns)
    assert not d.ok
    finding = only_finding(d)
    assert "readiness probe fails, so the pod gets no traffic" in finding.problem
    assert "statuscode: 404" in finding.evidence and "HTTP GET /healthz on port 8000" in finding.evidence
    assert "the server answers 404 at /healthz" in finding.fix and "kubectl patch deployment/churn-api" in finding.fix
    path = "/spec/template/spec/containers/0/readinessProbe/httpGet/path"
    with quietly():
        run(["kubectl", "patch", "deployment", "churn-api", "-n", ns, "--type=json", "-p",
             json.dumps([{"op": "replace", "path": path, "value": "/health"}])])  # fmt: skip
        rollout_status("deployment/churn-api", namespace=ns)
    result = check("probes_ex1")
    assert result.passed, str(result)
    assert diagnose("deployment/churn-api", namespace=ns).ok


def test_a_liveness_probe_that_kills_a_slow_start(ns: str) -> None:
    _start("probes-slowstart", ns)
    assert not check("probes_ex2").passed
    d = diagnose("deployment/churn-api", namespace=ns)
    assert not d.ok
    finding = only_finding(d)  # one problem: the restarts are the probe's, not a crash of the code
    assert "liveness probe fails, so the kubelet restarts the container" in finding.problem
    assert "failed liveness probe, will be restarted" in finding.evidence
    assert "connection refused" in finding.evidence
    assert "Add a startupProbe" in finding.fix and "Keep the liveness probe" in finding.fix
    startup = {"httpGet": {"path": "/health", "port": 8000}, "periodSeconds": 2, "failureThreshold": 60}
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "churn-api", "startupProbe": startup}]}}}}
    with quietly():
        run(["kubectl", "patch", "deployment", "churn-api", "-n", ns, "-p", json.dumps(patch)])
        rollout_status("deployment/churn-api", namespace=ns, timeout=240)
    result = check("probes_ex2")
    assert result.passed, str(result)
    assert diagnose("deployment/churn-api", namespace=ns).ok
