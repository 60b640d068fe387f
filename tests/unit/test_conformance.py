"""The conformance runner's pure parts: images, the report, the classification (no cluster)."""

from __future__ import annotations

import re
from pathlib import Path

from tests import conformance

REPORT = """<?xml version="1.0" encoding="UTF-8"?>
<testsuites tests="5" disabled="0" errors="0" failures="2" time="120">
  <testsuite name="Kubernetes e2e suite" tests="5" failures="2" errors="0" skipped="2">
    <testcase name="[SynchronizedBeforeSuite]" classname="Kubernetes e2e suite" status="passed" time="3.2"/>
    <testcase name="[It] [sig-node] Pods should get a host IP [NodeConformance] [Conformance]"
              classname="Kubernetes e2e suite" status="passed" time="8.44"/>
    <testcase name="[It] [sig-apps] Deployment deployment should support rollover [Conformance]"
              classname="Kubernetes e2e suite" status="skipped" time="0"><skipped message="skipped"/></testcase>
    <testcase name="[It] [sig-network] Services should be rejected for evicted pods [Conformance]"
              classname="Kubernetes e2e suite" status="skipped" time="0.5">
      <skipped message="skipped - Requires at least 2 nodes (not 1)"/></testcase>
    <testcase name="[It] [sig-node] ConfigMap should be consumable via the environment [Conformance]"
              classname="Kubernetes e2e suite" status="failed" time="12">
      <failure type="failed">Expected output to contain data-1=value-1</failure></testcase>
    <testcase name="[It] [sig-storage] Projected should be updated [Conformance]"
              classname="Kubernetes e2e suite" status="failed" time="300">
      <failure type="failed">pod pod-1: ErrImageNeverPull registry.k8s.io/e2e-test-images/perl:5.26</failure>
    </testcase>
  </testsuite>
</testsuites>
"""


def test_the_report_keeps_what_ran_and_drops_what_the_focus_left_out(tmp_path: Path) -> None:
    path = tmp_path / "junit_01.xml"
    path.write_text(REPORT)
    cases = conformance.read_report(path)
    assert [(c["name"], c["state"]) for c in cases] == [
        ("[sig-node] Pods should get a host IP [NodeConformance] [Conformance]", "passed"),
        ("[sig-network] Services should be rejected for evicted pods [Conformance]", "skipped"),
        ("[sig-node] ConfigMap should be consumable via the environment [Conformance]", "failed"),
        ("[sig-storage] Projected should be updated [Conformance]", "failed"),
    ]
    assert cases[1]["message"] == "Requires at least 2 nodes (not 1)"
    assert cases[0]["seconds"] == 8.4


def test_a_failure_for_want_of_an_image_is_not_run_and_names_it(tmp_path: Path) -> None:
    path = tmp_path / "junit_01.xml"
    path.write_text(REPORT)
    missing = ["registry.k8s.io/e2e-test-images/perl:5.26"]
    cases = conformance.classify(conformance.read_report(path), missing)
    states = {c["name"].split("]")[1].split()[0]: c["state"] for c in cases}
    assert states == {"Pods": "passed", "Services": "skipped", "ConfigMap": "failed", "Projected": "not run"}
    assert cases[3]["reason"] == "needs registry.k8s.io/e2e-test-images/perl:5.26, which no stand-in provides"
    result = conformance.summary(cases, missing, {}, 120, 3, conformance.FOCUS, conformance.SKIP)
    assert result["counts"] == {"passed": 1, "failed": 1, "not run": 1, "interrupted": 0, "skipped": 1}
    assert [c["name"] for c in result["failed"]] == [cases[2]["name"]]
    assert result["unexplained"] == [cases[2]["name"]]  # not in EXPLAINED: this report's name is made up


def test_known_causes_explain_and_known_image_needs_skip() -> None:
    env, aggregator = list(conformance.EXPLAINED)[1], next(iter(conformance.NEEDS_IMAGE))
    missing = ["registry.k8s.io/e2e-test-images/sample-apiserver:1.29.2", "registry.k8s.io/etcd:3.6.8-0"]
    cases = conformance.classify([{"name": env, "state": "failed", "message": "expected data-1=value-1"},
                                  {"name": aggregator, "state": "failed", "message": "deployment not available"}],
                                 missing)
    assert cases[0]["state"] == "failed" and "busybox" in cases[0]["cause"]
    assert cases[1]["state"] == "not run"
    assert cases[1]["reason"] == f"needs {', '.join(missing)}, which no stand-in provides"


def test_every_stand_in_is_built_by_the_image_script() -> None:
    script = (conformance.ENGINE_DIR / "build-e2e-images.sh").read_text()
    built = set(re.findall(r"^commit (\w+) ", script, re.M)) | {"kitten", "nautilus"}
    assert "debian" in built
    ours = {name for name in conformance.STAND_INS.values() if not name.startswith("engine:")}
    assert ours <= built, ours - built


def test_the_test_images_get_their_stand_ins_by_name() -> None:
    e2e = "registry.k8s.io/e2e-test-images"
    listed = [f"{e2e}/agnhost:2.63.0", f"{e2e}/busybox:1.37.0-1", f"{e2e}/glibc-dns-testing:2.0.0",
              "registry.k8s.io/sig-storage/nfs-provisioner:v4.0.8"]
    planned, missing = conformance.plan_images(listed)
    assert planned == {listed[0]: "agnhost", listed[1]: "engine:busybox", listed[2]: "debian"}
    assert missing == [listed[3]]


def test_the_subset_focus_picks_each_name_exactly() -> None:
    focus = re.compile(conformance.focus_of(conformance.SUBSET))
    assert all(focus.search(name) for name in conformance.SUBSET)
    assert not focus.search("[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance] x")
    assert not focus.search("[sig-node] Pods should get a host IP")
