"""The context guard, kubeconfig loading and the per-context client cache (no cluster)."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest

from kdsutils import kube
from kdsutils.errors import ClusterNotReady, ContextRefused
from kdsutils.lesson import lesson
from kdsutils.manifests import BUSYBOX_IMAGE, pod
from kdsutils.resources import apply, delete, exec, helm, kubectl


def test_current_context_is_read_from_kubeconfig_env(use_context: Callable[..., Path]) -> None:
    use_context("kind-kds")
    assert kube.current_context() == "kind-kds"
    use_context("prod-eks")
    assert kube.current_context() == "prod-eks"


def test_first_file_in_kubeconfig_list_sets_the_context(
    kubeconfig_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    first = kubeconfig_file("a", "kds-local")
    second = kubeconfig_file("b", "prod-eks")
    monkeypatch.setenv("KUBECONFIG", f"{first}{os.pathsep}{second}")
    assert kube.current_context() == "kds-local"


def test_guard_refuses_a_foreign_context_and_says_how_to_switch(use_context: Callable[..., Path]) -> None:
    use_context("prod-eks")
    with pytest.raises(ContextRefused) as caught:
        kube.require_course_context()
    message = str(caught.value)
    assert "'prod-eks'" in message
    assert "kind-kds" in message and "kds-local" in message
    assert "kubectl config use-context kds-local" in message
    assert "kubectl config use-context kind-kds" in message


@pytest.mark.parametrize("context", ["kds-local", "kind-kds"])
def test_guard_accepts_the_course_clusters(use_context: Callable[..., Path], context: str) -> None:
    use_context(context)
    assert kube.require_course_context() == context


def test_guard_accepts_a_registered_workshop_context(
    use_context: Callable[..., Path], tmp_path: Path
) -> None:
    use_context("workshop-ada")
    with pytest.raises(ContextRefused):
        kube.require_course_context()
    kube.register_workshop_context("workshop-ada")
    kube.register_workshop_context("workshop-ada")
    assert kube.require_course_context() == "workshop-ada"
    assert (tmp_path / "workshop-contexts").read_text().splitlines() == ["workshop-ada"]
    assert "workshop-ada" in str(_refusal_for(use_context, "prod-eks"))


def _refusal_for(use_context: Callable[..., Path], context: str) -> ContextRefused:
    use_context(context)
    with pytest.raises(ContextRefused) as caught:
        kube.require_course_context()
    return caught.value


def test_workshop_namespace_is_the_learners_own_only_on_a_registered_workshop_context(
    use_context: Callable[..., Path],
) -> None:
    use_context("workshop-ada", namespace="learner-ada")
    assert kube.workshop_namespace() is None, "not registered: not a workshop"
    kube.register_workshop_context("workshop-ada")
    assert kube.workshop_namespace() == "learner-ada"
    use_context("kds-local", namespace="learner-ada")
    assert kube.workshop_namespace() is None, "one's own cluster makes fresh lesson namespaces"
    use_context("workshop-ada")
    with pytest.raises(ContextRefused) as caught:
        kube.workshop_namespace()
    assert "names no namespace" in str(caught.value) and "kds workshop join" in caught.value.fix


def test_workshop_contexts_file_defaults_to_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KDS_WORKSHOP_CONTEXTS")
    monkeypatch.setenv("HOME", str(tmp_path))
    kube.register_workshop_context("workshop-bob")
    assert (tmp_path / ".kds" / "workshop-contexts").read_text() == "workshop-bob\n"


def test_allow_any_overrides_the_guard(use_context: Callable[..., Path]) -> None:
    use_context("prod-eks")
    assert kube.require_course_context(allow_any=True) == "prod-eks"


def test_missing_kubeconfig_means_no_cluster_yet() -> None:
    with pytest.raises(ClusterNotReady, match="kds up"):
        kube.current_context()


def test_kubeconfig_without_current_context_is_refused(use_context: Callable[..., Path]) -> None:
    use_context(None)
    with pytest.raises(ContextRefused, match="no current context"):
        kube.require_course_context()


def test_api_client_is_cached_per_context(use_context: Callable[..., Path]) -> None:
    use_context("kds-local")
    local = kube.api_client()
    assert kube.api_client() is local
    assert local.configuration.host == "https://127.0.0.1:7001"
    use_context("kind-kds")
    kind = kube.api_client()
    assert kind is not local
    assert kind.configuration.host == "https://127.0.0.1:7002"


def test_namespace_precedence(use_context: Callable[..., Path]) -> None:
    use_context("kds-local")
    assert kube.effective_namespace() == "default"
    use_context("kds-local", namespace="team-a")
    assert kube.effective_namespace() == "team-a"
    kube.set_default_namespace("lesson-pods")
    assert kube.effective_namespace() == "lesson-pods"
    assert kube.effective_namespace("other") == "other"


@pytest.mark.parametrize(
    "change",
    [
        lambda: apply(pod("hello", BUSYBOX_IMAGE)),
        lambda: delete("pod", "hello"),
        lambda: exec("hello", ["ls"]),
        lambda: kubectl("delete", "pod", "hello"),
        lambda: kubectl("scale", "deployment/web", "--replicas=3"),
        lambda: helm("install", "db", "charts/postgres"),
        lambda: lesson("pods"),
    ],
    ids=["apply", "delete", "exec", "kubectl-delete", "kubectl-scale", "helm-install", "lesson"],
)
def test_every_change_is_refused_on_a_foreign_context_before_running_anything(
    use_context: Callable[..., Path], no_commands: list[list[str]], change: Callable[[], object]
) -> None:
    use_context("prod-eks")
    with pytest.raises(ContextRefused, match="prod-eks"):
        change()
    assert no_commands == []


def test_read_only_kubectl_is_not_guarded(
    use_context: Callable[..., Path], no_commands: list[list[str]]
) -> None:
    use_context("prod-eks")
    with pytest.raises(AssertionError, match="unexpected command"):
        kubectl("get", "pods")
    assert no_commands == [["kubectl", "get", "pods"]]
