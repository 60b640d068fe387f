"""Check cases of the exercises on deployments, services (see check_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
from check_cases import Answers, full, half
from test_checks_fakes import NS, FakeCluster, pod, typed

from kdsutils import manifests


def _deployment(name: str, replicas: int, *, ready: int | None = None, env: dict[str, str] | None = None,
                revision: int = 1) -> Any:  # fmt: skip
    manifest = manifests.deployment(name, manifests.PYTHON_DS_IMAGE, ["python3", "-m", "http.server", "8000"],
                                    replicas=replicas, env=env)  # fmt: skip
    ready = replicas if ready is None else ready
    status = {"observedGeneration": revision, "replicas": replicas, "updatedReplicas": replicas,
              "readyReplicas": ready, "availableReplicas": ready}  # fmt: skip
    annotations = {"deployment.kubernetes.io/revision": str(revision)}
    return typed(manifest, status=status, generation=revision, annotations=annotations)


def _replica_set(owner: str, name: str, env: dict[str, str] | None) -> Any:
    manifest = dict(manifests.deployment(owner, manifests.PYTHON_DS_IMAGE, ["python3"], env=env))
    manifest["kind"], manifest["metadata"] = "ReplicaSet", {"name": name}
    reference = {"apiVersion": "apps/v1", "kind": "Deployment", "name": owner, "uid": "1"}
    return typed(manifest, ownerReferences=[reference])


@full("deployments_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("api", 3))
    return {}


@half("deployments_ex1", says="it asks for 3 replicas (spec.replicas is 1)")
def deployments_ex1_not_scaled_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("api", 1))
    return {}


@half("deployments_ex1", says="3 of its Pods are ready (2 are")
def deployments_ex1_one_pod_not_ready(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("api", 3, ready=2))
    return {}


@full("deployments_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("api", 3, revision=3))
    fake.add(_replica_set("api", "api-5d4f", None), _replica_set("api", "api-7c9b", {"MODEL_VERSION": "v2"}))
    fake.add(_replica_set("other", "other-1a2b", None))
    return {}


@half("deployments_ex2", says="it still sets MODEL_VERSION=v2: roll it back")
def deployments_ex2_not_rolled_back(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("api", 3, env={"MODEL_VERSION": "v2"}, revision=2))
    return {}


@half("deployments_ex2", says="a change setting MODEL_VERSION=v2 was rolled out")
def deployments_ex2_no_change_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("replica_set", "api-7c9b")
    return {}


def _service(selector: dict[str, str]) -> Any:
    return typed(manifests.service("web", port=80, target_port=8000, selector=selector))


def _endpoints(ready: int) -> Any:
    endpoints = [{"addresses": [f"10.244.0.{i}"], "conditions": {"ready": True}} for i in range(ready)]
    manifest = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                "metadata": {"name": "web-x7k2p", "labels": {"kubernetes.io/service-name": "web"}},
                "endpoints": endpoints}  # fmt: skip
    return typed(manifest)


@full("services_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("web", 2), _service({"app": "web"}), _endpoints(2))
    return {}


@half("services_ex1", says="Deployment web has 2 ready replicas (it has 1)")
def services_ex1_one_replica(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("web", 1), _endpoints(1))
    return {}


@half("services_ex1", says="matches the labels of web's Pods")
def services_ex1_selects_no_pods(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_service({"app": "api"}), _endpoints(0))
    return {}


@half("services_ex1", says="there is a Service named web")
def services_ex1_no_service_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("service", "web")
    return {}


@full("services_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    command = ["wget", "-qO-", "http://web/"]
    fake.add(pod("client", command, phase="Succeeded", image=manifests.BUSYBOX_IMAGE, restart_policy="Never"))
    fake.print("client", "<!DOCTYPE HTML>\n<title>Directory listing for /</title>\n")
    return {}


@half("services_ex2", says="client calls the Service by its name, web (not an IP)")
def services_ex2_by_ip(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    command = ["wget", "-qO-", "http://10.96.12.7/"]
    fake.add(pod("client", command, phase="Succeeded", image=manifests.BUSYBOX_IMAGE, restart_policy="Never"))
    return {}


@half("services_ex2", says="client ran and exited successfully (its phase is Failed)")
def services_ex2_failed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    command = ["wget", "-qO-", "http://web:8000/"]
    fake.add(pod("client", command, phase="Failed", image=manifests.BUSYBOX_IMAGE, restart_policy="Never"))
    return {}


@full("services_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": f"web.{NS}.svc.cluster.local."}


@half("services_ex3", says="is the full DNS name of the Service web")
def services_ex3_no_namespace(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "web.svc.cluster.local"}
