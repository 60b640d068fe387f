"""The `kds` command: parsing, errors without tracebacks, exit codes, and its pure builders."""

from __future__ import annotations

import importlib
import subprocess

import pytest

from kdsutils import cli, kube, resources
from kdsutils.cli import build_parser, format_status, main, namespaces_to_reset, plan_reset
from kdsutils.cluster import Status
from kdsutils.doctor import Check
from kdsutils.errors import EngineError

doctor_module = importlib.import_module("kdsutils.doctor")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["up"], {"command": "up", "backend": None}),
        (["up", "--backend", "kind"], {"command": "up", "backend": "kind"}),
        (["delete", "--yes", "--backend", "local"], {"command": "delete", "yes": True, "backend": "local"}),
        (
            ["workshop", "create", "ada", "bo", "--context", "admin@eks"],
            {"names": ["ada", "bo"], "context": "admin@eks", "duration": "48h", "pods": 20, "cpu": None,
             "memory": None, "count": 0, "names_file": None, "output": "."},
        ),
        (["workshop", "create", "--count", "30", "--memory", "4Gi"], {"count": 30, "memory": "4Gi"}),
        (["workshop", "delete", "ada"], {"names": ["ada"], "context": None}),
        (["workshop", "reset", "--context", "admin"], {"context": "admin", "names": []}),
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
        CONTEXT = "kds-local"

        @staticmethod
        def up(*, progress) -> None:
            progress("Starting etcd")
            started.append("up")

    monkeypatch.setattr(cli, "choose_backend", lambda explicit: explicit or "local")
    monkeypatch.setattr(cli, "running", lambda name: False)
    monkeypatch.setattr(cli, "backend_module", lambda name: Backend)
    monkeypatch.setattr(cli.appstore, "up", lambda context, progress: started.append(f"app store in {context}"))
    assert main(["up", "--backend", "local"]) == 0
    assert started == ["up", "app store in kds-local"]
    assert "[kds] Starting etcd" in capsys.readouterr().out


def test_up_refuses_while_the_other_backend_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(cli, "choose_backend", lambda explicit: explicit)
    monkeypatch.setattr(cli, "running", lambda name: name == "local")
    monkeypatch.setattr(cli, "backend_module", lambda name: pytest.fail("must not start beside the other backend"))
    assert main(["up", "--backend", "kind"]) == 1
    err = capsys.readouterr().err
    assert "The local cluster runs already" in err and "30000, 30001, 30002, 30080" in err
    assert "Fix: stop it first with `kds down --backend local`" in err


def test_delete_without_terminal_needs_yes(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(cli, "choose_backend", lambda explicit: "local")
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    monkeypatch.setattr(cli, "backend_module", lambda name: pytest.fail("must not delete"))
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
        return [Check("offline images", "fail", "missing: kds.invalid/python-ds:2026.11", "run kds up at home")]

    monkeypatch.setattr(doctor_module, "doctor", doctor)
    assert main(["workshop", "preflight"]) == 1
    assert seen == [True]
    assert capsys.readouterr().out.rstrip().endswith("NOT READY: fix the FAIL rows above")


def test_reset_refuses_a_foreign_context(
    use_context, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    use_context("prod-eks")
    monkeypatch.setattr(cli, "run", lambda *a, **k: pytest.fail("must not touch the cluster"))
    monkeypatch.setattr(kube, "run", lambda *a, **k: pytest.fail("must not touch the cluster"))
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
    monkeypatch.setattr(kube, "run", run)
    monkeypatch.setattr(resources, "run", run)
    monkeypatch.setattr(cli.appstore, "remove_learner_charts", lambda: ["churn-api-0.1.0"])
    assert main(["reset"]) == 0
    assert ["helm", "list", "--short", "--namespace", "lesson-helm", "--kube-context", "kds-local"] in calls
    assert calls[-2:] == plan_reset("kds-local", {"lesson-helm": ["web"]})


def test_format_status_of_a_running_local_engine() -> None:
    nodes = [
        {
            "metadata": {"name": "kds-control-plane"},
            "status": {"conditions": [{"type": "Ready", "status": "True"}]},
        }
    ]
    text = format_status(
        "local",
        Status(running=True, components={"etcd": "running (pid 4242)", "kubelet": None}),
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
