"""diagnose on the failures of lab 35, recorded from the live cluster (tests/unit/fixtures/diagnose/*.json)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from test_diagnose import FakeKubectl

import kdsutils.diagnosis as diagnose_module
from kdsutils.diagnosis import Snapshot, diagnose, explain
from kdsutils.labs.configerror import PASSWORD

FIXTURES = Path(__file__).parent / "fixtures" / "diagnose"


def load(name: str) -> Snapshot:
    return Snapshot(**json.loads((FIXTURES / f"{name}.json").read_text()))


def test_a_key_the_secret_does_not_hold_lists_the_keys_it_does_and_suggests_the_closest() -> None:
    snap = load("deployment-secret-key")
    (f,) = explain(snap).findings
    assert "Secret warehouse has no key password" in f.problem
    assert "Secret warehouse has the keys: db-password, username" in f.evidence
    assert "did you mean db-password?" in f.fix
    assert f"`kubectl edit deployment/churn-api -n {snap.namespace}`" in f.fix
    assert PASSWORD not in str(explain(snap))  # key names only, never a value


def test_without_the_keys_the_secret_is_named_and_no_key_is_guessed() -> None:
    snap = load("deployment-secret-key")
    snap.config_keys = {}
    (f,) = explain(snap).findings
    assert "Secret warehouse has no key password" in f.problem
    assert "has the keys" not in f.evidence and "did you mean" not in f.fix


def test_a_configmap_that_does_not_exist_names_those_that_do() -> None:
    snap = load("deployment-configmap-missing")
    (f,) = explain(snap).findings
    assert f"ConfigMap churn-settings does not exist in namespace {snap.namespace}" in f.problem
    assert f"ConfigMaps in {snap.namespace}: churn-config" in f.evidence
    assert "kube-root-ca.crt" not in f.evidence
    assert "did you mean churn-config?" in f.fix


def test_a_volume_whose_items_name_a_missing_key_is_not_just_a_volume_that_cannot_be_mounted() -> None:
    snap = load("deployment-configmap-items-key")
    d = explain(snap)
    (f,) = d.findings
    assert "its volume settings asks ConfigMap churn-config for the key decision-threshold" in f.problem
    assert "FailedMount" in f.evidence and "ConfigMap churn-config has the keys: threshold" in f.evidence
    assert "did you mean threshold?" in f.fix and "ContainerCreating" in f.fix


def test_a_passing_mount_failure_before_the_cause_does_not_hide_the_cause() -> None:
    snap = load("deployment-configmap-items-key")
    (cause,) = [e for e in snap.events if e.get("reason") == "FailedMount"]
    passing = {**cause, "message": 'MountVolume.SetUp failed for volume "settings" : failed to sync configmap '
               "cache: timed out waiting for the condition"}  # fmt: skip
    snap.events.insert(snap.events.index(cause), passing)
    (f,) = explain(snap).findings
    assert "its volume settings asks ConfigMap churn-config for the key decision-threshold" in f.problem
    snap.events.remove(cause)
    (f,) = explain(snap).findings
    assert f.problem.endswith("a volume cannot be mounted") and "wait a minute and diagnose again" in f.fix


def test_fetch_reads_key_names_only_when_a_pod_waits_for_its_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    snap = load("deployment-secret-key")
    secret = {"metadata": {"name": "warehouse"}, "data": {"db-password": "c2VjcmV0", "username": "dQ=="}}
    fake = FakeKubectl(
        {
            ("kubectl", "get", "deployment", "churn-api"): snap.obj,
            ("kubectl", "get", "pods"): {"items": snap.pods},
            ("kubectl", "get", "events"): {"items": snap.events},
            ("kubectl", "get", "secrets"): {"items": [secret]},
        }
    )
    monkeypatch.setattr(diagnose_module, "run", fake)
    d = diagnose("deployment", "churn-api", namespace=snap.namespace)
    assert "did you mean db-password?" in d.findings[0].fix
    assert "c2VjcmV0" not in str(d)
    healthy = load("service-ok").pods[0]
    fake = FakeKubectl({("kubectl", "get", "pod"): healthy})
    monkeypatch.setattr(diagnose_module, "run", fake)
    assert diagnose("pod", healthy["metadata"]["name"], namespace="lesson-debugging").ok
    assert not any(c[:3] == ["kubectl", "get", "secrets"] for c in fake.calls)
