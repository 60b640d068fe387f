"""Check cases of the exercises on judging charts (see check_cases.py): the charts are rendered by fakes."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster

from kdsutils.checks import charts


def _container(memory: str) -> dict[str, Any]:
    return {"name": "c", "image": "kds.invalid/dask:2026.8.0", "resources": {"limits": {"memory": memory}}}


def _dask_cluster(*options: str) -> list[dict[str, Any]]:
    """What `helm template` makes of kds/dask-cluster 0.1.0 with its defaults: one DaskCluster."""
    return [{"kind": "DaskCluster", "metadata": {"name": "check"}, "spec": {
        "scheduler": {"spec": {"containers": [_container("512Mi")]}},
        "worker": {"replicas": 2, "spec": {"containers": [_container("768Mi")]}}}}]  # fmt: skip


def _operator(values: dict[str, Any]) -> list[dict[str, Any]]:
    """What the Dask operator's chart makes, following the few values the exercise is about."""
    namespaced = values.get("rbac", {}).get("cluster") is False
    image = values.get("image", {})
    container = {"name": "operator", "image": f"{image.get('name', 'ghcr.io/dask/dask-kubernetes-operator')}:"
                 f"{image.get('tag', 'set-by-chartpress')}", "args": ["--liveness=http://0.0.0.0:8080/healthz",
                 *values.get("kopfArgs", ["--all-namespaces"])], "resources": values.get("resources", {})}  # fmt: skip
    roles = ["Role", "RoleBinding"] if namespaced else ["ClusterRole", "ClusterRoleBinding"]
    return [{"kind": kind, "metadata": {"name": "check"}} for kind in ["ServiceAccount", *roles]] + [
        {"kind": "Deployment", "metadata": {"name": "check"},
         "spec": {"template": {"spec": {"containers": [container]}}}}]  # fmt: skip


GOOD = {"image": {"name": "kds.invalid/dask", "tag": "2026.8.0"}, "rbac": {"cluster": False},
        "kopfArgs": ["--namespace=team-dask"], "resources": {"limits": {"memory": "256Mi"}}}  # fmt: skip


def _values(monkeypatch: pytest.MonkeyPatch, values: dict[str, Any]) -> str:
    """Write `values` to a file and make the operator's chart render from it; return the file's path."""
    path = Path(tempfile.mkdtemp()) / "operator-namespaced.yaml"
    path.write_text(yaml.safe_dump(values))

    def rendered(chart: str, version: str, *options: str) -> list[dict[str, Any]]:
        return _operator(yaml.safe_load(Path(options[-1]).read_text())) if chart == charts.OPERATOR else []

    monkeypatch.setattr(charts, "rendered", rendered)
    return str(path)


@full("charts_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    monkeypatch.setattr(charts, "rendered", lambda chart, version, *options: _dask_cluster())
    return {"answer": "2Gi"}


@half("charts_ex1", says="no answer yet")
def charts_ex1_no_answer(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": None}


@half("charts_ex1", says="add up each container's memory limit, times how many copies of it run")
def charts_ex1_one_worker_counted(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "1280Mi"}


@half("charts_ex1", says="is not a quantity of memory")
def charts_ex1_not_a_quantity(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "two gigabytes"}


@full("charts_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": _values(monkeypatch, GOOD)}


@half("charts_ex2", says="it makes no cluster-wide permissions (no ClusterRole, no ClusterRoleBinding) (it makes")
def charts_ex2_cluster_rbac(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": _values(monkeypatch, {**GOOD, "rbac": {"cluster": True}})}


@half("charts_ex2", says="the operator watches only the namespace team-dask")
def charts_ex2_all_namespaces(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": _values(monkeypatch, {k: v for k, v in GOOD.items() if k != "kopfArgs"})}


@half("charts_ex2", says="it runs the course's image kds.invalid/dask:2026.8.0 (it runs ghcr.io")
def charts_ex2_upstream_image(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": _values(monkeypatch, {k: v for k, v in GOOD.items() if k != "image"})}


@half("charts_ex2", says="the operator watches only the namespace team-dask (kopf's --namespace), not all (its")
def charts_ex2_another_namespace(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": _values(monkeypatch, {**GOOD, "kopfArgs": ["--namespace=default"]})}


@half("charts_ex2", says="its container has a memory limit")
def charts_ex2_no_limit(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": _values(monkeypatch, {k: v for k, v in GOOD.items() if k != "resources"})}


@half("charts_ex2", says="there is no file")
def charts_ex2_no_file(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "work/missing.yaml"}
