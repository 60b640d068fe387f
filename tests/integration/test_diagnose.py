"""diagnose on really broken workloads in the live cluster: each rule must name the real cause.

Each test gets its own namespace from the `ns` fixture (tests/integration/conftest.py).
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from kdsutils._run import run
from kdsutils.diagnosis import Diagnosis, diagnose
from kdsutils.errors import ToolMissing
from kdsutils.images import reference
from tests.conftest import only_finding

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]

PYTHON = reference("python-ds")
QUICK_STOP = {"terminationGracePeriodSeconds": 1}
BUSYBOX = reference("busybox")


def apply(namespace: str, *manifests: dict) -> None:
    items = {"apiVersion": "v1", "kind": "List", "items": list(manifests)}
    run(["kubectl", "apply", "-n", namespace, "-f", "-"], input=json.dumps(items))


def container(image: str, command: list[str] | None = None, **extra: object) -> dict:
    spec: dict = {"name": "main", "image": image, "imagePullPolicy": "IfNotPresent", **extra}
    if command:
        spec["command"] = command
    return spec


def pod(name: str, *containers: dict, labels: dict | None = None, restart: str = "Always") -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": labels or {"app": name}},
        "spec": {"containers": list(containers), "restartPolicy": restart, **QUICK_STOP},
    }


def diagnosed(
    kind: str, name: str, namespace: str, until: Callable[[Diagnosis], bool], timeout: float = 180
) -> Diagnosis:
    """Diagnose again (with backoff) until `until` holds; fail with the last diagnosis."""
    deadline, pause = time.monotonic() + timeout, 0.5
    while True:
        result = diagnose(kind, name, namespace=namespace)
        if until(result):
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"after {timeout} s the diagnosis still reads:\n{result}")
        time.sleep(pause)
        pause = min(pause * 1.5, 5)


def has(text: str) -> Callable[[Diagnosis], bool]:
    return lambda d: any(text in f.problem for f in d.findings)


def test_image_that_does_not_exist(ns: str) -> None:
    apply(ns, pod("trainer", container("kds.invalid/does-not-exist:1", ["python", "train.py"])))
    d = diagnosed("pod", "trainer", ns, has("cannot be pulled"))
    finding = only_finding(d)
    assert "kds.invalid/does-not-exist:1" in finding.problem
    assert "never pulled" in finding.fix
    # what the cluster does have: the closest name, or the course images when none is close
    shown = r"(the closest image the cluster has|course images in the cluster): kds\.invalid/"
    assert re.search(shown, finding.evidence)


def test_crash_loop(ns: str) -> None:
    script = "print('loading data'); raise SystemExit(3)"
    apply(ns, pod("etl", container(PYTHON, ["python", "-c", script])))
    d = diagnosed("pod", "etl", ns, has("CrashLoopBackOff"))
    finding = only_finding(d)
    assert "exit code 3" in finding.problem
    assert "loading data" in finding.evidence


def test_command_missing_from_the_image(ns: str) -> None:
    apply(ns, pod("typo", container(BUSYBOX, ["pyhton3", "-c", "print(1)"])))
    d = diagnosed("pod", "typo", ns, has("cannot start its command"))
    finding = only_finding(d)
    assert "exit code 128" in finding.problem
    assert 'exec: "pyhton3": executable file not found' in finding.evidence
    assert "fix a typo" in finding.fix


def test_out_of_memory(ns: str) -> None:
    script = "data = 'x' * (200 * 1024 * 1024); print(len(data))"
    limits = {"limits": {"memory": "64Mi"}, "requests": {"memory": "64Mi"}}
    apply(ns, pod("hungry", container(PYTHON, ["python", "-c", script], resources=limits)))
    d = diagnosed("pod", "hungry", ns, has("OOMKilled"))
    # A restart between two reads can add a finding under load; the OOM kill must be there once, with its figures.
    oom = [f for f in d.findings if "OOMKilled" in f.problem]
    assert len(oom) == 1, d
    (finding,) = oom
    assert "64Mi" in finding.evidence
    assert "try 256Mi" in finding.fix  # never less than Python with pandas needs to start


def test_too_many_cpus(ns: str) -> None:
    apply(ns, pod("big", container(BUSYBOX, ["sleep", "3600"], resources={"requests": {"cpu": "64"}})))
    d = diagnosed("pod", "big", ns, has("cannot be scheduled"))
    finding = only_finding(d)
    assert "no node has enough unreserved cpu" in finding.problem
    assert "cpu: 64" in finding.evidence


def test_a_gpu_on_a_cluster_without_one(ns: str) -> None:
    apply(ns, pod("gpu", container(BUSYBOX, ["sleep", "3600"], resources={"limits": {"nvidia.com/gpu": 1}})))
    d = diagnosed("pod", "gpu", ns, has("cannot be scheduled"))
    finding = only_finding(d)
    assert "it asks for nvidia.com/gpu, and no node has one free" in finding.problem


def test_a_liveness_probe_that_kills_a_slow_start(ns: str) -> None:
    probe = {"httpGet": {"path": "/", "port": 8080}, "periodSeconds": 1, "failureThreshold": 2}
    slow = container(BUSYBOX, ["sh", "-c", "sleep 20; httpd -f -p 8080"], livenessProbe=probe)
    apply(ns, pod("slow", slow))
    d = diagnosed("pod", "slow", ns, has("liveness probe fails"))
    assert "startupProbe" in d.findings[0].fix


def test_missing_configmap(ns: str) -> None:
    env = [{"name": "COLOR", "valueFrom": {"configMapKeyRef": {"name": "settings", "key": "color"}}}]
    apply(ns, pod("configured", container(BUSYBOX, ["sleep", "3600"], env=env)))
    d = diagnosed("pod", "configured", ns, has("ConfigMap settings does not exist"))
    assert f"kubectl create configmap settings -n {ns}" in d.findings[0].fix


def test_service_selecting_no_pod(ns: str) -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    apply(ns, pod("webapp", container(BUSYBOX, ["sleep", "3600"]), labels={"app": "webapp"}), service)
    d = diagnosed("service", "web", ns, has("no pod has the labels"), timeout=60)
    assert "pod webapp: app=webapp" in d.findings[0].evidence
    assert "app=web (pod has app=webapp)" in d.findings[0].fix


def test_service_hint_names_the_pod_with_the_nearest_labels(ns: str) -> None:
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "iris"},
        "spec": {"selector": {"app": "irsi"}, "ports": [{"port": 80, "targetPort": 8000}]},
    }
    apply(ns, pod("client", container(BUSYBOX, ["sleep", "3600"]), labels={"run": "client"}),
          pod("iris-model", container(BUSYBOX, ["sleep", "3600"]), labels={"app": "iris"}), service)
    d = diagnosed("service", "iris", ns, has("no pod has the labels"), timeout=60)
    assert "Closest: pod iris-model differs in app=irsi (pod has app=iris)" in d.findings[0].fix


def test_failing_readiness_probe(ns: str) -> None:
    probe = {"exec": {"command": ["cat", "/tmp/ready"]}, "periodSeconds": 2, "failureThreshold": 1}
    apply(ns, pod("web", container(BUSYBOX, ["sleep", "3600"], readinessProbe=probe)))
    d = diagnosed("pod", "web", ns, has("readiness probe fails"))
    assert "the command cat /tmp/ready" in d.findings[0].evidence
    assert "Readiness probe failed" in d.findings[0].evidence


FAILING_TRAINING = "print('epoch 1'); raise ValueError('NaN')"


def test_job_past_its_backoff_limit(ns: str) -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "train-once"},
        "spec": {
            "backoffLimit": 0,
            "template": {
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [container(PYTHON, ["python", "-c", FAILING_TRAINING])],
                }
            },
        },
    }
    apply(ns, job)
    d = diagnosed("job", "train-once", ns, has("gave up"))
    assert "backoffLimit is 0" in d.findings[0].problem
    pods = [f for f in d.findings if "exited with code 1" in f.problem]
    assert pods, str(d)
    assert "ValueError: NaN" in pods[0].evidence


def test_deployment_delegates_to_its_pods(ns: str) -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "trainer"},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "trainer"}},
            "template": {
                "metadata": {"labels": {"app": "trainer"}},
                "spec": {"containers": [container(PYTHON.replace("python-ds", "pyhton-ds"), ["sleep", "3600"])]},
            },
        },
    }
    apply(ns, deployment)
    d = diagnosed("deploy", "trainer", ns, has("(and 1 more): container main cannot start: image"))
    assert f"Did you mean {PYTHON}?" in d.findings[0].fix


def test_healthy_deployment_is_ok(ns: str) -> None:
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "idle"},
        "spec": {
            "replicas": 1,
            "selector": {"matchLabels": {"app": "idle"}},
            "template": {
                "metadata": {"labels": {"app": "idle"}},
                "spec": {"containers": [container(BUSYBOX, ["sleep", "3600"])], **QUICK_STOP},
            },
        },
    }
    apply(ns, deployment)
    d = diagnosed("deployment", "idle", ns, lambda d: d.ok, timeout=120)
    assert d.summary == "Deployment idle: 1/1 pods ready, no problem found."


def test_failed_helm_release(ns: str, tmp_path: Path) -> None:
    try:
        run(["helm", "version"])
    except ToolMissing:
        pytest.skip("helm is not built yet (`make engine`)")
    chart = tmp_path / "shop"
    (chart / "templates").mkdir(parents=True)
    (chart / "Chart.yaml").write_text("apiVersion: v2\nname: shop\nversion: 0.1.0\n")
    pod_template = pod("shop", container("kds.invalid/does-not-exist:1", ["sleep", "3600"]))
    pod_template["metadata"]["labels"]["app.kubernetes.io/instance"] = "shop"
    (chart / "templates" / "pod.yaml").write_text(json.dumps(pod_template))
    install = run(["helm", "install", "shop", str(chart), "-n", ns, "--wait", "--timeout=20s"], check=False)
    assert install.returncode != 0, "the install was meant to fail"
    d = diagnosed("release", "shop", ns, has("Helm release failed"), timeout=60)
    assert any("cannot be pulled" in f.problem for f in d.findings), str(d)


def test_missing_object(ns: str) -> None:
    d = diagnose("pod", "nope", namespace=ns)
    assert not d.ok
    assert d.summary == f"There is no Pod named nope in namespace {ns}."


def _served(ns: str, name: str, bind: str, target_port: int) -> Diagnosis:
    """A ready pod running a web server on `bind`:8000, behind a Service that sends port 80 to `target_port`."""
    server = container(PYTHON, ["python", "-m", "http.server", "8000", "--bind", bind],
                       readinessProbe={"exec": {"command": ["true"]}, "periodSeconds": 1})  # fmt: skip
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
               "spec": {"selector": {"app": name}, "ports": [{"port": 80, "targetPort": target_port}]}}  # fmt: skip
    apply(ns, pod(name, server), service)
    run(["kubectl", "wait", f"pod/{name}", "--for=condition=Ready", "-n", ns, "--timeout=120s"], timeout=130)
    # The server may take a moment after the Pod is ready to open its socket.
    return diagnosed("service", name, ns, lambda d: "listens on: nothing" not in str(d), timeout=60)


def test_service_whose_server_listens_on_loopback_only(ns: str) -> None:
    d = _served(ns, "local-only", "127.0.0.1", 8000)
    assert not d.ok, str(d)
    assert "listens on 127.0.0.1:8000 only" in d.findings[0].problem


def test_service_whose_target_port_nobody_listens_on(ns: str) -> None:
    d = _served(ns, "wrong-port", "0.0.0.0", 8080)
    assert not d.ok, str(d)
    assert "nothing in pod wrong-port listens on port 8080" in d.findings[0].problem
    assert "0.0.0.0:8000" in d.findings[0].evidence


def test_service_whose_server_listens_on_all_addresses_is_ok(ns: str) -> None:
    d = _served(ns, "all-addresses", "0.0.0.0", 8000)
    assert d.ok, str(d)
