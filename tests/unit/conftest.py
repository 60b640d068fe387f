"""Fixtures for unit tests: a throw-away kubeconfig, and no state leaking between tests."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml

from kdsutils import kube

CONTEXTS = ("kds-local", "kind-kds", "prod-eks", "workshop-ada")


def _write_kubeconfig(path: Path, current: str | None, *, namespace: str | None = None) -> Path:
    """A kubeconfig with one made-up cluster per context (port 7001, 7002...): never contacted."""
    contexts = []
    for context in CONTEXTS:
        entry = {"cluster": context, "user": "learner"}
        if namespace:
            entry["namespace"] = namespace
        contexts.append({"name": context, "context": entry})
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": name, "cluster": {"server": f"https://127.0.0.1:{7001 + i}"}}
            for i, name in enumerate(CONTEXTS)
        ],
        "users": [{"name": "learner", "user": {"token": "not-a-real-token"}}],
        "contexts": contexts,
    }
    if current is not None:
        config["current-context"] = current
    path.write_text(yaml.safe_dump(config))
    return path


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "no-kubeconfig-here"))
    monkeypatch.setenv("KDS_WORKSHOP_CONTEXTS", str(tmp_path / "workshop-contexts"))
    kube.set_default_namespace(None)
    yield
    kube.set_default_namespace(None)


@pytest.fixture
def use_context(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Path]:
    """Point KUBECONFIG at a fresh file whose current context is the given one."""

    def use(current: str | None, *, namespace: str | None = None) -> Path:
        path = _write_kubeconfig(tmp_path / f"config-{current}", current, namespace=namespace)
        monkeypatch.setenv("KUBECONFIG", str(path))
        return path

    return use


@pytest.fixture
def kubeconfig_file(tmp_path: Path) -> Callable[..., Path]:
    """Write a kubeconfig file (without using it) and return its path."""

    def write(name: str, current: str | None) -> Path:
        return _write_kubeconfig(tmp_path / name, current)

    return write


@pytest.fixture
def no_commands(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Fail the test if any helper runs an external command; record read-only ones instead."""
    calls: list[list[str]] = []

    def refuse(args: list[str], **_: object) -> None:
        calls.append(args)
        raise AssertionError(f"unexpected command: {args}")

    monkeypatch.setattr("kdsutils.resources.run", refuse)
    return calls
