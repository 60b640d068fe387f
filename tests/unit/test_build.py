"""`kds build`: names, Dockerfiles and the exact commands, without a cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

from kdsutils import builder as b
from kdsutils.builder import BuildError, check_reference, dockerfile_bases, plan
from kdsutils.images import reference


@pytest.mark.parametrize(
    ("ref", "says"),
    [
        ("kds.invalid/churn-train", "no tag"),
        ("kds.invalid/churn-train:latest", "latest"),
        ("Churn:1", "not a valid image name"),
        ("localhost:5000/churn", "no tag"),
    ],
)
def test_names_without_a_usable_tag_are_refused_with_the_reason(ref: str, says: str) -> None:
    with pytest.raises(BuildError, match=says) as caught:
        check_reference(ref)
    assert caught.value.fix


def test_latest_is_refused_because_the_node_would_pull() -> None:
    with pytest.raises(BuildError) as caught:
        check_reference("kds.invalid/churn-train:latest")
    assert "downloads the image again" in caught.value.fix
    assert "kds.invalid/churn-train:1" in caught.value.fix


def test_a_registry_port_is_not_a_tag() -> None:
    assert check_reference("localhost:5000/churn:2") == "localhost:5000/churn:2"


def test_the_bases_of_a_dockerfile_skip_its_own_stages() -> None:
    text = "FROM --platform=linux/amd64 kds.invalid/python-ds:2026.12 AS deps\nRUN x\nFROM deps\n# FROM nothing\n"
    assert dockerfile_bases(text) == ["kds.invalid/python-ds:2026.12"]


def test_kind_plan_is_what_a_learner_types() -> None:
    assert plan(Path("churn-train"), "kds.invalid/churn-train:1", "kind") == [
        ["docker", "build", "--tag", "kds.invalid/churn-train:1", "churn-train"],
        ["kind", "load", "docker-image", "kds.invalid/churn-train:1", "--name", "kds"],
    ]


def test_podman_saves_an_archive_for_kind(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("KDS_CACHE", str(tmp_path))
    commands = plan(Path("t"), "kds.invalid/t:1", "kind", engine="podman")
    assert commands[0][:2] == ["podman", "build"]
    assert commands[-1][:3] == ["kind", "load", "image-archive"]
    assert commands[-1][3] == commands[1][commands[1].index("--output") + 1]


def test_local_plan_builds_with_buildah_offline_and_imports_into_containerd(tmp_path: Path) -> None:
    base = tmp_path / "python-ds.tar"
    commands = plan(
        Path("t"),
        "kds.invalid/t:1",
        "local",
        store=tmp_path / "s",
        bases=[base],
        archive=tmp_path / "out.tar",
        socket=Path("/run/kds/containerd/containerd.sock"),
    )
    assert commands[0][-3:] == ["pull", "--quiet", f"docker-archive:{base}"]
    bud = commands[1]
    assert "bud" in bud and "--pull=never" in bud and bud[-1] == "t"
    assert commands[2][-1] == f"docker-archive:{tmp_path / 'out.tar'}:kds.invalid/t:1"
    assert commands[3][-4:] == ["k8s.io", "images", "import", str(tmp_path / "out.tar")]
    assert commands[4][-3:] == ["rmi", "--force", "kds.invalid/t:1"] and commands[5][-2:] == ["rmi", "--prune"]


def test_a_missing_folder_or_dockerfile_says_what_to_write(tmp_path: Path) -> None:
    with pytest.raises(BuildError, match="no folder"):
        b.build(tmp_path / "nope", tag="kds.invalid/t:1")
    with pytest.raises(BuildError, match="has no Dockerfile") as caught:
        b.build(tmp_path, tag="kds.invalid/t:1")
    assert f"FROM {reference('python-ds')}" in caught.value.fix


def _folder(tmp_path: Path, base: str) -> Path:
    (tmp_path / "Dockerfile").write_text(f"FROM {base}\nCOPY train.py /work/\n")
    return tmp_path


def test_the_local_engine_refuses_a_base_it_cannot_have(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(b, "require_course_context", lambda: "kds-local")
    monkeypatch.setattr(b, "run", lambda *a, **k: pytest.fail("nothing may run"))
    with pytest.raises(BuildError, match="not a course image") as caught:
        b.build(_folder(tmp_path, "python:3.12-slim"), tag="kds.invalid/t:1")
    assert reference("python-ds") in caught.value.fix


def test_a_workshop_cluster_is_refused_with_the_way_there(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setattr(b, "require_course_context", lambda: "workshop-ada")
    with pytest.raises(BuildError, match="workshop-ada") as caught:
        b.build(_folder(tmp_path, reference("python-ds")), tag="kds.invalid/t:1")
    assert "docker push" in caught.value.fix


def test_kind_runs_and_prints_the_same_commands(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    ran: list[list[str]] = []
    monkeypatch.setattr(b, "require_course_context", lambda: "kind-kds")
    monkeypatch.setattr(b, "run", lambda command, **_: ran.append(command))
    monkeypatch.setenv("KDS_CACHE", str(tmp_path / "cache"))
    printed: list[str] = []
    folder = _folder(tmp_path, reference("python-ds"))
    assert b.build(folder, tag="kds.invalid/t:1", progress=printed.append) == "kds.invalid/t:1"
    assert ran == plan(folder, "kds.invalid/t:1", "kind")
    assert printed[:2] == [
        f"$ docker build --tag kds.invalid/t:1 {folder}",
        "$ kind load docker-image kds.invalid/t:1 --name kds",
    ]


def test_a_failed_step_names_it_and_shows_its_output(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from kdsutils.errors import CommandError

    def fail(command: list[str], **_: object) -> None:
        raise CommandError(command, 1, "STEP 2/2: RUN python train.py\nModuleNotFoundError: No module named 'xgboost'")

    monkeypatch.setattr(b, "require_course_context", lambda: "kind-kds")
    monkeypatch.setattr(b, "run", fail)
    monkeypatch.setenv("KDS_CACHE", str(tmp_path / "cache"))
    with pytest.raises(BuildError, match="xgboost") as caught:
        b.build(_folder(tmp_path, reference("python-ds")), tag="kds.invalid/t:1", progress=lambda _: None)
    assert "RUN line" in caught.value.fix
