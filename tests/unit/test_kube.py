"""The context guard, kubeconfig reading and writing, and the per-context client cache (no cluster)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from kdsutils import kube, workshop
from kdsutils.cluster import local
from kdsutils.errors import ClusterNotReady, ContextRefused, KubeconfigInvalid
from kdsutils.lesson import lesson
from kdsutils.manifests import BUSYBOX_IMAGE, pod
from kdsutils.resources import apply, delete, exec, helm, kubectl
from kdsutils.workshop import learner_kubeconfig


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


def test_kubeconfig_path_is_the_first_file_kubectl_reads(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    monkeypatch.setenv("KUBECONFIG", f"{os.pathsep}{first}{os.pathsep}{second}")
    assert kube.kubeconfig_path() == first
    assert kube.kubeconfig_paths() == f"{first}{os.pathsep}{second}"
    monkeypatch.delenv("KUBECONFIG")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert kube.kubeconfig_path() == tmp_path / ".kube" / "config"
    assert kube.kubeconfig_paths() == str(tmp_path / ".kube" / "config")


def test_add_to_kubeconfig_creates_the_file_and_folder(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "new" / "config"
    monkeypatch.setenv("KUBECONFIG", str(path))
    ours = {"clusters": [{"name": "c"}], "users": [{"name": "u"}], "contexts": [{"name": "x"}], "current-context": "x"}
    assert kube.add_to_kubeconfig(ours) == path
    assert yaml.safe_load(path.read_text()) == {"apiVersion": "v1", "kind": "Config", **ours}
    assert kube.current_context() == "x"


def test_write_kubeconfig_replaces_the_file_in_one_step_with_mode_0600(tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("old: contents\n")
    path.chmod(0o644)
    before = path.stat().st_ino
    kube.write_kubeconfig(path, {"current-context": "kds-local"})
    assert yaml.safe_load(path.read_text()) == {"current-context": "kds-local"}
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    assert path.stat().st_ino != before, "a new file took the old one's place: never written in place"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config"], "no temporary file is left behind"


def test_a_failed_write_leaves_the_old_kubeconfig(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = tmp_path / "config"
    path.write_text("old: contents\n")

    def fail(*_: object, **__: object) -> str:
        raise OSError("disk full")

    monkeypatch.setattr(kube.yaml, "safe_dump", fail)
    with pytest.raises(OSError, match="disk full"):
        kube.write_kubeconfig(path, {"current-context": "kds-local"})
    assert path.read_text() == "old: contents\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["config"]


def test_write_kubeconfig_follows_a_symbolic_link(tmp_path: Path) -> None:
    target = tmp_path / "dotfiles" / "kubeconfig"
    target.parent.mkdir()
    target.write_text("{}\n")
    link = tmp_path / "config"
    link.symlink_to(target)
    kube.write_kubeconfig(link, {"current-context": "kds-local"})
    assert link.is_symlink()
    assert yaml.safe_load(target.read_text()) == {"current-context": "kds-local"}


MALFORMED = [b"apiVersion: v1\nclusters: [unclosed\n", b"- just\n- a list\n"]


@pytest.mark.parametrize("content", MALFORMED, ids=["bad-yaml", "not-a-mapping"])
@pytest.mark.parametrize(
    "change",
    [
        lambda: kube.add_to_kubeconfig({"clusters": [], "users": [], "contexts": [], "current-context": "x"}),
        lambda: kube.remove_from_kubeconfig("kds-local"),
    ],
    ids=["add", "remove"],
)
def test_a_malformed_kubeconfig_is_refused_and_left_as_it_is(
    use_context: Callable[..., Path], content: bytes, change: Callable[[], object]
) -> None:
    path = use_context("kds-local")
    path.write_bytes(content)
    with pytest.raises(KubeconfigInvalid) as caught:
        change()
    assert str(path) in caught.value.message and "left it as it is" in caught.value.message
    assert f"mv {path} {path}.broken" in caught.value.fix
    assert path.read_bytes() == content
    assert sorted(p.name for p in path.parent.iterdir() if p.name.startswith(".")) == []


def test_reading_a_malformed_kubeconfig_names_the_file(use_context: Callable[..., Path]) -> None:
    path = use_context("kds-local")
    path.write_bytes(MALFORMED[0])
    with pytest.raises(KubeconfigInvalid, match=str(path)):
        kube.current_context()


def test_remove_from_kubeconfig_keeps_what_other_contexts_use(use_context: Callable[..., Path]) -> None:
    path = use_context("kds-local")
    kube.remove_from_kubeconfig("kds-local")
    left = yaml.safe_load(path.read_text())
    assert [c["name"] for c in left["contexts"]] == ["kind-kds", "prod-eks", "workshop-ada"]
    assert [c["name"] for c in left["clusters"]] == ["kind-kds", "prod-eks", "workshop-ada"]
    assert [u["name"] for u in left["users"]] == ["learner"], "the other contexts still use this user"
    assert left["current-context"] == ""
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def test_remove_from_kubeconfig_leaves_a_file_without_that_context_alone(
    use_context: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = use_context("prod-eks")
    kube.remove_from_kubeconfig("kds-local")
    before = path.read_bytes(), path.stat().st_ino
    kube.remove_from_kubeconfig("kds-local")
    assert (path.read_bytes(), path.stat().st_ino) == before
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "none"))
    kube.remove_from_kubeconfig("kds-local")
    assert not (tmp_path / "none").exists()


def test_join_and_up_write_through_the_same_writer(
    use_context: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    mine = use_context("prod-eks")
    written: list[Path] = []
    original = kube.write_kubeconfig

    def spy(path: Path, kubeconfig: dict) -> None:
        written.append(path)
        original(path, kubeconfig)

    monkeypatch.setattr(kube, "write_kubeconfig", spy)
    state = tmp_path / "state"
    (state / "pki").mkdir(parents=True)
    for name in ("ca.crt", "admin.crt", "admin.key"):
        (state / "pki" / name).write_bytes(b"PEM")
    local.install_kubeconfig(state)
    learner = tmp_path / "learner-ada.kubeconfig"
    original(learner, learner_kubeconfig("ada", server="https://x", ca_data=None, token="t", cluster="shared"))
    workshop.join(learner, progress=lambda _: None)
    assert written == [mine, mine]
    contexts = {c["name"] for c in yaml.safe_load(mine.read_text())["contexts"]}
    assert {"kds-local", "workshop-ada", "prod-eks"} <= contexts


def test_kubectl_json_parses_the_answer_or_gives_none(monkeypatch: pytest.MonkeyPatch) -> None:
    answers = {"nodes": (0, '{"items": []}'), "pods": (1, "")}

    def run(args: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        assert args[-2:] == ["-o", "json"]
        code, out = answers[args[2]]
        return subprocess.CompletedProcess(args, code, out, "error")

    monkeypatch.setattr(kube, "run", run)
    assert kube.kubectl_json(["get", "nodes"]) == {"items": []}
    assert kube.kubectl_json(["get", "pods"]) is None
