"""Lab 34 on the live cluster: each scenario fails as its colleague says, diagnose names the cause, the fix passes."""

from __future__ import annotations

import pytest

from kdsutils import kube
from kdsutils._run import run
from kdsutils.checks import check
from kdsutils.diagnosis import diagnose
from kdsutils.labs import lab
from kdsutils.resources import quietly, rollout_status, wait
from tests.conftest import only_finding

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]

CLAIM = """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: models}
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: standard
  resources: {requests: {storage: 100Mi}}
"""


def _start(scenario: str, ns: str) -> None:
    kube.set_default_namespace(ns)
    with quietly():
        lab(scenario, namespace=ns)


def test_requests_larger_than_any_node(ns: str) -> None:
    _start("pending", ns)
    assert not check("pending_ex1").passed
    d = diagnose("deployment/churn-api", namespace=ns)
    assert not d.ok
    finding = only_finding(d)
    assert "no node has enough unreserved memory" in finding.problem
    assert "the pod requests memory: 200Gi" in finding.evidence
    assert "Insufficient memory" in finding.evidence
    assert "Allocatable" in finding.fix and f"kubectl set resources deployment/churn-api -n {ns}" in finding.fix
    with quietly():
        run(["kubectl", "set", "resources", "deployment/churn-api", "-n", ns, "--requests=memory=256Mi",
             "--limits=memory=256Mi"])  # fmt: skip
        rollout_status("deployment/churn-api", namespace=ns)
    result = check("pending_ex1")
    assert result.passed, str(result)
    assert diagnose("deployment/churn-api", namespace=ns).ok


def test_a_gpu_the_cluster_does_not_have(ns: str) -> None:
    _start("pending-gpu", ns)
    assert not check("pending_ex2").passed
    finding = only_finding(diagnose("deployment/churn-api", namespace=ns))
    assert "it asks for nvidia.com/gpu, and no node has one free" in finding.problem
    assert "remove the request" in finding.fix
    remove = '[{"op": "remove", "path": "/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu"}]'
    with quietly():
        run(["kubectl", "patch", "deployment", "churn-api", "-n", ns, "--type=json", "-p", remove])
        rollout_status("deployment/churn-api", namespace=ns)
    result = check("pending_ex2")
    assert result.passed, str(result)
    assert diagnose("deployment/churn-api", namespace=ns).ok


def test_a_claim_of_a_storage_class_that_does_not_exist(ns: str) -> None:
    _start("pending-storage", ns)
    assert not check("pending_ex3").passed
    d = diagnose("job/train", namespace=ns)
    finding = only_finding(d)
    assert "its PersistentVolumeClaim is not bound" in finding.problem
    assert "models: Pending, storageClassName fast-ssd" in finding.evidence
    assert "cannot be changed" in finding.fix and "`standard`" in finding.fix
    with quietly():
        run(["kubectl", "delete", "pvc", "models", "-n", ns, "--wait=true"])
        run(["kubectl", "apply", "-n", ns, "-f", "-"], input=CLAIM)
        wait("job/train", for_="condition=Complete", namespace=ns, timeout=180)
    result = check("pending_ex3")
    assert result.passed, str(result)
    assert diagnose("job/train", namespace=ns).ok
