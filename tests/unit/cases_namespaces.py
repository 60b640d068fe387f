"""Check cases of the exercises on namespaces (see check_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, typed

from kdsutils import manifests

SANDBOX = "lesson-namespaces-sandbox"


def _quota(**hard: str) -> Any:
    manifest = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "team-quota"}}
    return typed({**manifest, "spec": {"hard": hard}})


def _account(name: str) -> Any:
    return typed({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}})


@full("namespaces_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.namespace(SANDBOX)))
    fake.add(_quota(pods="5", **{"requests.cpu": "2000m", "requests.memory": "4096Mi"}), namespace=SANDBOX)
    return {}


@half("namespaces_ex1", says="it limits pods to 5 (it is 10)")
def namespaces_ex1_a_loose_quota(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_quota(pods="10", **{"requests.cpu": "2", "requests.memory": "4Gi"}), namespace=SANDBOX)
    return {}


@half("namespaces_ex1", says=f"there is a ResourceQuota named team-quota in {SANDBOX}")
def namespaces_ex1_quota_in_the_lesson_namespace(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("resource_quota", "team-quota", namespace=SANDBOX)
    fake.add(_quota(pods="5", **{"requests.cpu": "2", "requests.memory": "4Gi"}))
    return {}


@full("namespaces_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_account("dashboard"))
    fake.grant("dashboard", ("get", "list", "watch"), ("pods", "pods/log"))
    return {}


@half("namespaces_ex2", says="dashboard may list pods")
def namespaces_ex2_no_role_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.rules.clear()
    return {}


@half("namespaces_ex2", says="dashboard may not delete pods")
def namespaces_ex2_too_much(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.grant("dashboard", ("delete",), ("pods",))
    return {}


CI_BOT_MAY = ["list pods", "read pod logs", "create jobs", "delete jobs"]


@full("namespaces_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_account("ci-bot"))
    fake.grant("ci-bot", ("create", "get", "list", "watch", "delete"), ("jobs",))
    fake.grant("ci-bot", ("get", "list", "watch"), ("pods", "pods/log"))
    return {"answer": CI_BOT_MAY}


@half("namespaces_ex3", says="your list names the actions ci-bot may do (it is empty")
def namespaces_ex3_an_empty_list(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": []}


@half("namespaces_ex3", says="ci-bot may do some of the actions (it may do none")
def namespaces_ex3_setup_cell_only_half_run(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.rules.clear()
    return {"answer": ["list pods"]}


@half("namespaces_ex3", says="you found every action ci-bot may do (1 missing)")
def namespaces_ex3_one_action_missing(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": CI_BOT_MAY[:3]}


@half("namespaces_ex3", says="every action you listed is allowed (1 is not)")
def namespaces_ex3_one_action_too_many(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": [*CI_BOT_MAY, "read secrets"]}
