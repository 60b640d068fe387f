"""Lab 35 on the live cluster: each scenario fails as its colleague says, diagnose names the cause, the fix passes."""

from __future__ import annotations

import pytest

from kdsutils import kube
from kdsutils._run import run
from kdsutils.checks import check
from kdsutils.diagnosis import diagnose
from kdsutils.labs import lab
from kdsutils.labs.configerror import PASSWORD
from kdsutils.resources import quietly, rollout_status
from tests.conftest import only_finding

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]


def _start(scenario: str, ns: str) -> None:
    kube.set_default_namespace(ns)
    with quietly():
        lab(scenario, namespace=ns)


def _patch(ns: str, path: str, value: str) -> None:
    """Replace one field of churn-api's Pod template, as the lab's solution does, and wait for the rollout."""
    replace = f'[{{"op":"replace","path":"/spec/template/spec/{path}","value":"{value}"}}]'
    with quietly():
        run(["kubectl", "patch", "deployment/churn-api", "-n", ns, "--type=json", "-p", replace])
        rollout_status("deployment/churn-api", namespace=ns)


def test_a_key_the_secret_does_not_hold(ns: str) -> None:
    _start("configerror", ns)
    assert not check("configerror_ex1").passed
    d = diagnose("deployment/churn-api", namespace=ns)
    finding = only_finding(d)
    assert "Secret warehouse has no key password" in finding.problem
    assert "db-password, username" in finding.evidence and "did you mean db-password?" in finding.fix
    assert PASSWORD not in str(d)
    _patch(ns, "containers/0/env/2/valueFrom/secretKeyRef/key", "db-password")
    result = check("configerror_ex1")
    assert result.passed, str(result)
    assert PASSWORD not in str(result)
    assert diagnose("deployment/churn-api", namespace=ns).ok


def test_fixing_the_secret_instead_starts_the_waiting_pod_by_itself(ns: str) -> None:
    _start("configerror", ns)
    with quietly():
        run(
            ["kubectl", "patch", "secret", "warehouse", "-n", ns, "-p", f'{{"stringData":{{"password":"{PASSWORD}"}}}}']
        )
        rollout_status("deployment/churn-api", namespace=ns)
    result = check("configerror_ex1")
    assert result.passed, str(result)


def test_a_configmap_that_does_not_exist(ns: str) -> None:
    _start("configerror-configmap", ns)
    assert not check("configerror_ex2").passed
    finding = only_finding(diagnose("deployment/churn-api", namespace=ns))
    assert f"ConfigMap churn-settings does not exist in namespace {ns}" in finding.problem
    assert "did you mean churn-config?" in finding.fix
    _patch(ns, "containers/0/env/0/valueFrom/configMapKeyRef/name", "churn-config")
    result = check("configerror_ex2")
    assert result.passed, str(result)
    assert diagnose("deployment/churn-api", namespace=ns).ok


def test_a_mounted_key_the_configmap_does_not_hold(ns: str) -> None:
    _start("configerror-mount", ns)
    assert not check("configerror_ex3").passed
    finding = only_finding(diagnose("deployment/churn-api", namespace=ns))
    assert "asks ConfigMap churn-config for the key decision-threshold" in finding.problem
    assert "did you mean threshold?" in finding.fix
    _patch(ns, "volumes/0/configMap/items/0/key", "threshold")
    result = check("configerror_ex3")
    assert result.passed, str(result)
    assert diagnose("deployment/churn-api", namespace=ns).ok
