"""Check cases of the exercises on namespaces (see check_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod, typed

from kdsutils import manifests

SANDBOX = "lesson-namespaces-sandbox"


def _quota(name: str = "team-quota", **hard: str) -> Any:
    manifest = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": name}}
    return typed({**manifest, "spec": {"hard": hard}})


def _account(name: str) -> Any:
    return typed({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}})


@full("namespaces_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.namespace(SANDBOX, labels={"team": "churn"})))
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


@half("namespaces_ex1", says="it is labelled team=churn (it has no team label)")
def namespaces_ex1_no_label(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.namespace(SANDBOX)))
    return {}


@half("namespaces_ex1", says="it is labelled team=churn (it is labelled team=fraud)")
def namespaces_ex1_the_other_team(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.namespace(SANDBOX, labels={"team": "fraud"})))
    return {}


@half("namespaces_ex1", says=f"there is a namespace named {SANDBOX}")
def namespaces_ex1_nothing_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("namespace", SANDBOX)
    return {}


VIEW_RULES = ((("get", "list", "watch"), ("pods", "pods/log", "jobs", "deployments", "configmaps")),)


@full("namespaces_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_account("dashboard"))
    for verbs, resources in VIEW_RULES:
        fake.grant("dashboard", verbs, resources)
    return {}


@half("namespaces_ex2", says="dashboard may list pods")
def namespaces_ex2_no_binding_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.rules.clear()
    return {}


@half("namespaces_ex2", says="dashboard may list jobs")
def namespaces_ex2_the_lesson_pod_reader_role(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.rules.clear()
    fake.grant("dashboard", ("get", "list", "watch"), ("pods", "pods/log"))
    return {}


@half("namespaces_ex2", says="dashboard may not create jobs")
def namespaces_ex2_edit_instead_of_view(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.grant("dashboard", ("create", "delete"), ("pods", "jobs", "deployments"))
    return {}


@half("namespaces_ex2", says="there is a ServiceAccount named dashboard")
def namespaces_ex2_binding_without_account(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("service_account", "dashboard")
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


@half("namespaces_ex3", says="every action is one of the list in the task (not: ['list jobs'])")
def namespaces_ex3_an_action_the_task_does_not_ask(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": [*CI_BOT_MAY, "list jobs"]}


NIGHTLY = "nightly-score"
PLATFORM_HARD = {"pods": "4", "requests.cpu": "1", "requests.memory": "1Gi", "limits.memory": "1Gi"}
SCORED = "no model file given: trained one on 2000 customers\nscored 200 customers for 2026-12-01: 41 likely to churn\n"
COMPLETE = {"conditions": [{"type": "Complete", "status": "True"}], "succeeded": 1}
FITS = {"requests": {"cpu": "500m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}}


def _nightly(status: dict[str, Any] | None = None) -> Any:
    command = ["python", "-m", "churn.score", "--day", "2026-12-01"]
    return typed(manifests.job(NIGHTLY, manifests.PYTHON_DS_IMAGE, command, resources=FITS), status=status or {})


def _scorer_pod(phase: str) -> Any:
    return pod(f"{NIGHTLY}-x7k2p", phase=phase, labels={"job-name": NIGHTLY}, restart_policy="Never")


@full("namespaces_ex4")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_quota("platform-quota", **PLATFORM_HARD))
    fake.add(_nightly(COMPLETE), _scorer_pod("Succeeded"))
    fake.print(f"{NIGHTLY}-x7k2p", SCORED)
    return {}


@half("namespaces_ex4", says="nightly-score has completed (it has not started a single Pod)")
def namespaces_ex4_stopped_by_the_quota(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_nightly())
    fake.delete("pod", f"{NIGHTLY}-x7k2p")
    return {}


@half("namespaces_ex4", says="there is a Job named nightly-score")
def namespaces_ex4_deleted_and_not_created_again(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("job", NIGHTLY)
    return {}


@half("namespaces_ex4", says="nightly-score has completed (its Pod is still working")
def namespaces_ex4_running(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_nightly({"active": 1}), _scorer_pod("Running"))
    return {}


@half("namespaces_ex4", says="the platform team's quota platform-quota is as they set it (limits.memory changed")
def namespaces_ex4_quota_raised(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_quota("platform-quota", **{**PLATFORM_HARD, "limits.memory": "4Gi"}))
    return {}


@half("namespaces_ex4", says="the platform team's quota platform-quota is as they set it (it is gone")
def namespaces_ex4_quota_deleted(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("resource_quota", "platform-quota")
    return {}


@half("namespaces_ex4", says="its Pod printed the day's result")
def namespaces_ex4_command_replaced(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print(f"{NIGHTLY}-x7k2p", "done\n")
    return {}
