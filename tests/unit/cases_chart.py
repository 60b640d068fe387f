"""Check cases of the exercises on the learner's own chart (see check_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
from cases_deployments_services import _endpoints
from cases_helm import _secret
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, typed

from kdsutils import manifests
from kdsutils.checks import chart

INSTANCE = "app.kubernetes.io/instance"


def _store(monkeypatch: pytest.MonkeyPatch, **held: list[str]) -> None:
    monkeypatch.setattr(chart.appstore, "charts", lambda: {name.replace("_", "-"): v for name, v in held.items()})


def _server(name: str, release: str, *, env: dict[str, str], config_map: str | None, ready: int = 1) -> Any:
    """A Deployment as the learner's chart renders it, mounting `config_map` at /config when given."""
    labels = {"app.kubernetes.io/name": name.removeprefix(f"{release}-") or name, INSTANCE: release}
    container: dict[str, Any] = {"name": "churn-api", "image": manifests.PYTHON_DS_IMAGE,
                                 "env": [{"name": k, "value": v} for k, v in env.items()]}  # fmt: skip
    pod: dict[str, Any] = {"containers": [container]}
    if config_map:
        container["volumeMounts"] = [{"name": "config", "mountPath": "/config"}]
        pod["volumes"] = [{"name": "config", "configMap": {"name": config_map}}]
    manifest = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name, "labels": labels},
                "spec": {"replicas": 1, "selector": {"matchLabels": labels},
                         "template": {"metadata": {"labels": labels}, "spec": pod}}}  # fmt: skip
    return typed(manifest, status={"replicas": 1, "readyReplicas": ready})


def _threshold_map(value: str = "0.4") -> Any:
    return typed(manifests.configmap("demo-churn-api", {"threshold": value}, labels={INSTANCE: "demo"}))


@full("chart_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _store(monkeypatch, churn_api=["0.3.0", "0.2.0"])
    fake.add(_secret("demo", 1, chart="churn-api", version="0.3.0"), _threshold_map(),
             _server("demo-churn-api", "demo", env={"VERSION": "0.3.0", "THRESHOLD_FILE": "/config/threshold"},
                     config_map="demo-churn-api"))  # fmt: skip
    return {}


@half("chart_ex1", says="the app store holds churn-api 0.3.0 (helm package, then publish it) (it holds 0.2.0)")
def chart_ex1_not_published(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _store(monkeypatch, churn_api=["0.2.0"])
    return {}


@half("chart_ex1", says="its chart version is 0.3.0 (it is 0.2.0)")
def chart_ex1_old_version(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_secret("demo", 1, chart="churn-api", version="0.2.0"))
    return {}


@half("chart_ex1", says="a ConfigMap of the release holds the threshold 0.4")
def chart_ex1_default_threshold(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_threshold_map("0.5"))
    return {}


@half("chart_ex1", says="its Pods mount that ConfigMap and THRESHOLD_FILE names a file in it")
def chart_ex1_still_an_env_variable(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_server("demo-churn-api", "demo", env={"THRESHOLD": "0.4"}, config_map=None))
    return {}


@half("chart_ex1", says="the THRESHOLD variable is gone")
def chart_ex1_both(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_server("demo-churn-api", "demo", env={"THRESHOLD": "0.4", "THRESHOLD_FILE": "/config/threshold"},
                     config_map="demo-churn-api"))  # fmt: skip
    return {}


def _team_service(selector: dict[str, str]) -> Any:
    return typed(manifests.service("team-api", port=80, target_port=8000, selector=selector))


FIXED = {"app.kubernetes.io/name": "team-api", INSTANCE: "team-api"}


@full("chart_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _store(monkeypatch, team_api=["0.1.1", "0.1.0"])
    fake.add(_secret("team-api", 1, status="superseded", chart="team-api", version="0.1.0"),
             _secret("team-api", 2, chart="team-api", version="0.1.1", description="Upgrade complete"),
             _server("team-api", "team-api", env={}, config_map=None), _team_service(FIXED),
             _endpoints("team-api", 1))  # fmt: skip
    return {}


@half("chart_ex2", says="the release runs a new version of the chart, not 0.1.0 (it is 0.1.0)")
def chart_ex2_as_found(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", "sh.helm.release.v1.team-api.v2")
    fake.add(_secret("team-api", 1, chart="team-api", version="0.1.0"), _team_service({"app": "team-api"}))
    fake.delete("endpoint_slice", "team-api-x7k2p")
    return {}


@half("chart_ex2", says="the Service team-api selects the Pods of the Deployment team-api")
def chart_ex2_fixed_with_kubectl_only(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_team_service({"app": "team-api"}))
    return {}


@half("chart_ex2", says="its EndpointSlice lists a ready Pod (it lists none)")
def chart_ex2_no_ready_pod(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_endpoints("team-api", 0))
    return {}


@half("chart_ex2", says="the app store holds team-api 0.1.1")
def chart_ex2_upgraded_from_a_local_folder(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _store(monkeypatch, team_api=["0.1.0"])
    return {}
