"""Check cases of lab 39, Forbidden (see check_cases.py): built from the lab's own broken objects."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from check_cases import Answers, full, half
from test_checks_fakes import NS, FakeCluster, pod, typed

from kdsutils.labs import forbidden as lab

SUBMITTED = "submitting the training Job failed: 403 Forbidden: ...\njob.batch/train submitted: 201 Created\n"
REFUSED = (
    'submitting the training Job failed: 403 Forbidden: jobs.batch is forbidden: User "system:serviceaccount:'
    f'{NS}:notebook" cannot create resource "jobs" in API group "batch" in the namespace "{NS}"\n'
)
COMPLETE = {"conditions": [{"type": "Complete", "status": "True"}], "succeeded": 1}


def _objects(text: str) -> dict[str, dict[str, Any]]:
    """The scenario's objects by kind."""
    return {doc["kind"]: doc for doc in yaml.safe_load_all(text) if doc}


def _training(status: dict[str, Any]) -> Any:
    env = _objects(lab.forbidden())["Pod"]["spec"]["containers"][0]["env"]
    return typed(yaml.safe_load(env[0]["value"]), status=status)


def _binding(name: str, role: str, *, group: str | None = None) -> Any:
    """A ClusterRoleBinding of `role` to the notebook's ServiceAccount, or to a group of people."""
    subject = {"kind": "Group", "name": group} if group else {"kind": "ServiceAccount", "name": lab.ACCOUNT}
    manifest = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRoleBinding",
        "metadata": {"name": name},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
        "subjects": [{**subject, "namespace": NS} if not group else subject],
    }
    return typed(manifest)


@full("forbidden_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    objects = _objects(lab.forbidden())
    fake.add(typed(objects["ServiceAccount"]), pod(lab.SERVER))
    fake.print(lab.SERVER, SUBMITTED)
    fake.grant(lab.ACCOUNT, ("get", "list", "watch", "create", "delete"), ("pods", "pods/log", "jobs"))
    fake.add(_training(COMPLETE), _binding("kubeadm:cluster-admins", "cluster-admin", group="kubeadm:cluster-admins"))
    return {}


@half("forbidden_ex1", says="notebook may create jobs (API group batch)")
def forbidden_ex1_as_the_team_left_it(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.rules.clear()
    fake.grant(lab.ACCOUNT, ("get", "list", "watch", "create", "delete"), ("pods", "pods/log"))
    fake.print(lab.SERVER, REFUSED)
    fake.delete("job", lab.TRAIN)
    return {}


@half("forbidden_ex1", says="the notebook jupyter-sam has submitted the training Job (its last line says")
def forbidden_ex1_fixed_a_moment_ago(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print(lab.SERVER, REFUSED)
    fake.delete("job", lab.TRAIN)
    return {}


@half("forbidden_ex1", says="the training Job train has completed (it is still training")
def forbidden_ex1_training(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_training({"active": 1}))
    return {}


@half("forbidden_ex1", says="no ClusterRoleBinding gives notebook rights in every namespace (notebook-jobs does")
def forbidden_ex1_a_cluster_role_binding(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_binding("notebook-jobs", "job-runner"))
    return {}


@half("forbidden_ex1", says="broader role than it needs (it may: it was given far more")
def forbidden_ex1_bound_to_edit(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.grant(lab.ACCOUNT, ("get", "list", "watch"), ("secrets",))
    return {}


@half("forbidden_ex1", says="there is a ServiceAccount named notebook")
def forbidden_ex1_lab_not_started(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("service_account", lab.ACCOUNT)
    return {}


MONITORING = "churn-api: 2 pod(s) found\n"
MONITOR_REFUSED = (
    'listing the churn-api pods failed: 403 Forbidden: pods is forbidden: User "system:serviceaccount:'
    f'{NS}:monitor" cannot list resource "pods" in API group "" in the namespace "{NS}"\n'
)


@full("forbidden_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(_objects(lab.forbidden_binding())["ServiceAccount"]), pod(lab.MONITOR))
    fake.print(lab.MONITOR, MONITOR_REFUSED + MONITORING)
    fake.grant(lab.MONITOR_ACCOUNT, ("get", "list", "watch"), ("pods", "pods/log"))
    return {}


@half("forbidden_ex2", says="monitor may list pods in lesson-checks-ex (`kubectl auth can-i` says no)")
def forbidden_ex2_as_priya_left_it(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.rules.clear()
    fake.print(lab.MONITOR, MONITOR_REFUSED)
    return {}


@half("forbidden_ex2", says="the latest check of model-monitor went through (its last line says: listing")
def forbidden_ex2_fixed_a_moment_ago(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print(lab.MONITOR, MONITORING + MONITOR_REFUSED)
    return {}


@half("forbidden_ex2", says="no ClusterRoleBinding gives monitor rights in every namespace (monitor-view does")
def forbidden_ex2_bound_cluster_wide(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    binding = _binding("monitor-view", "view")
    binding.subjects[0].name = lab.MONITOR_ACCOUNT
    fake.add(binding)
    return {}


@half("forbidden_ex2", says="there is a ServiceAccount named monitor")
def forbidden_ex2_lab_not_started(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("service_account", lab.MONITOR_ACCOUNT)
    return {}


def _api(status: dict[str, Any], **resources: Any) -> Any:
    deployment = _objects(lab.forbidden_quota())["Deployment"]
    if resources:
        deployment["spec"]["template"]["spec"]["containers"][0]["resources"] = resources
    return typed(deployment, status=status)


FITS = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "256Mi"}}


@full("forbidden_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(_objects(lab.forbidden_quota())["ResourceQuota"]), _api({"readyReplicas": 2}, **FITS))
    return {}


@half("forbidden_ex3", says="churn-api has 2 ready replicas (it has 0)")
def forbidden_ex3_as_priya_left_it(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_api({}))
    return {}


@half("forbidden_ex3", says="churn-api has 2 ready replicas (it has 1)")
def forbidden_ex3_a_limit_only_one_fits(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_api({"readyReplicas": 1}, requests=FITS["requests"], limits={"memory": "1Gi"}))
    return {}


@half("forbidden_ex3", says="it still asks for 2 replicas (it asks for 1)")
def forbidden_ex3_scaled_down_to_fit(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    deployment = fake.read_namespaced_deployment("churn-api", NS)
    deployment.spec.replicas = 1
    return {}


@half("forbidden_ex3", says="the platform team's quota team-quota is as they set it (it is gone")
def forbidden_ex3_quota_deleted(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("resource_quota", lab.QUOTA)
    fake.add(_api({"readyReplicas": 2}))
    return {}


@half("forbidden_ex3", says="(limits.memory changed: the quota is the platform team's")
def forbidden_ex3_quota_loosened(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    quota = _objects(lab.forbidden_quota())["ResourceQuota"]
    quota["spec"]["hard"]["limits.memory"] = "8Gi"
    fake.add(typed(quota))
    return {}
