"""Lab 39's scenarios on the live cluster: refused as the learner finds them, allowed as the solution fixes them."""

from __future__ import annotations

import time

import pytest

from kdsutils import kube
from kdsutils._run import run
from kdsutils.checks import check
from kdsutils.diagnosis import diagnose
from kdsutils.labs import lab
from kdsutils.labs.forbidden import MONITOR, RETRY, SERVER
from kdsutils.resources import kubectl, rollout_status, wait

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(420)]


def _last_line(pod: str, ns: str, *, contains: str) -> str:
    """Wait (a few of the program's rounds at most) until the Pod's last log line contains `contains`."""
    deadline = time.monotonic() + 4 * RETRY
    while True:
        line = run(["kubectl", "logs", pod, "-n", ns, "--tail=1"], timeout=30).stdout.strip()
        if contains in line or time.monotonic() > deadline:
            return line
        time.sleep(1)


def test_the_notebook_refused_jobs_is_allowed_them_by_the_group_of_its_rule(ns: str) -> None:
    kube.set_default_namespace(ns)
    lab("forbidden")
    assert not check("forbidden_ex1").passed
    before = diagnose(f"pod/{SERVER}")
    assert not before.ok
    assert "ServiceAccount notebook may not create jobs.batch" in before.summary
    assert f"kubectl auth can-i create jobs.batch --as=system:serviceaccount:{ns}:notebook" in before.findings[0].fix
    assert 'apiGroups: ["batch"]' in before.findings[0].fix
    kubectl("patch", "role", "notebook", "--type=json",
            "-p", '[{"op": "replace", "path": "/rules/1/apiGroups", "value": ["batch"]}]')  # fmt: skip
    wait("job/train", for_="create", timeout=60)
    wait("job/train", for_="condition=Complete", timeout=180)
    assert "submitted" in _last_line(SERVER, ns, contains="submitted")
    assert check("forbidden_ex1").passed
    assert diagnose(f"pod/{SERVER}").ok


def test_a_cluster_wide_grant_makes_the_notebook_work_and_the_check_refuse_it(ns: str) -> None:
    kube.set_default_namespace(ns)
    lab("forbidden")
    binding = f"{ns}-notebook-edit"
    kubectl("create", "clusterrolebinding", binding, "--clusterrole=edit", f"--serviceaccount={ns}:notebook")
    try:
        wait("job/train", for_="create", timeout=60)
        result = check("forbidden_ex1")
        assert not result.passed
        assert f"{binding} does" in str(result) and "may still not read secrets" in str(result)
    finally:
        kubectl("delete", "clusterrolebinding", binding)


def test_the_monitor_is_allowed_once_the_binding_names_its_own_namespace(ns: str) -> None:
    kube.set_default_namespace(ns)
    lab("forbidden-binding")
    assert not check("forbidden_ex2").passed
    before = diagnose(f"pod/{MONITOR}")
    assert not before.ok and "ServiceAccount monitor may not list pods" in before.summary
    assert f"{ns}/monitor in its SERVICEACCOUNTS column" in before.findings[0].fix
    kubectl("set", "subject", "rolebinding", "monitor-reads-pods", f"--serviceaccount={ns}:monitor")
    assert "pod(s) found" in _last_line(MONITOR, ns, contains="pod(s) found")
    assert check("forbidden_ex2").passed
    assert diagnose(f"pod/{MONITOR}").ok


def test_the_api_the_quota_refused_runs_once_it_sets_a_memory_limit(ns: str) -> None:
    kube.set_default_namespace(ns)
    lab("forbidden-quota")
    assert not check("forbidden_ex3").passed
    before = diagnose("deployment/churn-api")
    assert not before.ok
    assert "the ResourceQuota team-quota counts limits.memory, and container churn-api does not set it" in (
        before.summary
    )
    assert f"kubectl set resources deployment/churn-api -c churn-api --limits=memory=256Mi -n {ns}" in (
        before.findings[0].fix
    )
    kubectl("set", "resources", "deployment/churn-api", "--limits=memory=256Mi")
    rollout_status("deployment/churn-api")
    assert check("forbidden_ex3").passed
    assert diagnose("deployment/churn-api").ok
