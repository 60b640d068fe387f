"""The `kds` command: parsing, errors without tracebacks, exit codes, and its pure builders."""

from __future__ import annotations

import importlib
import subprocess
import tarfile
from pathlib import Path

import pytest
import yaml

from kdsutils import cli
from kdsutils.cli import (
    build_parser,
    bundle_readme,
    format_status,
    learner_kubeconfig,
    learner_manifests,
    main,
    namespaces_to_reset,
    plan_reset,
)
from kdsutils.doctor import Check
from kdsutils.errors import EngineError, KdsError

doctor_module = importlib.import_module("kdsutils.doctor")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["up"], {"command": "up", "backend": None}),
        (["up", "--backend", "kind"], {"command": "up", "backend": "kind"}),
        (["delete", "--yes", "--backend", "local"], {"command": "delete", "yes": True, "backend": "local"}),
        (
            ["workshop", "add-learner", "ada", "--context", "admin@eks"],
            {"name": "ada", "context": "admin@eks", "duration": "48h", "cpu": "2", "memory": "4Gi"},
        ),
        (["workshop", "join", "learner-ada.kubeconfig"], {"file": "learner-ada.kubeconfig"}),
        (["bundle", "out.tar"], {"out": "out.tar"}),
    ],
)
def test_parsing(argv: list[str], expected: dict) -> None:
    args = vars(build_parser().parse_args(argv))
    assert {k: args[k] for k in expected} == expected


@pytest.mark.parametrize("argv", [[], ["up", "--backend", "minikube"], ["workshop"], ["bundle"], ["fly"]])
def test_bad_usage_exits_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 2
    assert "usage: kds" in capsys.readouterr().err


def test_kds_error_prints_message_and_fix_without_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def refuse(explicit: str | None) -> str:
        raise EngineError("The local engine runs on Linux only.", fix="install Docker Desktop")

    monkeypatch.setattr(cli, "choose_backend", refuse)
    assert main(["up"]) == 1
    out = capsys.readouterr()
    assert out.err == "kds up: The local engine runs on Linux only.\nFix: install Docker Desktop\n"
    assert "Traceback" not in out.out + out.err


