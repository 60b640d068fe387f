"""Check cases of the exercises on JupyterHub (see check_cases.py)."""

from __future__ import annotations

from typing import Any

import pytest
from cases_helm import _secret
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod, typed

from kdsutils import images, manifests


def _server(user: str, *, ready: bool = True, limit: str = "2147483648") -> Any:
    """The Pod KubeSpawner makes for `user` (memory in bytes, as it writes it)."""
    resources = {"requests": {"memory": "268435456"}, "limits": {"memory": limit}}
    status = {"conditions": [{"type": "Ready", "status": str(ready)}]}
    return pod(f"jupyter-{user}", ["jupyterhub-singleuser"], phase="Running" if ready else "Pending",
               image=images.reference("jupyterhub"), resources=resources, status=status)  # fmt: skip


def _claim(user: str, *, size: str = "2Gi", phase: str = "Bound", storage_class: str = "standard") -> Any:
    return typed(manifests.pvc(f"claim-{user}", size, storage_class=storage_class), status={"phase": phase})


def _password(release: str, password: str) -> Any:
    return typed(manifests.secret(f"{release}-jupyterhub", {"password": password}))


def _standard() -> Any:
    manifest = {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "standard"},
                "provisioner": "rancher.io/local-path"}  # fmt: skip
    return typed(manifest)


@full("jupyterhub_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_secret("data", 1, chart="jupyterhub"), _password("data", "churn-team-2026"), _server("ada"),
             _claim("ada"))  # fmt: skip
    return {}


@half("jupyterhub_ex1", says="there is a Helm release named data")
def jupyterhub_ex1_not_installed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", "sh.helm.release.v1.data.v1")
    return {}


@half("jupyterhub_ex1", says="the shared password is churn-team-2026 (it is another one")
def jupyterhub_ex1_generated_password(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_password("data", "x" * 32))
    return {}


@half("jupyterhub_ex1", says="ada's server (Pod jupyter-ada) is ready (there is no Pod jupyter-ada")
def jupyterhub_ex1_not_started(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("pod", "jupyter-ada")
    return {}


@half("jupyterhub_ex1", says="her server's memory limit is 2Gi (it is 1073741824 bytes")
def jupyterhub_ex1_started_before_the_upgrade(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_server("ada", limit="1073741824"))
    return {}


@half("jupyterhub_ex1", says="her home folder (claim-ada) is 2Gi (it is 1Gi")
def jupyterhub_ex1_default_storage(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("ada", size="1Gi"))
    return {}


@full("jupyterhub_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fixed = {"auth": {"password": "lab-password-1"}}
    fake.add(_standard(), _secret("lab", 2, chart="jupyterhub", config=fixed), _server("dev"), _claim("dev"))
    return {}


@half("jupyterhub_ex2", says="dev's server (Pod jupyter-dev) is ready (it is Pending")
def jupyterhub_ex2_as_installed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("dev", phase="Pending", storage_class="fast-ssd"), _server("dev", ready=False))
    return {}


@half("jupyterhub_ex2", says="so the next upgrade keeps it) (it asks for 'fast-ssd')")
def jupyterhub_ex2_fixed_beside_the_release(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    broken = {"auth": {"password": "lab-password-1"}, "singleuser": {"storage": {"storageClass": "fast-ssd"}}}
    fake.add(_secret("lab", 2, chart="jupyterhub", config=broken))
    return {}


@half("jupyterhub_ex2", says="claim-dev) is bound to a volume (it is Pending")
def jupyterhub_ex2_claim_pending(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("dev", phase="Pending"))
    return {}
