"""The offline bundle (``kds bundle OUT.tar``): the course for a workshop without internet.

One tar file holds the repository at HEAD and, as far as they are available, the course
images and the kind node image as docker-archive files, with a README that explains their use.
The images come from the kds cache (the local engine's builds) or are saved from Docker or
Podman; what neither has is listed as missing, in the README and in the progress lines.
"""

from __future__ import annotations

import io
import tarfile
import tempfile
from pathlib import Path

from kdsutils._run import run
from kdsutils.cluster import Progress, kind
from kdsutils.cluster.detect import container_engine
from kdsutils.images import REPO_ROOT, CourseImage, course_images
from kdsutils.versions import cache_dir


def bundle_readme(contents: list[str], missing: list[str]) -> str:
    """Write the README that explains an offline bundle (pure).

    Args:
        contents: What the bundle holds, e.g. ``["kds/", "images/busybox-1.35.tar"]``.
        missing: The image references that could not be added.

    Examples:
        >>> "images/python-ds-2026.12.tar" in bundle_readme(["images/python-ds-2026.12.tar"], [])
        True
    """
    lines = [
        "kds offline bundle",
        "==================",
        "",
        "For workshops without internet. It holds:",
        "",
        "- kds/: the course repository at the commit it was made from (`git archive HEAD`)",
        "- images/: container images as docker-archive tar files, when they were available:",
        *[f"    {item}" for item in contents if item.startswith("images/")],
        "",
        "Use it:",
        "",
        "1. `tar xf BUNDLE.tar` then `cd kds-bundle`.",
        "2. `docker load -i images/<file>.tar` for each file (`podman load` with Podman).",
        "3. In kds/: `kds up`. It finds the node image and the course images already loaded, so it",
        "   builds and downloads nothing, and loads them into the kind cluster.",
        "",
        "Not included: Python packages (run `make lab` once with internet, or bring a wheelhouse),",
        "Docker itself, and the local engine (Linux without Docker builds its own with `make engine`).",
    ]
    if missing:
        lines += [
            "",
            "Missing when this bundle was made (build them first, e.g. with `kds up`):",
            *[f"- {item}" for item in missing],
        ]
    return "\n".join(lines) + "\n"


def _cached_archive(image: CourseImage) -> Path | None:
    """Return the newest archive of an image in the kds cache (the local engine's or kind's)."""
    found = sorted((cache_dir() / "images").glob(f"{image.name}-{image.tag}*.tar"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def _save_with_engine(engine: str | None, ref: str, dest: Path) -> bool:
    """Save image `ref` from Docker or Podman to `dest`; return whether it worked."""
    if engine is None:
        return False
    if ref == kind.NODE_TAG:  # kind pulled it by digest, which leaves it untagged: tag it to save it
        run([engine, "tag", kind.NODE_IMAGE, kind.NODE_TAG], check=False, timeout=60)
    return run([engine, "save", "--output", str(dest), ref], check=False, timeout=1800).returncode == 0


def make_bundle(out: Path, *, root: Path | None = None, progress: Progress = print) -> list[str]:
    """Write the offline bundle `out` (a tar file); return what it holds.

    Best effort: the repository at HEAD always; each course image from the kds cache, or
    saved from Docker/Podman; the kind node image when Docker/Podman has it.

    Args:
        out: The tar file to write (removed again when writing fails).
        root: The repository to pack (default: the one kdsutils is installed from).
        progress: Called with each step and with each image left out.

    Raises:
        CommandError: when the repository has no commit to archive.

    Examples:
        >>> make_bundle(Path("kds-bundle.tar"))  # doctest: +SKIP
        ['kds/', 'images/python-ds-2026.12.tar', ...]
    """
    root = root or REPO_ROOT
    engine = container_engine()
    contents, missing = ["kds/"], []
    with tempfile.TemporaryDirectory() as tmp:
        repo_tar = Path(tmp) / "repo.tar"
        progress(f"archiving the repository at HEAD ({root})")
        git = [
            "git",
            "-C",
            str(root),
            "archive",
            "--format=tar",
            "--prefix=kds-bundle/kds/",
            "-o",
            str(repo_tar),
        ]
        run([*git, "HEAD"], timeout=300, fix="the bundle holds committed files only: commit first")
        wanted = [(f"{i.name}-{i.tag}.tar", i.ref, _cached_archive(i)) for i in course_images(root)]
        wanted.append((f"kindest-node-{kind.NODE_TAG.split(':')[1]}.tar", kind.NODE_TAG, None))
        try:
            with tarfile.open(out, "w") as bundle, tarfile.open(repo_tar) as repo:
                for member in repo.getmembers():
                    bundle.addfile(member, repo.extractfile(member) if member.isfile() else None)
                for filename, ref, cached in wanted:
                    source = cached or Path(tmp) / filename
                    if cached is None:
                        progress(f"saving {ref} from {engine or 'the container engine'}")
                        if not _save_with_engine(engine, ref, source):
                            missing.append(ref)
                            continue
                    progress(f"adding {ref} ({source.stat().st_size / 1e6:.0f} MB)")
                    bundle.add(source, arcname=f"kds-bundle/images/{filename}")
                    contents.append(f"images/{filename}")
                readme = bundle_readme(contents, missing).encode()
                info = tarfile.TarInfo("kds-bundle/README.txt")
                info.size = len(readme)
                bundle.addfile(info, io.BytesIO(readme))
        except BaseException:
            out.unlink(missing_ok=True)
            raise
    for ref in missing:
        progress(f"not in the bundle: {ref} (not built, and not in Docker or Podman)")
    progress(f"wrote {out} ({out.stat().st_size / 1e6:.0f} MB); kds-bundle/README.txt explains its use")
    return [*contents, "README.txt"]