def test_up_uses_the_chosen_backend(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    started: list[str] = []

    class Backend:
        @staticmethod
        def up(*, progress) -> None:
            progress("Starting etcd")
            started.append("up")

    monkeypatch.setattr(cli, "choose_backend", lambda explicit: explicit or "local")
    monkeypatch.setattr(cli, "_backend", lambda name: Backend)
    assert main(["up", "--backend", "local"]) == 0
    assert started == ["up"]
    assert "[kds] Starting etcd" in capsys.readouterr().out


def test_delete_without_terminal_needs_yes(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "choose_backend", lambda explicit: "local")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    monkeypatch.setattr(cli, "_backend", lambda name: pytest.fail("must not delete"))
    assert main(["delete"]) == 1
    assert "--yes" in capsys.readouterr().err


@pytest.mark.parametrize(("statuses", "code"), [(["pass", "warn"], 0), (["pass", "fail"], 1)])
def test_doctor_exit_code(
    statuses: list[str], code: int, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    checks = [Check(f"check {i}", s, "detail", "fix") for i, s in enumerate(statuses)]
    monkeypatch.setattr(doctor_module, "doctor", lambda preflight=False: checks)
    assert main(["doctor"]) == code
    assert "check 1" in capsys.readouterr().out


def test_preflight_prints_a_verdict(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    seen: list[bool] = []

    def doctor(preflight: bool = False) -> list[Check]:
        seen.append(preflight)
        return [Check("offline images", "fail", "missing: docker.io/kds/python-ds:2026.11", "run kds up at home")]

    monkeypatch.setattr(doctor_module, "doctor", doctor)
    assert main(["workshop", "preflight"]) == 1
    assert seen == [True]
    assert capsys.readouterr().out.rstrip().endswith("NOT READY: fix the FAIL rows above")


def test_reset_refuses_a_foreign_context(
    use_context, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_context("prod-eks")
    monkeypatch.setattr(cli, "run", lambda *a, **k: pytest.fail("must not touch the cluster"))
    assert main(["reset"]) == 1
    err = capsys.readouterr().err
    assert "prod-eks" in err and "Fix: " in err


def test_namespaces_to_reset() -> None:
    listed = [
        {"metadata": {"name": n}}
        for n in ("default", "kube-system", "lesson-pods", "exercise-jobs", "learner-ada", "my-lessons")
    ]
    listed.append({"metadata": {"name": "custom", "labels": {"kds.course/lesson": "helm"}}})
    assert namespaces_to_reset(listed) == ["custom", "exercise-jobs", "lesson-pods"]


def test_plan_reset_uninstalls_releases_before_deleting_namespaces() -> None:
    assert plan_reset("kind-kds", {"lesson-pods": [], "lesson-helm": ["web", "db"]}) == [
        ["helm", "uninstall", "web", "--namespace", "lesson-helm", "--kube-context", "kind-kds"],
        ["helm", "uninstall", "db", "--namespace", "lesson-helm", "--kube-context", "kind-kds"],
        [
            "kubectl",
            "--context",
            "kind-kds",
            "delete",
            "namespace",
            "lesson-helm",
            "lesson-pods",
            "--wait=true",
            "--timeout=300s",
        ],
    ]
    assert plan_reset("kind-kds", {}) == []


def test_reset_runs_the_plan(use_context, monkeypatch: pytest.MonkeyPatch) -> None:
    use_context("kds-local")
    calls: list[list[str]] = []
    listed = '{"items": [{"metadata": {"name": "lesson-helm"}}, {"metadata": {"name": "default"}}]}'

    def run(args: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        out = {"get": listed, "list": "web\n"}.get(args[3] if args[0] == "kubectl" else args[1], "")
        return subprocess.CompletedProcess(args, 0, out, "")

    monkeypatch.setattr(cli, "run", run)
    assert main(["reset"]) == 0
    assert calls[-2:] == plan_reset("kds-local", {"lesson-helm": ["web"]})


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

    monkeypatch.setattr(cli, "run", run)
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
    from kdsutils.kube import workshop_contexts

    assert workshop_contexts() == ["workshop-ada"]


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
    from kdsutils.kube import require_course_context

    assert require_course_context() == "workshop-ada"


def test_join_refuses_other_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "config"
    other.write_text(yaml.safe_dump({"current-context": "prod-eks"}))
    assert main(["workshop", "join", str(other)]) == 1
    assert "not a kubeconfig made by" in capsys.readouterr().err


def test_format_status_of_a_running_local_engine() -> None:
    nodes = [
        {
            "metadata": {"name": "kds-control-plane"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]},
        }
    ]
    text = format_status(
        "local",
        {"running": True, "components": {"etcd": 4242, "kubelet": None}},
        version="v1.36.4",
        nodes=nodes,
        namespaces=["default", "kube-system"],
        current_context="prod-eks",
    )
    assert text.splitlines() == [
        "backend:         local (context kds-local)",
        "running:         yes",
        "kubernetes:      v1.36.4",
        "node:            kds-control-plane (Ready)",
        "namespaces:      default, kube-system",
        "components:",
        "  etcd                     running (pid 4242)",
        "  kubelet                  not running",
        "current context: prod-eks (not kds-local: `kubectl config use-context kds-local`)",
    ]


def test_bundle_readme_lists_images_and_missing() -> None:
    text = bundle_readme(["kds/", "images/busybox-1.35.tar"], ["docker.io/kds/python-ds:2026.11"])
    assert "    images/busybox-1.35.tar" in text
    assert "- docker.io/kds/python-ds:2026.11" in text
    assert "Not included: Python packages" in text


def _git_repo(root: Path) -> None:
    (root / "images" / "busybox").mkdir(parents=True)
    (root / "images" / "busybox" / "Dockerfile").write_text("FROM scratch\n")
    (root / "images" / "busybox" / "TAG").write_text("1.35\n")
    (root / "README.md").write_text("kds\n")
    (root / "untracked.txt").write_text("not committed\n")
    for args in (
        ["init", "-q"],
        ["add", "README.md", "images"],
        ["-c", "user.name=t", "-c", "user.email=t@x", "commit", "-q", "-m", "init"],
    ):
        subprocess.run(["git", "-C", str(root), *args], check=True)


def test_bundle_holds_the_repository_at_head_and_cached_images(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git_repo(repo)
    cache = tmp_path / "cache"
    (cache / "images").mkdir(parents=True)
    (cache / "images" / "busybox-1.35-0a1b2c.tar").write_bytes(b"image bytes")
    monkeypatch.setenv("KDS_CACHE", str(cache))
    monkeypatch.setattr(cli, "container_engine", lambda: None)
    out = tmp_path / "bundle.tar"
    lines: list[str] = []
    contents = cli.make_bundle(out, root=repo, progress=lines.append)
    assert contents == ["kds/", "images/busybox-1.35.tar", "README.txt"]
    with tarfile.open(out) as tar:
        names = tar.getnames()
        assert "kds-bundle/kds/README.md" in names
        assert "kds-bundle/kds/untracked.txt" not in names
        assert tar.extractfile("kds-bundle/images/busybox-1.35.tar").read() == b"image bytes"
        readme = tar.extractfile("kds-bundle/README.txt").read().decode()
    assert "kindest/node" in readme  # not available without Docker: listed as missing
    assert any("not in the bundle: kindest/node" in line for line in lines)


def test_bundle_needs_a_commit(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    subprocess.run(["git", "init", "-q", str(tmp_path / "empty")], check=True)
    with pytest.raises(KdsError) as err:
        cli.make_bundle(tmp_path / "b.tar", root=tmp_path / "empty", progress=lambda _: None)
    assert "commit first" in err.value.fix
