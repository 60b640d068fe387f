"""Check cases of the exercises on Helm (see check_cases.py)."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, typed

from kdsutils import images, manifests
from kdsutils.checks import helm

IMAGE = images.reference("mlflow")


def _secret(name: str, revision: int, *, status: str = "deployed", config: dict | None = None,
            description: str = "Install complete", image: str = IMAGE, chart: str = "mlflow",
            version: str = "0.1.0", manifest: str | None = None) -> Any:  # fmt: skip
    """The Secret in which Helm keeps one revision of a release (`manifest`: its YAML, else a Deployment's line)."""
    record = {
        "name": name, "version": revision, "info": {"status": status, "description": description},
        "config": config or {}, "chart": {"metadata": {"name": chart, "version": version}},
        "manifest": manifest if manifest is not None else f'---\nkind: Deployment\n        image: "{image}"\n',
    }  # fmt: skip
    packed = base64.b64encode(base64.b64encode(gzip.compress(json.dumps(record).encode()))).decode()
    manifest = {"apiVersion": "v1", "kind": "Secret", "metadata": {
        "name": f"sh.helm.release.v1.{name}.v{revision}",
        "labels": {"owner": "helm", "name": name, "status": status, "version": str(revision)}},
        "type": "helm.sh/release.v1", "data": {"release": packed}}  # fmt: skip
    return typed(manifest)


def _server(fake: FakeCluster, release: str, *, ready: int = 1, image: str = IMAGE,
            requests: str = "512Mi", limits: str = "1Gi") -> None:  # fmt: skip
    """The Deployment the chart makes for `release`."""
    name = f"{release}-mlflow"
    resources = {"requests": {"memory": requests}, "limits": {"memory": limits}}
    deploy = manifests.deployment(name, image, ["mlflow", "server"], resources=resources)
    fake.add(typed(deploy, status={"replicas": 1, "readyReplicas": ready}))


def _tracking(fake: FakeCluster, node_port: int = 30002, size: str = "500Mi") -> None:
    svc = manifests.service("tracking-mlflow", port=5000, type="NodePort")
    svc["spec"]["ports"][0]["nodePort"] = node_port
    fake.add(typed(svc), typed(manifests.pvc("tracking-mlflow", size), status={"phase": "Bound"}))


VALUES = {"service": {"type": "NodePort", "nodePort": 30002}, "persistence": {"size": "500Mi"},
          "resources": {"requests": {"cpu": "100m", "memory": "384Mi"}, "limits": {"memory": "1Gi"}}}  # fmt: skip


@full("helm_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_secret("tracking", 1, config=VALUES))
    _tracking(fake)
    _server(fake, "tracking", requests="384Mi")
    monkeypatch.setattr(helm, "_answers", lambda url: url == "http://localhost:30002/health")
    return {}


@half("helm_ex1", says="there is a Helm release named tracking")
def helm_ex1_not_installed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", "sh.helm.release.v1.tracking.v1")
    return {}


@half("helm_ex1", says="its Service tracking-mlflow is a NodePort on 30002 (it is NodePort with nodePorts [30001])")
def helm_ex1_other_port(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _tracking(fake, node_port=30001)
    return {}


@half("helm_ex1", says="the server requests 384Mi of memory (it requests 512Mi)")
def helm_ex1_default_requests(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _server(fake, "tracking")
    return {}


@half("helm_ex1", says="its claim tracking-mlflow asks for 500Mi (it asks for 1Gi)")
def helm_ex1_default_size(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _tracking(fake, size="1Gi")
    return {}


@half("helm_ex1", says="the MLflow server (tracking-mlflow) is ready")
def helm_ex1_still_starting(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _server(fake, "tracking", ready=0, requests="384Mi")
    monkeypatch.setattr(helm, "_answers", lambda url: False)
    return {}


@half("helm_ex1", says="it was installed from the chart mlflow 0.1.0")
def helm_ex1_other_chart(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_secret("tracking", 1, config=VALUES, chart="hello"))
    return {}


UPGRADE = {**VALUES, "resources": {**VALUES["resources"], "limits": {"memory": "1536Mi"}}}


@full("helm_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_secret("tracking", 1, status="superseded", config=VALUES),
             _secret("tracking", 2, status="superseded", config=UPGRADE, description="Upgrade complete"),
             _secret("tracking", 3, config=VALUES, description="Rollback to 1"))  # fmt: skip
    _server(fake, "tracking", requests="384Mi")
    return {}


@half("helm_ex2", says="one revision set the server's memory limit to 1536Mi")
def helm_ex2_no_upgrade_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", "sh.helm.release.v1.tracking.v2")
    fake.delete("secret", "sh.helm.release.v1.tracking.v3")
    fake.add(_secret("tracking", 1, config=VALUES))
    return {}


@half("helm_ex2", says="the newest revision is a rollback to a revision before that upgrade")
def helm_ex2_not_rolled_back(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", "sh.helm.release.v1.tracking.v3")
    fake.add(_secret("tracking", 2, config=UPGRADE, description="Upgrade complete"))
    _server(fake, "tracking", requests="384Mi", limits="1536Mi")
    return {}


@full("helm_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    typo, fixed = {"image": {"tag": "3.17"}}, {"image": {"tag": "3.17.2"}}
    fake.add(_secret("team-tracking", 1, status="superseded", config=typo, image="kds.invalid/mlflow:3.17"),
             _secret("team-tracking", 2, config=fixed, description="Upgrade complete"))  # fmt: skip
    _server(fake, "team-tracking")
    return {}


@half("helm_ex3", says="its server runs the course's MLflow image, which the cluster holds (it runs another")
def helm_ex3_as_found(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", "sh.helm.release.v1.team-tracking.v2")
    fake.add(_secret("team-tracking", 1, config={"image": {"tag": "3.17"}}, image="kds.invalid/mlflow:3.17"))
    _server(fake, "team-tracking", ready=0, image="kds.invalid/mlflow:3.17")
    return {}


@half("helm_ex3", says="the fix is in the release (an upgrade)")
def helm_ex3_fixed_with_kubectl(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", "sh.helm.release.v1.team-tracking.v2")
    fake.add(_secret("team-tracking", 1, config={"image": {"tag": "3.17"}}, image="kds.invalid/mlflow:3.17"))
    return {}
