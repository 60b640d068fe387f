"""Lab 31 on the live cluster: each scenario fails as its colleague says, diagnose names the cause, the fix passes."""

from __future__ import annotations

import pytest

from kdsutils import kube
from kdsutils._run import run
from kdsutils.checks import check
from kdsutils.diagnosis import diagnose
from kdsutils.labs import lab
from kdsutils.labs.imagepull import SAMS_IMAGE, TYPO_IMAGE
from kdsutils.manifests import PYTHON_DS_IMAGE
from kdsutils.resources import quietly, rollout_status, wait
from tests.conftest import only_finding

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]


def _start(scenario: str, ns: str) -> None:
    kube.set_default_namespace(ns)
    with quietly():
        lab(scenario, namespace=ns)


def test_a_typo_in_the_tag(ns: str) -> None:
    _start("imagepull", ns)
    assert not check("imagepull_ex1").passed
    finding = only_finding(diagnose("deployment/churn-api", namespace=ns))
    assert f"image {TYPO_IMAGE} cannot be pulled" in finding.problem
    assert "kds.invalid" in finding.evidence  # the kubelet's own words: the registry cannot be reached
    command = f"kubectl set image deployment/churn-api churn-api={PYTHON_DS_IMAGE} -n {ns}"
    assert f"Did you mean {PYTHON_DS_IMAGE}?" in finding.fix and command in finding.fix
    with quietly():
        run(command.split())
        rollout_status("deployment/churn-api", namespace=ns)
    result = check("imagepull_ex1")
    assert result.passed, str(result)
    assert diagnose("deployment/churn-api", namespace=ns).ok


def test_pull_policy_always_on_an_image_the_cluster_has(ns: str) -> None:
    _start("imagepull-always", ns)
    assert not check("imagepull_ex2").passed
    finding = only_finding(diagnose("deployment/churn-api", namespace=ns))
    assert "is in the cluster, but imagePullPolicy Always" in finding.problem
    assert "Did you mean" not in finding.fix
    patch = '{"spec":{"template":{"spec":{"containers":[{"name":"churn-api","imagePullPolicy":"IfNotPresent"}]}}}}'
    assert patch in finding.fix
    with quietly():
        run(["kubectl", "patch", "deployment/churn-api", "-n", ns, "-p", patch])
        rollout_status("deployment/churn-api", namespace=ns)
    result = check("imagepull_ex2")
    assert result.passed, str(result)
    assert diagnose("deployment/churn-api", namespace=ns).ok


def test_pull_policy_never_on_an_image_never_loaded(ns: str) -> None:
    _start("imagepull-never", ns)
    assert not check("imagepull_ex3").passed
    finding = only_finding(diagnose("job/train", namespace=ns))
    assert f"image {SAMS_IMAGE} is not in the cluster, and its imagePullPolicy Never" in finding.problem
    assert "kds build" in finding.fix and f"kubectl delete job train -n {ns}" in finding.fix
    with quietly():
        run(["kubectl", "delete", "job", "train", "-n", ns, "--wait=true"])
        run(["kubectl", "create", "job", "train", f"--image={PYTHON_DS_IMAGE}", "-n", ns, "--",
             "python", "-m", "churn.train"])  # fmt: skip
        wait("job/train", for_="condition=Complete", namespace=ns, timeout=180)
    result = check("imagepull_ex3")
    assert result.passed, str(result)
    assert diagnose("job/train", namespace=ns).ok
