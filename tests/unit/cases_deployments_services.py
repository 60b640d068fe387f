"""Check cases of the exercises on deployments, services (see check_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
from check_cases import Answers, full, half
from test_checks_fakes import NS, FakeCluster, pod, typed

from kdsutils import manifests

SERVE = ["python", "-m", "churn.serve"]
PROBE = {"httpGet": {"path": "/health", "port": 8000}, "periodSeconds": 2}


def _deployment(name: str, replicas: int, *, ready: int | None = None, env: dict[str, str] | None = None,
                revision: int = 1, command: list[str] = SERVE,
                probe: dict[str, Any] | None = PROBE) -> Any:  # fmt: skip
    manifest = manifests.deployment(name, manifests.PYTHON_DS_IMAGE, command, replicas=replicas, env=env,
                                    ports=[8000])  # fmt: skip
    if probe is not None:
        manifest["spec"]["template"]["spec"]["containers"][0]["readinessProbe"] = probe
    ready = replicas if ready is None else ready
    status = {"observedGeneration": revision, "replicas": replicas, "updatedReplicas": replicas,
              "readyReplicas": ready, "availableReplicas": ready}  # fmt: skip
    annotations = {"deployment.kubernetes.io/revision": str(revision)}
    return typed(manifest, status=status, generation=revision, annotations=annotations)


def _replica_set(owner: str, name: str, env: dict[str, str] | None) -> Any:
    manifest = dict(manifests.deployment(owner, manifests.PYTHON_DS_IMAGE, SERVE, env=env))
    manifest["kind"], manifest["metadata"] = "ReplicaSet", {"name": name}
    reference = {"apiVersion": "apps/v1", "kind": "Deployment", "name": owner, "uid": "1"}
    return typed(manifest, ownerReferences=[reference])


def _server_pod(name: str, env: dict[str, str], *, ready: bool = True, leaving: bool = False) -> Any:
    conditions = [{"type": "Ready", "status": "True" if ready else "False"}]
    metadata = {"deletionTimestamp": "2026-12-01T10:00:00Z"} if leaving else {}
    return pod(name, SERVE, env=env, labels={"app": "churn-api"}, status={"conditions": conditions},
               metadata=metadata)  # fmt: skip


# ---------------------------------------------------------------------------- deployments


@full("deployments_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("churn-api", 3, env={"VERSION": "v1", "C": "1.0"}, revision=3))
    fake.add(
        _replica_set("churn-api", "churn-api-5d4f", {"VERSION": "v1", "C": "1.0"}),
        _replica_set("churn-api", "churn-api-7c9b", {"VERSION": "v2", "C": "0.1"}),
        _replica_set("other", "other-1a2b", {"VERSION": "v2", "C": "0.1"}),
    )
    return {}


@half("deployments_ex1", says="it asks for 3 replicas (spec.replicas is 1)")
def deployments_ex1_not_scaled_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("churn-api", 1, env={"VERSION": "v1", "C": "1.0"}, revision=3))
    return {}


@half("deployments_ex1", says="readiness probe on GET /health, port 8000 (there is none)")
def deployments_ex1_no_probe(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("churn-api", 3, env={"VERSION": "v1", "C": "1.0"}, revision=3, probe=None))
    return {}


@half("deployments_ex1", says="(it asks GET /healthz on port 8000)")
def deployments_ex1_probe_on_another_path(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    probe = {"httpGet": {"path": "/healthz", "port": 8000}}
    fake.add(_deployment("churn-api", 3, env={"VERSION": "v1", "C": "1.0"}, revision=3, probe=probe))
    return {}


@half("deployments_ex1", says="they run: python3 -m http.server 8000")
def deployments_ex1_another_program(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    command = ["python3", "-m", "http.server", "8000"]
    fake.add(_deployment("churn-api", 3, env={"VERSION": "v1", "C": "1.0"}, revision=3, command=command))
    return {}


@half("deployments_ex1", says="a version 2 setting VERSION=v2 and C=0.1 was rolled out")
def deployments_ex1_no_version_2_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("replica_set", "churn-api-7c9b")
    return {}


@half("deployments_ex1", says="it still sets VERSION=v2 and C=0.1: roll back")
def deployments_ex1_not_rolled_back(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("churn-api", 3, env={"VERSION": "v2", "C": "0.1"}, revision=2))
    return {}


@half("deployments_ex1", says="it still sets VERSION=v2: roll back to the revision before version 2")
def deployments_ex1_rolled_back_one_of_two_steps(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("churn-api", 3, env={"VERSION": "v2", "C": "1.0"}, revision=4))
    return {}


@half("deployments_ex1", says="2 of 3 are available")
def deployments_ex1_rollback_still_rolling(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("churn-api", 3, ready=2, env={"VERSION": "v1", "C": "1.0"}, revision=3))
    return {}


@full("deployments_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("churn-api", 3, env={"VERSION": "v1", "THRESHOLD": "0.3"}, revision=4))
    fake.add(*(_server_pod(f"churn-api-7c9b-{i}", {"VERSION": "v1", "THRESHOLD": "0.3"}) for i in range(3)))
    fake.add(_server_pod("churn-api-5d4f-x", {"VERSION": "v1"}, leaving=True))
    fake.add(pod("someone-else", SERVE, env={"THRESHOLD": "0.9"}, status={"conditions": [
        {"type": "Ready", "status": "True"}]}))  # fmt: skip
    return {}


@half("deployments_ex2", says="its Pod template sets THRESHOLD=0.3 (it does not set THRESHOLD)")
def deployments_ex2_not_set(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("churn-api", 3, env={"VERSION": "v1"}, revision=3))
    return {}


@half("deployments_ex2", says="1 ready Pod(s) still run without it")
def deployments_ex2_rollout_under_way(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_server_pod("churn-api-5d4f-y", {"VERSION": "v1", "THRESHOLD": "0.5"}))
    fake.add(_server_pod("churn-api-7c9b-2", {"VERSION": "v1", "THRESHOLD": "0.3"}, ready=False))
    return {}


@half("deployments_ex2", says="all 3 ready replicas run with THRESHOLD=0.3 (2 of 3 are ready)")
def deployments_ex2_one_pod_not_ready(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_server_pod("churn-api-7c9b-2", {"VERSION": "v1", "THRESHOLD": "0.3"}, ready=False))
    return {}


@half("deployments_ex2", says="there is a Deployment named churn-api (do exercise deployments_ex1 first)")
def deployments_ex2_no_deployment(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("deployment", "churn-api")
    return {}


def _canary(*, ready: int, port: int = 8000, probe: bool = True, replicas: int = 1) -> Any:
    asks = {"httpGet": {"path": "/health", "port": port}} if probe else None
    return _deployment("churn-api-canary", replicas, ready=ready, env={"VERSION": "canary", "C": "0.3"},
                       revision=2, probe=asks)  # fmt: skip


@full("deployments_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_canary(ready=1))
    return {}


@half("deployments_ex3", says="all its replicas are ready and available: the rollout has finished (0 of 1 available)")
def deployments_ex3_as_it_was_left(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_canary(ready=0, port=8080))
    return {}


@half("deployments_ex3", says="keep one, it is what makes ready mean the model is loaded")
def deployments_ex3_probe_removed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_canary(ready=1, probe=False))
    return {}


@half("deployments_ex3", says="it runs at least one replica (spec.replicas is 0)")
def deployments_ex3_scaled_to_zero(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_canary(ready=0, replicas=0))
    return {}


@half("deployments_ex3", says="there is a Deployment named churn-api-canary (run the cell that starts it)")
def deployments_ex3_not_started(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("deployment", "churn-api-canary")
    return {}


# ---------------------------------------------------------------------------- services


def _service(name: str, selector: dict[str, str], *, target_port: int | str = 8000) -> Any:
    return typed(manifests.service(name, port=80, target_port=target_port, selector=selector))


def _endpoints(service: str, ready: int, *, port: int = 8000, not_ready: int = 0) -> Any:
    endpoints = [{"addresses": [f"10.244.0.{i}"], "conditions": {"ready": i < ready}} for i in range(ready + not_ready)]
    manifest = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                "metadata": {"name": f"{service}-x7k2p", "labels": {"kubernetes.io/service-name": service}},
                "endpoints": endpoints, "ports": [{"name": "", "port": port, "protocol": "TCP"}]}  # fmt: skip
    return typed(manifest)


@full("services_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("churn-api", 2), _service("churn-api", {"app": "churn-api"}), _endpoints("churn-api", 2))
    return {}


@half("services_ex1", says="Deployment churn-api has 2 ready replicas (1 ready, 1 wanted)")
def services_ex1_one_replica(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("churn-api", 1), _endpoints("churn-api", 1))
    return {}


@half("services_ex1", says="its selector picks the Pods of churn-api (it selects app=churn_api")
def services_ex1_selects_no_pods(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_service("churn-api", {"app": "churn_api"}), _endpoints("churn-api", 0))
    return {}


@half("services_ex1", says="port 80 sends traffic to port 8000 of the Pods (it sends to 80)")
def services_ex1_target_port_left_out(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_service("churn-api", {"app": "churn-api"}, target_port=80))
    return {}


@half("services_ex1", says="the Service has 2 ready endpoints (it has 1)")
def services_ex1_endpoint_not_ready(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_endpoints("churn-api", 1, not_ready=1))
    return {}


@half("services_ex1", says="readiness probe on GET /health, port 8000 (there is none)")
def services_ex1_no_probe(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("churn-api", 2, probe=None))
    return {}


@half("services_ex1", says="there is a Service named churn-api")
def services_ex1_no_service_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("service", "churn-api")
    return {}


TWO = ('{"customers": [{"tenure_months": 40, "monthly_fee": 19.99, "support_calls": 0, "late_payments": 0, '
       '"plan": "premium"}, {"tenure_months": 3, "monthly_fee": 8.99, "support_calls": 3, "late_payments": 1, '
       '"plan": "basic"}]}')  # fmt: skip
ANSWER = ('{"version": "v1", "served_by": "churn-api-7c9b-x2k4p", "threshold": 0.5, '
          '"churn_probability": [0.041, 0.62], "will_churn": [false, true]}')  # fmt: skip


def _client(name: str, command: list[str], *, phase: str = "Succeeded") -> Any:
    return pod(name, command, phase=phase, image=manifests.BUSYBOX_IMAGE, restart_policy="Never")


@full("services_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_client("client", ["wget", "-qO-", f"--post-data={TWO}", "http://churn-api/predict"]))
    fake.print("client", ANSWER)
    return {}


@half("services_ex2", says="client calls the Service by its name, churn-api (not an IP)")
def services_ex2_by_ip(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_client("client", ["wget", "-qO-", f"--post-data={TWO}", "http://10.96.12.7/predict"]))
    return {}


@half("services_ex2", says="client ran and exited successfully (its phase is Failed)")
def services_ex2_failed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_client("client", ["wget", "-qO-", "--post-data={}", "http://churn-api:8000/predict"], phase="Failed"))
    return {}


@half("services_ex2", says="the answer covers two customers (it has 1 probability)")
def services_ex2_one_customer(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print("client", "{'version': 'v1', 'churn_probability': [0.895], 'will_churn': [True]}\n")
    return {}


@half("services_ex2", says="client's logs hold the model's answer, with churn_probability (they hold")
def services_ex2_health_only(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_client("client", ["wget", "-qO-", "http://churn-api/health"]))
    fake.print("client", '{"status": "ok", "version": "v1", "model": {"c": 1.0}}')
    return {}


@full("services_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": f"churn-api.{NS}.svc.cluster.local."}


@half("services_ex3", says="is the full DNS name of the Service churn-api")
def services_ex3_no_namespace(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "churn-api.svc.cluster.local"}


@half("services_ex3", says="no answer yet")
def services_ex3_no_answer(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": None}


@full("services_ex4")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("churn-api", 2), _service("churn-lb", {"app": "churn-api"}), _endpoints("churn-lb", 2))
    fake.add(_client("lb-client", ["wget", "-qO-", "http://churn-lb/health"]))
    fake.print("lb-client", '{"status": "ok", "version": "v1", "model": {"trained_at_start_on": 2000, "c": 1.0}}')
    return {}


@half("services_ex4", says="its ready endpoints take requests on the port the server listens on (they do not)")
def services_ex4_as_it_was_left(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_service("churn-lb", {"app": "churn-api"}, target_port=80), _endpoints("churn-lb", 2, port=80))
    fake.add(_client("lb-client", ["wget", "-qO-", "http://churn-lb/health"], phase="Failed"))
    return {}


@half("services_ex4", says="(its phase is Failed); if it ran before your fix, delete it and run it again")
def services_ex4_client_from_before_the_fix(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_client("lb-client", ["wget", "-qO-", "http://churn-lb/health"], phase="Failed"))
    return {}


@half("services_ex4", says="it still listens on port 80, where its clients call it (its ports: [8000])")
def services_ex4_port_changed_instead(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.service("churn-lb", port=8000, selector={"app": "churn-api"})))
    return {}


@half("services_ex4", says="a Pod named lb-client has called http://churn-lb/health")
def services_ex4_no_request_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("pod", "lb-client")
    return {}


@half("services_ex4", says="its ready endpoints take requests on the port the server listens on (it has no ready")
def services_ex4_no_ready_endpoint(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_endpoints("churn-lb", 0, not_ready=2))
    return {}


@half("services_ex4", says="there is a Service named churn-lb (run the cell that creates it)")
def services_ex4_not_created(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("service", "churn-lb")
    return {}
