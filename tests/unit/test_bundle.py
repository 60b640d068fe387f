"""The offline bundle: the repository at HEAD, the cached images, and a README (no Docker)."""

from __future__ import annotations

import subprocess
import tarfile
from pathlib import Path

import pytest

from kdsutils import bundle
from kdsutils.bundle import bundle_readme
from kdsutils.errors import KdsError


def test_bundle_readme_lists_images_and_missing() -> None:
    text = bundle_readme(["kds/", "images/busybox-1.35.tar"], ["kds.invalid/python-ds:2026.12"])
    assert "    images/busybox-1.35.tar" in text
    assert "- kds.invalid/python-ds:2026.12" in text
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
    monkeypatch.setattr(bundle, "container_engine", lambda: None)
    out = tmp_path / "bundle.tar"
    lines: list[str] = []
    contents = bundle.make_bundle(out, root=repo, progress=lines.append)
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
        bundle.make_bundle(tmp_path / "b.tar", root=tmp_path / "empty", progress=lambda _: None)
    assert "commit first" in err.value.fix
