"""diagnose on lab 39's failures, recorded from the cluster: a 403 from the API server, a quota that refuses Pods."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kdsutils.diagnosis import Diagnosis, Snapshot, explain, pod_findings

FIXTURES = Path(__file__).parent / "fixtures" / "diagnose"
ACCOUNT = "system:serviceaccount:lesson-forbidden:notebook"


def load(name: str) -> Snapshot:
    return Snapshot(**json.loads((FIXTURES / f"{name}.json").read_text()))


def explained(name: str) -> Diagnosis:
    return explain(load(name))


def test_a_running_pod_refused_by_rbac_is_not_called_healthy() -> None:
    d = explained("pod-forbidden-rbac")
    assert not d.ok
    (f,) = d.findings
    assert f.problem == (
        "container notebook is refused by the API server (403 Forbidden): ServiceAccount notebook may not create "
        "jobs.batch"
    )
    assert 'cannot create resource "jobs" in API group "batch"' in f.evidence
    assert f"`kubectl auth can-i create jobs.batch --as={ACCOUNT} -n lesson-forbidden`" in f.fix
    assert 'apiGroups: ["batch"], resources: ["jobs"], verbs: ["create"]' in f.fix
    assert "no ClusterRoleBinding" in f.fix


def test_a_refusal_the_program_got_past_is_history() -> None:
    snap = load("pod-forbidden-fixed")
    assert "403 Forbidden" in next(iter(snap.logs.values()))
    d = explain(snap)
    assert d.ok and d.summary == "Pod jupyter-sam is running and ready."


def test_a_crashed_client_whose_traceback_ends_in_a_403_gets_both_findings() -> None:
    snap = load("pod-forbidden-rbac")
    pod = snap.obj
    status = pod["status"]["containerStatuses"][0]
    status["state"] = {"terminated": {"exitCode": 1, "reason": "Error"}}
    status["ready"] = False
    pod["status"]["phase"] = "Failed"
    body = json.dumps({"kind": "Status", "message": f'jobs.batch is forbidden: User "{ACCOUNT}" cannot create '
                       'resource "jobs" in API group "batch" in the namespace "lesson-forbidden"'})  # fmt: skip
    logs = {"jupyter-sam/notebook": f"kubernetes.client.exceptions.ApiException: (403)\nReason: Forbidden\n"
            f"HTTP response body: {body}\n"}  # fmt: skip
    refused, crashed = pod_findings(pod, [], logs, [])
    assert "may not create jobs.batch" in refused.problem and "exited with code 1" in crashed.problem


@pytest.mark.parametrize(
    ("line", "asked", "can_i"),
    [
        ('Error from server (Forbidden): pods "x" is forbidden: User "system:serviceaccount:ml:nb" cannot get '
         'resource "pods/log" in API group "" in the namespace "ml"', "pods/log", "can-i get pods --subresource=log"),
        ('User "system:anonymous" cannot list resource "deployments" in API group "apps" at the cluster scope',
         "deployments.apps", "can-i list deployments.apps --as=system:anonymous"),
    ],
)  # fmt: skip
def test_refusals_as_kubectl_prints_them(line: str, asked: str, can_i: str) -> None:
    pod = {"metadata": {"name": "p", "namespace": "ml"}, "spec": {"containers": [{"name": "c"}]},
           "status": {"phase": "Running", "containerStatuses": [{"name": "c", "ready": True}]}}  # fmt: skip
    (f,) = pod_findings(pod, [], {"p/c": f"starting\n{line}\n"}, [])
    assert asked in f.problem and can_i in f.fix


def test_a_quota_that_counts_limits_names_the_container_and_the_command() -> None:
    d = explained("deployment-quota-limits")
    (f,) = d.findings
    assert d.summary.startswith("Deployment churn-api is not working: 0/2 pods ready; ")
    assert f.problem == (
        "the Deployment cannot create its pods: the ResourceQuota team-quota counts limits.memory, and container "
        "churn-api does not set it"
    )
    assert "must specify limits.memory for: churn-api" in f.evidence
    assert (
        "`kubectl set resources deployment/churn-api -c churn-api --limits=memory=256Mi -n lesson-forbidden-ex`"
        in f.fix
    )


def test_after_a_fix_that_does_not_fit_the_newest_replica_set_speaks() -> None:
    """The Deployment's condition still holds the first message; the newest ReplicaSet's events are current."""
    snap = load("deployment-quota-rollout")
    stale = next(c for c in snap.obj["status"]["conditions"] if c["type"] == "ReplicaFailure")
    assert "must specify" in stale["message"]
    (f, *_) = explain(snap).findings
    assert "has no room for another one" in f.problem
    assert "requested: limits.memory=256Mi, used: limits.memory=1Gi" in f.evidence
    assert "scale to 0 and back" in f.fix


def test_a_binding_that_names_another_namespace_points_at_the_subjects_column() -> None:
    (f,) = explained("pod-forbidden-binding").findings
    assert f.problem.endswith("ServiceAccount monitor may not list pods")
    assert "`kubectl auth can-i list pods --as=system:serviceaccount:lesson-forbidden-ex:monitor" in f.fix
    assert "lesson-forbidden-ex/monitor in its SERVICEACCOUNTS column" in f.fix
