"""The `kds` commands a learner types, against the live course cluster."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from kdsutils._run import run
from kdsutils.cli import main
from kdsutils.lesson import LESSON_LABEL

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
