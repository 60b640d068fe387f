"""The `kds` commands a learner types, against the live course cluster."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from kdsutils import kube
from kdsutils._run import run
from kdsutils.cli import main
from kdsutils.lesson import LESSON_LABEL, lesson
from kdsutils.manifests import BUSYBOX_IMAGE, configmap, pod
from kdsutils.resources import apply
from tests.conftest import drop_namespace

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]

REPO = Path(__file__).resolve().parents[2]


def _namespaces() -> set[str]:
    return {n.split("/", 1)[1] for n in run(["kubectl", "get", "namespaces", "-o", "name"]).stdout.split()}


@pytest.mark.serial  # it removes every lesson's namespace
def test_reset_removes_lesson_namespaces_and_their_releases_and_keeps_the_rest(
    ns: str, capsys: pytest.CaptureFixture[str]
) -> None:
    lesson_ns = f"lesson-reset-{uuid.uuid4().hex[:6]}"
    run(["kubectl", "create", "namespace", lesson_ns])
    run(["kubectl", "label", "namespace", lesson_ns, f"{LESSON_LABEL}=reset"])
    run(["helm", "install", "greeter", str(REPO / "charts" / "hello"), "-n", lesson_ns])
    run(["kubectl", "create", "configmap", "keep-me", "-n", ns])

    assert main(["reset"]) == 0

    out = capsys.readouterr().out
    assert f"uninstalling Helm release greeter in {lesson_ns}" in out
    assert lesson_ns not in _namespaces(), "reset waits until the lesson namespaces are gone"
    assert ns in _namespaces()
    assert run(["kubectl", "get", "configmap", "keep-me", "-n", ns], check=False).returncode == 0
    assert run(["helm", "status", "greeter", "-n", lesson_ns], check=False).returncode != 0


def test_workshop_learner_runs_lessons_in_their_own_namespace(
    cluster: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The instructor's kubeconfig is a copy of ours, so joining switches nothing on this machine.
    admin = tmp_path / "config"
    admin.write_text(Path(kube.kubeconfig_paths()).expanduser().read_text())
    monkeypatch.setenv("KUBECONFIG", str(admin))
    monkeypatch.setenv("KDS_WORKSHOP_CONTEXTS", str(tmp_path / "workshop-contexts"))
    name = f"kt-{uuid.uuid4().hex[:6]}"
    learner_file = tmp_path / f"learner-{name}.kubeconfig"
    try:
        assert main(["workshop", "add-learner", name, "--context", cluster, "--output", str(learner_file)]) == 0
        assert main(["workshop", "join", str(learner_file)]) == 0
        assert kube.current_context() == f"workshop-{name}"

        first = lesson("pods")
        assert (first.namespace, first.shared) == (f"learner-{name}", True)
        apply(configmap("notes", {"threshold": "0.7"}))
        apply(pod("sleeper", BUSYBOX_IMAGE, ["sleep", "3600"]))
        assert run(["kubectl", "get", "configmap", "notes"], check=False).returncode == 0
        denied = run(["kubectl", "create", "namespace", f"{name}-own"], check=False)
        assert "forbidden" in denied.stderr, "a learner cannot make namespaces: lessons must not need to"

        second = lesson("config")
        assert second.namespace == first.namespace
        assert run(["kubectl", "get", "configmap", "notes"], check=False).returncode != 0, "a new lesson starts empty"
        assert "sleeper" not in run(["kubectl", "get", "pods", "-o", "name"]).stdout
        apply(configmap("notes", {"threshold": "0.9"}))
        second.cleanup(wait=True)
        assert run(["kubectl", "get", "configmap", "notes"], check=False).returncode != 0
        kept = run(["kubectl", "--context", cluster, "get", "serviceaccount,rolebinding,resourcequota",
                    "-n", second.namespace, "-o", "name"]).stdout
        assert "serviceaccount/learner" in kept and "resourcequota/learner-quota" in kept, "the account stays"
    finally:
        kube.set_default_namespace(None)
        drop_namespace(cluster, f"learner-{name}")
