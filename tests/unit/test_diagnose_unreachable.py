"""diagnose on lab 36's failures, recorded from the live cluster: a Service that answers nobody."""

from __future__ import annotations

import copy
import json
from pathlib import Path

from kdsutils.diagnosis import Diagnosis, Snapshot, explain

FIXTURES = Path(__file__).parent / "fixtures" / "diagnose"
NS = "lesson-unreachable-rec"


def load(name: str) -> Snapshot:
    return Snapshot(**json.loads((FIXTURES / f"{name}.json").read_text()))


def explained(name: str) -> Diagnosis:
    return explain(load(name))


def test_a_selector_typo_names_the_label_that_differs() -> None:
    d = explained("lab-unreachable-selector")
    assert not d.ok
    (f,) = d.findings
    assert f.problem == "no pod has the labels the Service selects (app=churn-apl)"
    assert "differs in app=churn-apl (pod has app=churn-api)" in f.fix


def test_a_target_port_nobody_listens_on_gives_the_patch_to_the_port_that_listens() -> None:
    d = explained("lab-unreachable-port")
    assert not d.ok
    (f,) = d.findings
    assert "listens on port 8080, where the Service sends port 8000" in f.problem
    assert "the pod listens on: 0.0.0.0:8000" in f.evidence
    patch = '{"spec": {"ports": [{"port": 8000, "targetPort": 8000}]}}'
    assert f"`kubectl patch service churn-api -n {NS} -p '{patch}'`" in f.fix


def test_a_target_port_fix_without_one_clear_port_stays_general() -> None:
    snap = load("lab-unreachable-port")
    (pod,) = snap.listening
    snap.listening = {pod: [("0.0.0.0", 8000), ("0.0.0.0", 9090)]}
    (f,) = explain(snap).findings
    assert f.fix == "make targetPort the port the server listens on, or start the server on that port"


def test_a_server_on_loopback_names_the_setting_and_why_the_pod_is_ready() -> None:
    d = explained("lab-unreachable-localhost")
    assert not d.ok
    assert "listens on 127.0.0.1:8000 only" in d.summary
    (f,) = d.findings
    assert (
        f"Its environment sets HOST=127.0.0.1: remove it (`kubectl set env deployment/churn-api HOST- -n {NS}`)"
        in f.fix
    )
    assert "its readiness probe runs a command inside the container" in f.fix


def test_a_loopback_server_with_an_http_probe_is_not_explained_by_its_probe() -> None:
    snap = load("lab-unreachable-localhost")
    pods = copy.deepcopy(snap.pods)
    for pod in pods:
        pod["spec"]["containers"][0]["readinessProbe"] = {"httpGet": {"path": "/health", "port": 8000}}
        pod["spec"]["containers"][0]["env"] = []
    snap.pods = pods
    (f,) = explain(snap).findings
    assert "0.0.0.0" in f.fix
    assert "readiness probe" not in f.fix and "HOST" not in f.fix
