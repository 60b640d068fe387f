"""Check cases of the exercises on why, setup, cluster (see check_cases.py)."""

from __future__ import annotations

import pytest
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, node, pod


@full("why_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    monkeypatch.setattr("kdsutils.checks.why._client_version", lambda: "v1.36.0")
    return {"answer": "v1.36.0"}


@half("why_ex1", says="no answer yet")
def why_ex1_no_answer(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": None}


@half("why_ex1", says="is not the version of your kubectl")
def why_ex1_the_server_version(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "v1.35.2"}


@full("why_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": ["Airflow", "a shared JupyterLab"]}


@half("why_ex2", says="the list is empty")
def why_ex2_an_empty_list(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": []}


@half("why_ex2", says="every item of the list should be a tool's name")
def why_ex2_a_number_in_the_list(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": ["Airflow", 3]}


@full("setup_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(node(version="v1.36.4"))
    return {"answer": "v1.36.4"}


@half("setup_ex1", says="is not the Kubernetes version the node reports")
def setup_ex1_only_the_minor_version(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "v1.36"}


@full("setup_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    monkeypatch.setattr("kdsutils.checks.setup.current_context", lambda: "kind-kds")
    return {"answer": "kind-kds"}


@half("setup_ex2", says="is not the current context")
def setup_ex2_the_cluster_name(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "kds"}


SYSTEM_PODS = ("coredns-7db6d8ff4d-x2k9q", "etcd-kds", "kube-apiserver-kds")


@full("cluster_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(*(pod(name) for name in SYSTEM_PODS), namespace="kube-system")
    fake.add(pod("not-a-system-pod"))
    return {"answer": [f"pod/{name}" for name in SYSTEM_PODS], "control_plane_as_pods": True}


@half("cluster_ex1", says="1 of the 3 pods in kube-system are missing")
def cluster_ex1_one_pod_missing(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": list(SYSTEM_PODS[:2])}


@half("cluster_ex1", says="not a pod in kube-system: 'not-a-system-pod'")
def cluster_ex1_a_pod_of_the_lesson(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": [*SYSTEM_PODS, "not-a-system-pod"]}


@half("cluster_ex1", says="control_plane_as_pods is True or False (no answer yet)")
def cluster_ex1_only_the_names(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"control_plane_as_pods": None}


@half("cluster_ex1", says="control_plane_as_pods says rightly whether the API server runs as a pod")
def cluster_ex1_the_local_engine_answer_on_kind(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"control_plane_as_pods": False}


@half("cluster_ex1", says="control_plane_as_pods says rightly whether the API server runs as a pod")
def cluster_ex1_the_kind_answer_on_the_local_engine(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("pod", "kube-apiserver-kds", namespace="kube-system")
    return {"answer": list(SYSTEM_PODS[:2]), "control_plane_as_pods": True}


@full("cluster_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(node(allocatable="16318504Ki"))
    return {"answer": "15.56Gi"}


@half("cluster_ex2", says="is the capacity, the whole machine")
def cluster_ex2_the_capacity(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": fake.read_node("kds").status.capacity["memory"]}


@half("cluster_ex2", says="no answer yet")
def cluster_ex2_no_answer(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": None}


CHURN_SERVER = ["python", "-m", "churn.serve"]
READY = {"conditions": [{"type": "Ready", "status": "True"}]}


@full("cluster_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("churn-api", CHURN_SERVER, status=READY))
    return {}


@half("cluster_ex3", says="churn-api is running and ready (it is Pending: no node has been chosen for it)")
def cluster_ex3_still_pending(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("churn-api", CHURN_SERVER, phase="Pending"))
    return {}


@half("cluster_ex3", says="there is a Pod named churn-api")
def cluster_ex3_deleted_and_not_started_again(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("pod", "churn-api")
    return {}


@half("cluster_ex3", says="churn-api runs the churn server")
def cluster_ex3_replaced_by_a_sleeper(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("churn-api", ["sleep", "3600"], status=READY))
    return {}
