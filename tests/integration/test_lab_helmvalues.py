"""Lab 38 on the live cluster: each Helm release goes wrong as its colleague says, diagnose names it, the fix passes."""

from __future__ import annotations

import pytest
import yaml

from kdsutils import kube
from kdsutils._run import run
from kdsutils.appstore import URL
from kdsutils.checks import check
from kdsutils.diagnosis import diagnose
from kdsutils.labs import lab
from kdsutils.labs.helmvalues import COPIES, DEPLOYMENT, MISINDENTED, RELEASE, TRACKING
from kdsutils.resources import quietly, rollout_status
from tests.conftest import only_finding

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(420)]


def _stop_at_once(ns: str) -> None:
    """Delete the release's Pods without the 30 s grace the page takes (it ignores SIGTERM), so the namespace goes."""
    run(["helm", "uninstall", RELEASE, "-n", ns, "--wait"])
    run(["kubectl", "delete", "pods", "--all", "-n", ns, "--grace-period=1", "--wait=false"])


def _start(scenario: str, ns: str) -> None:
    kube.set_default_namespace(ns)
    with quietly():
        lab(scenario, namespace=ns)


def test_a_mis_indented_value_is_ignored_then_put_where_the_chart_reads_it(ns: str) -> None:
    _start("helmvalues", ns)
    assert not check("helmvalues_ex1").passed
    assert diagnose("deployment", DEPLOYMENT, namespace=ns).ok  # Kubernetes sees nothing wrong
    d = diagnose("release", RELEASE, namespace=ns)
    assert not d.ok
    finding = only_finding(d)
    assert "the value `image.replicaCount` is never read by the chart hello" in finding.problem
    assert "the chart has `replicaCount` (at the top level)" in finding.fix
    values = yaml.safe_load(MISINDENTED)
    values["replicaCount"] = values["image"].pop("replicaCount")
    with quietly():
        run(["helm", "upgrade", RELEASE, "hello", "--repo", URL, "--version", "0.1.0", "-n", ns, "-f", "-"],
            input=yaml.safe_dump(values))  # fmt: skip
        rollout_status("deployment", DEPLOYMENT, namespace=ns)
    result = check("helmvalues_ex1")
    assert result.passed, str(result)
    d = diagnose("release", RELEASE, namespace=ns)
    assert d.ok and f"its {COPIES} pod(s) are fine" in d.summary, str(d)
    _stop_at_once(ns)


def test_a_broken_upgrade_is_rolled_back_to_the_last_good_revision(ns: str) -> None:
    _start("helmvalues-rollback", ns)
    assert not check("helmvalues_ex2").passed
    d = diagnose("release", RELEASE, namespace=ns)
    assert not d.ok
    upgrade, pull = d.findings
    assert "revision 3 of the release (Upgrade complete) left Pods that fail" in upgrade.problem
    assert 'image.tag: "2026.12" -> "2027.01"' in upgrade.evidence
    assert f"helm rollback {RELEASE} 2 -n {ns}" in upgrade.fix
    assert "2027.01 cannot be pulled" in pull.problem
    with quietly():
        run(["helm", "rollback", RELEASE, "2", "-n", ns, "--wait"])
        rollout_status("deployment", DEPLOYMENT, namespace=ns)
    result = check("helmvalues_ex2")
    assert result.passed, str(result)
    assert diagnose("release", RELEASE, namespace=ns).ok
    _stop_at_once(ns)


def test_a_memory_limit_without_its_unit_is_refused_and_the_last_good_revision_runs_on(ns: str) -> None:
    _start("helmvalues-memory", ns)
    result = check("helmvalues_ex3")
    assert not result.passed and "as Jo left it" in str(result), str(result)
    d = diagnose("release", TRACKING, namespace=ns)
    finding = only_finding(d)  # MLflow's Pod of revision 1 is fine
    assert "failed (revision 2): `resources.limits.memory: 2048` has no unit" in finding.problem
    assert "must be less than or equal to memory limit" in finding.evidence
    assert "`2048Mi`" in finding.fix
