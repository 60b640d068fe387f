"""diagnose: each rule on recorded API objects (tests/unit/fixtures/diagnose/*.json)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import kdsutils.diagnosis as diagnose_module
from kdsutils.diagnosis import Diagnosis, Finding, Snapshot, diagnose, explain, pod_findings
from kdsutils.errors import KdsError

FIXTURES = Path(__file__).parent / "fixtures" / "diagnose"


def load(name: str) -> Snapshot:
    return Snapshot(**json.loads((FIXTURES / f"{name}.json").read_text()))


def explained(name: str) -> Diagnosis:
    return explain(load(name))


def test_image_pull_typo_suggests_the_course_image() -> None:
    d = explained("pod-imagepull")
    assert not d.ok
    (f,) = d.findings
    assert "kds.invalid/pyhton-ds:2026.11 cannot be pulled" in f.problem
    assert "ImagePullBackOff" in f.evidence
    assert "never pulled" in f.fix
    assert "Did you mean kds.invalid/python-ds:2026.11?" in f.fix
    assert "kind load docker-image" in f.fix


def test_image_pull_of_a_public_image_with_pull_policy_always() -> None:
    (f,) = explained("pod-imagepull-public").findings
    assert "python:3.13-slim" in f.problem
    assert "never pulled" not in f.fix
    assert "IfNotPresent" in f.fix


def test_crash_loop_shows_exit_code_and_last_log_lines() -> None:
    (f,) = explained("pod-crashloop").findings
    assert "CrashLoopBackOff" in f.problem and "exit code 3" in f.problem
    assert "FileNotFoundError" in f.evidence
    assert "--previous" in f.fix


def test_crash_loop_between_restarts_recorded_from_kubernetes_1_36() -> None:
    """Between restarts a 1.36 kubelet leaves the exit in `state.terminated` (not waiting)."""
    (f,) = explained("pod-crashloop-terminated").findings
    assert f.problem == "container main keeps crashing (CrashLoopBackOff): exit code 3, 6 restarts"
    assert "loading data" in f.evidence
    assert "--previous" not in f.fix


def test_oom_killed_names_the_limit_and_suggests_enough_for_python() -> None:
    (f,) = explained("pod-oomkilled").findings
    assert "OOMKilled" in f.problem
    assert "64Mi" in f.evidence
    assert "try 256Mi, as Python with pandas" in f.fix  # twice 64Mi would still be too little to start


@pytest.mark.parametrize(
    ("fixture", "problem", "evidence"),
    [
        ("pod-pending-cpu", "no node has enough unreserved cpu", "the pod requests cpu: 64"),
        ("pod-pending-taint", "taint {gpu: true}", "untolerated taint"),
        ("pod-pending-pvc", "PersistentVolumeClaim is not bound", "data: Pending, storageClassName fast"),
    ],
)
def test_pending_pods_say_what_is_short(fixture: str, problem: str, evidence: str) -> None:
    (f,) = explained(fixture).findings
    assert "cannot be scheduled" in f.problem and problem in f.problem
    assert evidence in f.evidence


def test_pending_pvc_names_the_course_storage_class() -> None:
    (f,) = explained("pod-pending-pvc").findings
    assert "`standard`" in f.fix


def test_missing_configmap() -> None:
    (f,) = explained("pod-configmap-missing").findings
    assert "ConfigMap settings does not exist" in f.problem
    assert "kubectl create configmap settings -n lesson-debugging" in f.fix


def test_missing_configmap_key() -> None:
    (f,) = explained("pod-configmap-key").findings
    assert "ConfigMap settings has no key color" in f.problem


def test_missing_secret_in_a_volume() -> None:
    (f,) = explained("pod-secret-volume").findings
    assert "Secret db-credentials does not exist" in f.problem
    assert "kubectl create secret generic db-credentials" in f.fix


def test_failing_readiness_probe() -> None:
    (f,) = explained("pod-readiness").findings
    assert "readiness probe fails" in f.problem
    assert "HTTP GET /healthz on port 8080" in f.evidence
    assert "statuscode: 404 (x31)" in f.evidence


def test_service_selector_matches_no_pod() -> None:
    d = explained("service-no-match")
    (f,) = d.findings
    assert "no pod has the labels" in f.problem and "app=web,tier=frontend" in f.problem
    assert "pod webapp-5c9d7f-abcde: app=webapp" in f.evidence
    assert "app=web (pod has app=webapp)" in f.fix


def test_service_with_unready_pods_delegates_to_them() -> None:
    d = explained("service-pods-not-ready")
    assert "not ready" in d.findings[0].problem
    assert any("readiness probe fails" in f.problem for f in d.findings[1:])


def test_job_past_its_backoff_limit() -> None:
    d = explained("job-backoff")
    assert "backoffLimit is 0" in d.findings[0].problem
    assert "BackoffLimitExceeded" in d.findings[0].evidence
    pod = d.findings[1]
    assert pod.problem == "pod train-once-8x2lm: container main exited with code 1"
    assert "ValueError: Input contains NaN" in pod.evidence


def test_failed_helm_release_and_its_pods() -> None:
    d = explained("release-failed")
    assert "Helm release failed" in d.findings[0].problem
    assert "context deadline exceeded" in d.findings[0].evidence
    assert "cannot be pulled" in d.findings[1].problem


def test_helm_release_stuck_pending() -> None:
    (f,) = explained("release-pending").findings
    assert "pending-install" in f.problem and "helm rollback shop" in f.fix


def test_deployment_groups_pods_with_the_same_problem() -> None:
    d = explained("deployment-imagepull")
    (f,) = d.findings
    assert f.problem.startswith("pod trainer-6f9c-abcde (and 1 more): ")
    assert d.summary.startswith("Deployment trainer is not working: 0/2 pods ready; ")


def test_deployment_blocked_by_quota() -> None:
    (f,) = explained("deployment-quota").findings
    assert "cannot create its pods" in f.problem
    assert "exceeded quota" in f.evidence and "ResourceQuota is used up" in f.fix


@pytest.mark.parametrize(
    ("fixture", "summary"),
    [
        ("deployment-ok", "Deployment trainer: 2/2 pods ready, no problem found."),
        ("job-complete", "Job train-once completed: 1 pod(s) succeeded."),
        ("service-ok", "Service web sends traffic to 1 ready pod(s)."),
    ],
)
def test_healthy_objects(fixture: str, summary: str) -> None:
    d = explained(fixture)
    assert d.ok and d.summary == summary and d.findings == []


def test_not_found_lists_what_exists() -> None:
    d = explain(Snapshot(kind="deployment", name="tranier", namespace="demo", obj=None, siblings=["trainer", "db"]))
    assert not d.ok
    assert d.summary == "There is no Deployment named tranier in namespace demo."
    assert "trainer, db" in d.findings[0].evidence
    assert "Did you mean trainer?" in d.findings[0].fix


def test_healthy_pod_has_no_findings() -> None:
    pod = load("service-ok").pods[0]
    assert pod_findings(pod, [], {}, []) == []


def test_text_and_html() -> None:
    d = Diagnosis(False, "Pod <x> is not working: a & b.", [Finding("a & b", "line 1\nline 2", "do <this>")])
    text = str(d)
    assert text.splitlines() == [
        "Pod <x> is not working: a & b.",
        "",
        "1. a & b",
        "   | line 1",
        "   | line 2",
        "   Fix: do <this>",
    ]
    page = d._repr_html_()
    assert "Pod &lt;x&gt; is not working: a &amp; b." in page
    assert "do &lt;this&gt;" in page and "<ol>" in page


def test_unknown_kind() -> None:
    with pytest.raises(KdsError, match="cronjob") as err:
        diagnose("cronjob", "nightly", namespace="demo")
    assert "pod, deployment, job, service, release" in err.value.fix


class FakeKubectl:
    """Answer kubectl/helm from a dict of (args prefix) -> JSON; record every command."""

    def __init__(self, answers: dict[tuple[str, ...], object]) -> None:
        self.answers = answers
        self.calls: list[list[str]] = []

    def __call__(self, args: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        self.calls.append(args)
        for prefix, answer in self.answers.items():
            if tuple(args[: len(prefix)]) == prefix:
                if isinstance(answer, str):
                    return subprocess.CompletedProcess(args, 0, answer, "")
                if answer is None:
                    return subprocess.CompletedProcess(args, 1, "", "Error from server (NotFound): not found")
                return subprocess.CompletedProcess(args, 0, json.dumps(answer), "")
        return subprocess.CompletedProcess(args, 0, json.dumps({"items": []}), "")


def test_fetch_a_job_reads_its_pods_events_and_logs(monkeypatch: pytest.MonkeyPatch) -> None:
    snap = load("job-backoff")
    fake = FakeKubectl(
        {
            ("kubectl", "get", "job", "train-once"): snap.obj,
            ("kubectl", "get", "pods"): {"items": snap.pods},
            ("kubectl", "get", "events"): {"items": snap.events},
            ("kubectl", "logs"): "ValueError: Input contains NaN\n",
        }
    )
    monkeypatch.setattr(diagnose_module, "run", fake)
    d = diagnose("jobs", "train-once", namespace="lesson-debugging")
    assert [
        "kubectl",
        "get",
        "pods",
        "-n",
        "lesson-debugging",
        "-l",
        "batch.kubernetes.io/controller-uid=8e1f",
        "-o",
        "json",
    ] in fake.calls
    assert [
        "kubectl",
        "logs",
        "train-once-8x2lm",
        "-c",
        "main",
        "-n",
        "lesson-debugging",
        "--tail=10",
    ] in fake.calls
    assert "ValueError" in d.findings[1].evidence


def test_fetch_a_missing_pod_lists_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    fake = FakeKubectl(
        {
            ("kubectl", "get", "pod", "web"): None,
            ("kubectl", "get", "pod", "-n"): {"items": [{"metadata": {"name": "web-1"}}]},
        }
    )
    monkeypatch.setattr(diagnose_module, "run", fake)
    d = diagnose("po", "web", namespace="demo")
    assert d.summary == "There is no Pod named web in namespace demo."
    assert "web-1" in d.findings[0].evidence


def test_fetch_reads_node_images_only_for_pull_problems(monkeypatch: pytest.MonkeyPatch) -> None:
    snap = load("pod-imagepull")
    names = ["kds.invalid/python-ds@sha256:ab", "kds.invalid/python-ds:2026.11"]
    untagged = {"names": None, "sizeBytes": 782926205}  # as a node lists an image untagged by a rebuild
    nodes = {"items": [{"status": {"images": [{"names": names}, untagged]}}]}
    fake = FakeKubectl({("kubectl", "get", "pod", "trainer"): snap.obj, ("kubectl", "get", "nodes"): nodes})
    monkeypatch.setattr(diagnose_module, "run", fake)
    d = diagnose("pod", "trainer", namespace="lesson-debugging")
    assert "Did you mean kds.invalid/python-ds:2026.11?" in d.findings[0].fix
    healthy = load("service-ok").pods[0]
    fake = FakeKubectl({("kubectl", "get", "pod"): healthy})
    monkeypatch.setattr(diagnose_module, "run", fake)
    assert diagnose("pod", healthy["metadata"]["name"], namespace="lesson-debugging").ok
    assert not any(c[:3] == ["kubectl", "get", "nodes"] for c in fake.calls)


def test_selector_with_expressions() -> None:
    selector = {
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["a", "b"]},
            {"key": "canary", "operator": "DoesNotExist"},
        ],
    }
    assert diagnose_module._selector_string(selector) == "app=web,tier in (a,b),!canary"


def test_events_of_a_deleted_namesake_are_ignored() -> None:
    snap = load("pod-readiness")
    for event in snap.events:
        event["involvedObject"]["uid"] = "uid-of-the-pod-deleted-before"
    (f,) = explain(snap).findings
    assert f.problem == "the pod is not ready yet (no known problem found)"


def _service_with(listening: list[tuple[str, int]] | None, *, declared: list[int] | None = None) -> Diagnosis:
    """The healthy recorded Service, its pod listening as given (None: could not be read)."""
    snap = load("service-ok")
    pod = snap.pods[0]
    if declared is not None:
        pod["spec"]["containers"][0]["ports"] = [{"containerPort": port} for port in declared]
    snap.listening = {pod["metadata"]["name"]: listening}
    return explain(snap)


def test_service_whose_server_listens_on_loopback_only_answers_nobody() -> None:
    d = _service_with([("127.0.0.1", 8080)])
    assert not d.ok and "sends traffic to 1 ready pod(s), but the server in pod" in d.summary
    (f,) = d.findings
    assert "listens on 127.0.0.1:8080 only" in f.problem and "0.0.0.0" in f.fix


def test_service_whose_target_port_has_no_listener() -> None:
    (f,) = _service_with([("0.0.0.0", 8000)]).findings
    assert "nothing in pod web-7d9f8b6c5-x2k4q listens on port 8080" in f.problem
    assert "0.0.0.0:8000" in f.evidence


def test_service_whose_pod_declares_another_port_when_it_cannot_look_inside() -> None:
    (f,) = _service_with(None, declared=[8000]).findings
    assert "to port 8080, which pod web-7d9f8b6c5-x2k4q does not declare" in f.problem
    assert "/proc/net/tcp" in f.fix


def test_service_listening_on_all_addresses_is_healthy() -> None:
    d = _service_with([("127.0.0.1", 9090), ("::", 8080)])
    assert d.ok and d.findings == []
    assert _service_with(None).ok, "when nothing is known, nothing is claimed"


def test_a_gpu_request_on_a_cluster_without_gpus() -> None:
    (f,) = explained("pod-gpu").findings
    assert "it asks for nvidia.com/gpu, and no node has one free" in f.problem
    assert "Insufficient nvidia.com/gpu" in f.evidence and "remove the request" in f.fix


def test_a_ready_pod_restarted_by_its_liveness_probe() -> None:
    d = explained("pod-liveness-restarts")
    assert not d.ok
    (f,) = d.findings
    assert f.problem == "container main: liveness probe fails, so the kubelet restarts the container"
    assert "startupProbe" in f.fix
