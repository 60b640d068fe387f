"""Check cases of lab 36, a Service that answers nobody (see check_cases.py).

The checks call the Service through the API server's proxy; here `health` answers as the
cluster would for the state each case builds.
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, typed

from kdsutils.checks import unreachable
from kdsutils.labs import find


def _docs(scenario: str) -> dict[str, dict[str, Any]]:
    """The scenario's objects as dicts, by kind."""
    return {doc["kind"]: doc for doc in yaml.safe_load_all(find(scenario).build()) if doc}


def _endpoints(ready: int, *, port: int = 8000) -> Any:
    endpoints = [{"addresses": [f"10.244.0.{i}"], "conditions": {"ready": True}} for i in range(ready)]
    manifest = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                "metadata": {"name": "churn-api-x7k2p", "labels": {"kubernetes.io/service-name": "churn-api"}},
                "endpoints": endpoints, "ports": [{"name": "http", "port": port, "protocol": "TCP"}]}  # fmt: skip
    return typed(manifest)


def _put(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch, scenario: str, *, answer: tuple[bool, str],
         selector: dict[str, str] | None = None, env: list[dict[str, str]] | None = None, generation: int = 2,
         ready: int = 1) -> None:  # fmt: skip
    """Put the scenario's Deployment and Service, changed as given, and make `health` reply `answer`."""
    docs = _docs(scenario)
    if selector is not None:
        docs["Service"]["spec"]["selector"] = selector
    if env is not None:
        docs["Deployment"]["spec"]["template"]["spec"]["containers"][0]["env"] = env
    status = {"replicas": 1, "updatedReplicas": 1, "readyReplicas": 1, "observedGeneration": generation}
    fake.add(typed(docs["Deployment"], status=status, generation=generation), typed(docs["Service"]))
    fake.add(_endpoints(ready))
    monkeypatch.setattr(unreachable, "health", lambda *args, **kwargs: answer)


ANSWERED = (True, "it answered")
REFUSED = (False, "the connection was refused")
NOBODY = (False, "no ready Pod behind it took the call")


@full("unreachable_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, monkeypatch, "unreachable", selector={"app": "churn-api"}, answer=ANSWERED)
    return {}


@half("unreachable_ex1", says="(no ready Pod behind it took the call; the Service and the Deployment are as the team")
def unreachable_ex1_still_the_typo(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, monkeypatch, "unreachable", answer=NOBODY, ready=0)
    return {}


@half("unreachable_ex1", says="its selector picks the Pods of churn-api (it selects app=churn-api, tier=api)")
def unreachable_ex1_selector_with_a_label_too_many(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, monkeypatch, "unreachable", selector={"app": "churn-api", "tier": "api"}, answer=NOBODY, ready=0)
    return {}


@half("unreachable_ex1", says="there is a Service named churn-api")
def unreachable_ex1_service_deleted(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("service", "churn-api")
    return {}


@full("unreachable_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, monkeypatch, "unreachable-port", answer=ANSWERED)
    return {}


@half("unreachable_ex2", says="(the connection was refused; the Service and the Deployment are as the team left them)")
def unreachable_ex2_still_port_8080(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, monkeypatch, "unreachable-port", answer=REFUSED)
    return {}


@half("unreachable_ex2", says="it answers GET /health on port 8000, called from inside the cluster (the connection was")
def unreachable_ex2_sent_to_another_wrong_port(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    docs = _docs("unreachable-port")
    docs["Service"]["spec"]["ports"] = [{"name": "http", "port": 8000, "targetPort": 80}]
    fake.add(typed(docs["Service"]))
    monkeypatch.setattr(unreachable, "health", lambda *args, **kwargs: REFUSED)
    return {}


@half("unreachable_ex2", says="it still listens on port 8000, where the dashboard calls it (its ports: [8080])")
def unreachable_ex2_service_port_moved_instead(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    docs = _docs("unreachable-port")
    docs["Service"]["spec"]["ports"] = [{"name": "http", "port": 8080, "targetPort": 8000}]
    fake.add(typed(docs["Service"]))
    monkeypatch.setattr(unreachable, "health", lambda *args, **kwargs: REFUSED)
    return {}


LOCAL = [{"name": "HOST", "value": "127.0.0.1"}, {"name": "THRESHOLD", "value": "0.5"}]


@full("unreachable_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, monkeypatch, "unreachable-localhost", env=[{"name": "THRESHOLD", "value": "0.5"}], answer=ANSWERED)
    return {}


@half("unreachable_ex3", says="(the connection was refused; the Service and the Deployment are as the team left them)")
def unreachable_ex3_as_the_team_left_it(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, monkeypatch, "unreachable-localhost", env=LOCAL, generation=1, answer=REFUSED)
    return {}


@half("unreachable_ex3", says="the server listens on every address of its Pod (it is told to listen on 127.0.0.1)")
def unreachable_ex3_probe_changed_host_kept(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, monkeypatch, "unreachable-localhost", env=LOCAL, answer=REFUSED, ready=0)
    return {}


@half("unreachable_ex3", says="it has a ready endpoint (it has none)")
def unreachable_ex3_new_pod_not_ready_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _put(fake, monkeypatch, "unreachable-localhost", env=[], answer=NOBODY, ready=0)
    return {}
