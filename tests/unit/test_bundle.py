"""The offline bundle: the repository at HEAD, the cached images, and a README (no Docker)."""

from __future__ import annotations

import json
import subprocess
import tarfile
from pathlib import Path

import pytest

from kdsutils import bundle
from kdsutils.bundle import bundle_readme
from kdsutils.errors import CommandError, KdsError


def test_bundle_readme_lists_images_and_missing() -> None:
    text = bundle_readme(["kds/", "images/busybox-1.35.tar"], ["kds.invalid/python-ds:2026.12"])
    assert "    images/busybox-1.35.tar" in text
    assert "- kds.invalid/python-ds:2026.12" in text
    assert "make lab WHEELHOUSE=$PWD/../wheels/<platform>" in text and "kind/<platform>/kind" in text


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
    monkeypatch.setattr(bundle, "container_engine", lambda: None)
    out = tmp_path / "bundle.tar"
    lines: list[str] = []
    contents = bundle.make_bundle(out, root=repo, platforms=(), progress=lines.append)
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
        bundle.make_bundle(tmp_path / "b.tar", root=tmp_path / "empty", platforms=(), progress=lambda _: None)
    assert "commit first" in err.value.fix


def test_the_bundle_carries_each_platforms_wheels_and_kind_and_lists_what_failed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    _git_repo(repo)
    monkeypatch.setenv("KDS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(bundle, "container_engine", lambda: None)
    wheels = tmp_path / "wheels"
    wheels.mkdir()
    (wheels / "pandas-2.3.3-cp311-cp311-macosx_11_0_arm64.whl").write_bytes(b"wheel")
    (wheels / ".done").touch()
    kind_program = tmp_path / "kind"
    kind_program.write_bytes(b"kind")
    monkeypatch.setattr(bundle, "wheelhouse", lambda platform, **_: wheels)

    def kind_binary(platform: str, **_: object) -> Path:
        if platform == "macos-x86_64":
            raise CommandError(["go", "install"], 1, "proxy refused", fix="")
        return kind_program

    monkeypatch.setattr(bundle, "kind_binary", kind_binary)
    out = tmp_path / "bundle.tar"
    contents = bundle.make_bundle(out, root=repo, platforms=("macos-arm64", "macos-x86_64"), progress=lambda _: None)
    assert {"wheels/macos-arm64/", "kind/macos-arm64/kind", "wheels/macos-x86_64/"} <= set(contents)
    with tarfile.open(out) as tar:
        names = tar.getnames()
        readme = tar.extractfile("kds-bundle/README.txt").read().decode()
    assert "kds-bundle/wheels/macos-arm64/pandas-2.3.3-cp311-cp311-macosx_11_0_arm64.whl" in names
    assert not [name for name in names if name.endswith(".done")], "the cache's marker stays out"
    assert "- kind/macos-x86_64/kind" in readme, "what could not be made is listed"


def test_pinned_packages_are_requirements_without_the_project_plus_pip_and_its_build_backend() -> None:
    packages = bundle.pinned_packages(bundle.REPO_ROOT)
    assert "-e ." not in packages and "pip" in packages
    assert any(package.startswith("setuptools") for package in packages)
    assert all("==" in package for package in packages if package not in ("pip",) and "setuptools" not in package)


def _notebook(path: Path, *sources: str) -> Path:
    cells = [{"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None, "source": source}
             for source in sources]
    path.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_every_image_the_course_notebooks_run_is_a_course_image_the_bundle_carries() -> None:
    notebooks = sorted(bundle.REPO_ROOT.glob("[les]*s/*.ipynb"))
    used = bundle.notebook_images(notebooks)
    carried = {image.name for image in bundle.course_images(bundle.REPO_ROOT)}
    assert {"python-ds", "busybox", "mlflow", "dask", "jupyterhub"} <= set(used)
    assert set(used) <= carried, {name: users for name, users in used.items() if name not in carried}


def test_a_notebook_that_runs_an_image_no_course_image_provides_is_named_in_the_bundle(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    repo = tmp_path / "repo"
    repo.mkdir()
    (repo / "lessons").mkdir()
    _notebook(repo / "lessons" / "26-airflow.ipynb", 'kds.kubectl("run", "web", "--image=kds.invalid/airflow:3.1")',
              "pod = kds.manifests.pod('x', kds.manifests.BUSYBOX_IMAGE, ['true'])")  # fmt: skip
    _notebook(repo / "lessons" / "02-build.ipynb", 'kds.build("work", tag="kds.invalid/mine:1")',
              'IMAGE = "kds.invalid/nightly"')  # fmt: skip
    assert bundle.notebook_images(sorted((repo / "lessons").glob("*.ipynb"))) == {
        "airflow": ["26-airflow.ipynb"], "busybox": ["26-airflow.ipynb"]}, "a learner's own builds are not listed"
    _git_repo(repo)
    monkeypatch.setenv("KDS_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(bundle, "container_engine", lambda: None)
    lines: list[str] = []
    bundle.make_bundle(tmp_path / "b.tar", root=repo, platforms=(), progress=lines.append)
    with tarfile.open(tmp_path / "b.tar") as tar:
        readme = tar.extractfile("kds-bundle/README.txt").read().decode()
    assert "- kds.invalid/airflow (used by 26-airflow.ipynb)" in readme
    assert any("no course image has that name" in line for line in lines)
