"""Workshops: what a learner gets, the instructor's add-learner and the learner's join (no cluster)."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from kdsutils import kube, workshop
from kdsutils.cli import main
from kdsutils.errors import KdsError, KubeconfigInvalid
from kdsutils.workshop import learner_kubeconfig, learner_manifests


def test_learner_manifests() -> None:
    namespace, account, binding, quota, limits = learner_manifests("ada", cpu="4", memory="8Gi")
    assert namespace["metadata"] == {"name": "learner-ada", "labels": {"kds.course/learner": "ada"}}
    assert account["metadata"]["name"] == "learner" and account["metadata"]["namespace"] == "learner-ada"
    assert binding["kind"] == "RoleBinding" and binding["metadata"]["namespace"] == "learner-ada"
    assert binding["roleRef"] == {
        "apiGroup": "rbac.authorization.k8s.io",
        "kind": "ClusterRole",
        "name": "edit",
    }
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "learner", "namespace": "learner-ada"}]
    assert quota["spec"]["hard"]["requests.cpu"] == "4" and quota["spec"]["hard"]["requests.memory"] == "8Gi"
    assert limits["spec"]["limits"][0]["defaultRequest"] == {"cpu": "100m", "memory": "128Mi"}


@pytest.mark.parametrize("name", ["Ada", "ada_l", "-ada", "a" * 56, ""])
def test_learner_names_must_fit_a_namespace(name: str) -> None:
    with pytest.raises(KdsError, match="cannot name a learner"):
        learner_manifests(name)


def test_learner_kubeconfig() -> None:
    config = learner_kubeconfig("ada", server="https://10.0.0.1:6443", ca_data="Q0E=", token="tok", cluster="shared")
    assert config["current-context"] == "workshop-ada"
    assert config["clusters"] == [
        {
            "name": "shared",
            "cluster": {"server": "https://10.0.0.1:6443", "certificate-authority-data": "Q0E="},
        }
    ]
    assert config["users"] == [{"name": "learner-ada", "user": {"token": "tok"}}]
    assert config["contexts"][0]["context"]["namespace"] == "learner-ada"


def test_add_learner_applies_requests_a_token_and_registers(
    kubeconfig_file, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[list[str]] = []
    view = (
        '{"clusters": [{"name": "shared", "cluster": {"server": "https://10.0.0.1:6443", '
        '"certificate-authority-data": "Q0E="}}]}'
    )

    def run(args: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        out = view if "view" in args else ("tok-123\n" if "token" in args else "")
        return subprocess.CompletedProcess(args, 0, out, "")

    monkeypatch.setattr(workshop, "run", run)
    monkeypatch.setattr(kube, "run", run)
    out = tmp_path / "ada.kubeconfig"
    assert main(["workshop", "add-learner", "ada", "--context", "admin", "--output", str(out)]) == 0
    assert [
        "kubectl",
        "--context",
        "admin",
        "create",
        "token",
        "learner",
        "--namespace",
        "learner-ada",
        "--duration=48h",
    ] in calls
    written = yaml.safe_load(out.read_text())
    assert written["users"][0]["user"]["token"] == "tok-123"
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert kube.workshop_contexts() == ["workshop-ada"]


def test_join_merges_and_registers(kubeconfig_file, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    mine = kubeconfig_file("mine", "kind-kds")
    monkeypatch.setenv("KUBECONFIG", str(mine))
    given = tmp_path / "learner-ada.kubeconfig"
    given.write_text(
        yaml.safe_dump(learner_kubeconfig("ada", server="https://x", ca_data=None, token="t", cluster="shared"))
    )
    assert main(["workshop", "join", str(given)]) == 0
    merged = yaml.safe_load(mine.read_text())
    assert merged["current-context"] == "workshop-ada"
    assert {"kind-kds", "workshop-ada"} <= {c["name"] for c in merged["contexts"]}
    assert kube.require_course_context() == "workshop-ada"


def test_join_refuses_other_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "config"
    other.write_text(yaml.safe_dump({"current-context": "prod-eks"}))
    assert main(["workshop", "join", str(other)]) == 1
    assert "not a kubeconfig made by" in capsys.readouterr().err


def test_join_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KdsError, match="There is no file") as err:
        workshop.join(tmp_path / "learner-ada.kubeconfig", progress=lambda _: None)
    assert "learner-<name>.kubeconfig" in err.value.fix


def test_join_leaves_a_malformed_kubeconfig_untouched_and_allows_nothing(
    use_context: Callable[..., Path], tmp_path: Path
) -> None:
    mine = use_context("kind-kds")
    broken = b"apiVersion: v1\nclusters: [unclosed\n"
    mine.write_bytes(broken)
    given = tmp_path / "learner-ada.kubeconfig"
    kube.write_kubeconfig(given, learner_kubeconfig("ada", server="https://x", ca_data=None, token="t", cluster="s"))
    with pytest.raises(KubeconfigInvalid) as err:
        workshop.join(given, progress=lambda _: None)
    assert str(mine) in err.value.message and str(mine) in err.value.fix
    assert mine.read_bytes() == broken
    assert kube.workshop_contexts() == []


def test_join_returns_the_context_and_says_where_it_went(
    use_context: Callable[..., Path], tmp_path: Path
) -> None:
    mine = use_context("kind-kds")
    given = tmp_path / "learner-ada.kubeconfig"
    kube.write_kubeconfig(given, learner_kubeconfig("ada", server="https://x", ca_data=None, token="t", cluster="s"))
    lines: list[str] = []
    assert workshop.join(given, progress=lines.append) == "workshop-ada"
    assert lines == [f"context workshop-ada added to {mine}, selected, and allowed for the kds helpers"]
    assert oct(mine.stat().st_mode & 0o777) == "0o600"
