"""diagnose on lab 37's failures, recorded from the live cluster: probes that ask the wrong question."""

from __future__ import annotations

import json
from pathlib import Path

from kdsutils.diagnosis import Diagnosis, Snapshot, _probe_fix, explain

FIXTURES = Path(__file__).parent / "fixtures" / "diagnose"


def explained(name: str) -> Diagnosis:
    return explain(Snapshot(**json.loads((FIXTURES / f"{name}.json").read_text())))


def test_a_readiness_probe_answered_404_names_the_page_and_the_patch() -> None:
    d = explained("lab-probes-readiness-404")
    assert not d.ok
    (f,) = d.findings
    assert f.problem.endswith(
        "container churn-api: readiness probe fails, so the pod gets no traffic from its Services"
    )
    assert "HTTP GET /healthz on port 8000" in f.evidence and "statuscode: 404" in f.evidence
    assert "the server answers 404 at /healthz: it has no such page" in f.fix
    assert "kubectl patch deployment/churn-api -n lesson-probes-rec --type=json" in f.fix
    assert "/spec/template/spec/containers/0/readinessProbe/httpGet/path" in f.fix


def test_a_mount_failure_the_kubelet_got_over_before_the_container_started_is_not_a_second_problem() -> None:
    snap = Snapshot(**json.loads((FIXTURES / "lab-probes-readiness-404.json").read_text()))
    pod = snap.pods[0]
    snap.events.insert(0, {
        "type": "Warning", "reason": "FailedMount", "count": 1,
        "involvedObject": {"kind": "Pod", "name": pod["metadata"]["name"], "uid": pod["metadata"]["uid"]},
        "message": 'MountVolume.SetUp failed for volume "kube-api-access-x7k2p" : failed to sync configmap cache: '
                   "timed out waiting for the condition",
    })  # fmt: skip
    (f,) = explain(snap).findings
    assert "readiness probe fails" in f.problem
    pod["status"]["containerStatuses"][0]["state"] = {"waiting": {"reason": "ContainerCreating"}}
    assert any("a volume cannot be mounted" in f.problem for f in explain(snap).findings)


def test_a_liveness_probe_that_kills_a_slow_start_is_one_problem_with_the_startup_probe_as_fix() -> None:
    d = explained("lab-probes-liveness-slowstart")
    assert not d.ok
    (f,) = d.findings  # not also "keeps crashing": the code never failed
    assert f.problem.endswith("liveness probe fails, so the kubelet restarts the container")
    assert "gives up after 2 failures 2 s apart: about 5 s" in f.evidence
    assert "failed liveness probe, will be restarted" in f.evidence
    assert "the kubelet stopped it, its code did not fail" in f.evidence
    assert "Add a startupProbe" in f.fix and "Keep the liveness probe" in f.fix
    assert '"startupProbe": {"httpGet": {"path": "/health", "port": 8000' in f.fix


def test_with_a_startup_probe_the_slow_server_is_healthy() -> None:
    d = explained("lab-probes-startup-fixed")
    assert d.ok, str(d)


def test_a_startup_probe_that_gives_up_too_soon_asks_for_a_larger_threshold() -> None:
    pod = {"metadata": {"name": "api", "namespace": "demo"}, "spec": {"containers": [{"name": "api"}]}}
    probe = {"httpGet": {"path": "/health", "port": 8000}, "periodSeconds": 2, "failureThreshold": 3}
    fix = _probe_fix("Startup", "Startup probe failed: ... connection refused", pod, "api", probe)
    assert "Raise its failureThreshold" in fix and "about 4 s" in fix


def test_a_failure_of_unknown_kind_keeps_the_general_advice() -> None:
    pod = {"metadata": {"name": "api", "namespace": "demo"}, "spec": {"containers": [{"name": "api"}]}}
    fix = _probe_fix("Readiness", "Readiness probe failed: command timed out", pod, "api", {"exec": {}})
    assert fix.startswith("make the probe match the app")
