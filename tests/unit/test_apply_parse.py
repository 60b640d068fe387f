"""What `apply` accepts, how it reports malformed YAML, and what it hands to kubectl."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from kdsutils import kube
from kdsutils.errors import ManifestError
from kdsutils.manifests import BUSYBOX_IMAGE, configmap, pod
from kdsutils.resources import _documents, apply

BROKEN = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: a: b
data:
  x: "1"
"""

TWO_DOCS = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: first
---
# an empty document, as editors leave behind, is skipped
---
apiVersion: v1
kind: Secret
metadata:
  name: second
"""


def test_malformed_yaml_names_line_column_and_problem() -> None:
    with pytest.raises(ManifestError) as caught:
        _documents(BROKEN)
    message = str(caught.value)
    assert "line 4, column 10: mapping values are not allowed here" in message
    assert "  4 |   name: a: b" in message
    assert "Fix:" in message


def test_malformed_yaml_in_a_file_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.yaml"
    path.write_text(BROKEN)
    with pytest.raises(ManifestError, match=r"broken\.yaml, line 4, column 10"):
        _documents(path)


def test_bad_indentation_points_at_the_offending_line() -> None:
    text = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n spec: {}\n"
    with pytest.raises(ManifestError, match="line 5, column 2"):
        _documents(text)


def test_a_pasted_control_character_is_reported_as_unreadable() -> None:
    with pytest.raises(ManifestError, match=r"Unreadable YAML .* #x0007"):
        _documents("apiVersion: v1\nkind: Pod\x07\n")


def test_multi_document_yaml_gives_every_object() -> None:
    assert [(d["kind"], d["metadata"]["name"]) for d in _documents(TWO_DOCS)] == [
        ("ConfigMap", "first"),
        ("Secret", "second"),
    ]


def test_paths_dicts_and_lists_are_accepted(tmp_path: Path) -> None:
    path = tmp_path / "objects.yaml"
    path.write_text(TWO_DOCS)
    assert len(_documents(path)) == 2
    assert len(_documents(str(path))) == 2
    assert _documents(configmap("c", {})) == [configmap("c", {})]
    assert len(_documents([configmap("a", {}), configmap("b", {})])) == 2


def test_missing_file_is_reported_as_such(tmp_path: Path) -> None:
    with pytest.raises(ManifestError, match="No such manifest file"):
        _documents(str(tmp_path / "nope.yaml"))


def test_an_object_without_kind_is_refused_with_its_position() -> None:
    text = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n---\napiVersion: v1\nmetadata:\n  name: b\n"
    )
    with pytest.raises(ManifestError, match=r"Document 2 .* no kind"):
        _documents(text)


def test_text_that_is_not_an_object_is_refused() -> None:
    with pytest.raises(ManifestError, match="not a Kubernetes object"):
        _documents("just a sentence\nover two lines")


def test_malformed_yaml_is_reported_before_any_command(
    use_context: Callable[..., Path], no_commands: list[list[str]]
) -> None:
    use_context("kds-local")
    with pytest.raises(ManifestError):
        apply(BROKEN)
    assert no_commands == []


@pytest.fixture
def fake_kubectl(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], list[Any]]]:
    calls: list[tuple[list[str], list[Any]]] = []

    def run(args: list[str], *, input: str | None = None, **_: Any) -> subprocess.CompletedProcess[str]:
        docs = list(yaml.safe_load_all(input or ""))
        calls.append((args, docs))
        out = "\n".join(f"{d['kind'].lower()}/{d['metadata']['name']} created" for d in docs)
        return subprocess.CompletedProcess(args, 0, out + "\n", "")

    monkeypatch.setattr("kdsutils.resources.run", run)
    return calls


def test_apply_pipes_the_objects_to_kubectl_in_the_lesson_namespace(
    use_context: Callable[..., Path], fake_kubectl: list[tuple[list[str], list[Any]]]
) -> None:
    use_context("kds-local")
    kube.set_default_namespace("lesson-pods")
    hello = pod("hello", BUSYBOX_IMAGE)
    assert apply(hello) == "pod/hello created"
    assert fake_kubectl == [
        (["kubectl", "--context", "kds-local", "apply", "-n", "lesson-pods", "-f", "-"], [hello])
    ]


def test_objects_that_name_their_namespace_keep_it(
    use_context: Callable[..., Path], fake_kubectl: list[tuple[list[str], list[Any]]]
) -> None:
    use_context("kind-kds")
    elsewhere = configmap("b", {})
    elsewhere["metadata"]["namespace"] = "team-b"
    apply([configmap("a", {}), elsewhere], namespace=None)
    assert [(args[5], [d["metadata"]["name"] for d in docs]) for args, docs in fake_kubectl] == [
        ("default", ["a"]),
        ("team-b", ["b"]),
    ]
