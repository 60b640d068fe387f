"""Check cases of lab 37, probes (see check_cases.py): built from the lab's own broken YAML, then fixed."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, typed

from kdsutils.labs import find
from kdsutils.labs._example import probe
from kdsutils.labs.probes import SLOW_ROWS

POD = "churn-api-7d9c6b5f4-x2x7k"
STARTUP = probe(periodSeconds=2, failureThreshold=60)


def _deployment(scenario: str, change: dict[str, Any] | None = None, *, ready: bool = True, generation: int = 2) -> Any:
    """The scenario's Deployment churn-api, with container fields changed (None removes one), rolled out or not."""
    manifest = next(d for d in yaml.safe_load_all(find(scenario).build()) if d and d["kind"] == "Deployment")
    container = manifest["spec"]["template"]["spec"]["containers"][0]
    for key, value in (change or {}).items():
        if value is None:
            container.pop(key, None)
        else:
            container[key] = value
    counts = {"replicas": 1, "updatedReplicas": 1, "readyReplicas": int(ready), "observedGeneration": generation}
    return typed(manifest, status=counts, generation=generation)


def _pod(*, ready: bool = True, restarts: int = 0) -> Any:
    manifest = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": POD, "labels": {"app": "churn-api"}},
                "spec": {"containers": [{"name": "churn-api", "image": "x"}]}}  # fmt: skip
    status = {"phase": "Running", "conditions": [{"type": "Ready", "status": str(ready)}],
              "containerStatuses": [{"name": "churn-api", "image": "x", "imageID": "", "ready": ready,
                                     "restartCount": restarts}]}  # fmt: skip
    return typed(manifest, status=status)


def _endpoints(ready: bool) -> Any:
    manifest = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                "metadata": {"name": "churn-api-x7k2p", "labels": {"kubernetes.io/service-name": "churn-api"}},
                "endpoints": [{"addresses": ["10.244.0.7"], "conditions": {"ready": ready}}],
                "ports": [{"name": "http", "port": 8000, "protocol": "TCP"}]}  # fmt: skip
    return typed(manifest)


def _put(fake: FakeCluster, deployment: Any, *, ready: bool = True, restarts: int = 0) -> None:
    fake.add(deployment, _pod(ready=ready, restarts=restarts), _endpoints(ready))


@full("probes_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, _deployment("probes", {"readinessProbe": probe(periodSeconds=2)}))
    return {}


@half("probes_ex1", says="(not yet: churn-api is as Priya left it)")
def probes_ex1_untouched(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, _deployment("probes", ready=False, generation=1), ready=False)
    return {}


@half("probes_ex1", says="a Pod of churn-api is Ready, so the server answers /ready")
def probes_ex1_another_wrong_path(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, _deployment("probes", {"readinessProbe": probe("/ready")}, ready=False), ready=False)
    return {}


@half("probes_ex1", says="it still has an HTTP readiness probe (without one, a Pod is ready before the server answers)")
def probes_ex1_probe_deleted(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, _deployment("probes", {"readinessProbe": None}))
    return {}


@half("probes_ex1", says="the rollout of churn-api finished: 1 ready Pod(s) of its newest template")
def probes_ex1_new_pod_not_ready_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, _deployment("probes", {"readinessProbe": probe(periodSeconds=2)}, ready=False), ready=False)
    return {}


@half("probes_ex1", says="there is a Deployment named churn-api")
def probes_ex1_deleted(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("deployment", "churn-api")
    return {}


@full("probes_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, _deployment("probes-slowstart", {"startupProbe": STARTUP}))
    return {}


@half("probes_ex2", says="it has a startupProbe, which holds the liveness probe back until the server has started (it")
def probes_ex2_a_huge_initial_delay_instead(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    patient = probe(initialDelaySeconds=120, periodSeconds=2, failureThreshold=3)
    _put(fake, _deployment("probes-slowstart", {"livenessProbe": patient}))
    return {}


@half("probes_ex2", says="it still has its livenessProbe, which restarts a server that hangs later (it has none)")
def probes_ex2_liveness_deleted(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, _deployment("probes-slowstart", {"livenessProbe": None}))
    return {}


@half("probes_ex2", says=f"it still trains the bigger model at start (ROWS={SLOW_ROWS}), as Sam wants (ROWS is not set")
def probes_ex2_small_model_instead(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, _deployment("probes-slowstart", {"startupProbe": STARTUP, "env": None}))
    return {}


@half("probes_ex2", says="(not yet: churn-api is as Sam left it)")
def probes_ex2_untouched(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, _deployment("probes-slowstart", generation=1), ready=False, restarts=4)
    return {}


@half("probes_ex2", says="its ready Pod started without being restarted (restarts: [3]")
def probes_ex2_startup_gives_up_too_soon(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, _deployment("probes-slowstart", {"startupProbe": probe(periodSeconds=2, failureThreshold=2)}),
         restarts=3)  # fmt: skip
    return {}
