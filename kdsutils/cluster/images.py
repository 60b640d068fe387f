"""The course's container images for the local engine: names, build, import.

Each image is built once per recipe (its inputs are hashed) into a docker-archive in the
build cache, then imported into containerd's ``k8s.io`` namespace, so the kubelet never
pulls. Names are fully qualified and never ``latest``; kind users build the same course
images from ``images/<name>/Dockerfile``.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from pathlib import Path

from kdsutils._run import run
from kdsutils.cluster.versions import ENGINE_DIR, cache_dir, cached_binary, versions
from kdsutils.errors import EngineError

REPO = ENGINE_DIR.parent.parent.parent
IMAGES_DIR = REPO / "images"

# Engine images take their tag from the pinned version; course images from images/<name>/TAG.
ENGINE_IMAGES = {"pause": "pause", "coredns": "coredns", "local-path-provisioner": "local-path-provisioner"}
COURSE_IMAGES = ("busybox", "python-ds")


def tag(name: str) -> str:
    """The image's tag: a pinned engine version, or the course image's TAG file."""
    if name in ENGINE_IMAGES:
        return versions()[ENGINE_IMAGES[name]]
    return (IMAGES_DIR / name / "TAG").read_text().strip()


def reference(name: str) -> str:
    """The fully qualified image name, e.g. ``docker.io/kds/python-ds:2026.11``."""
    return f"docker.io/kds/{name}:{tag(name)}"


def recipe_hash(name: str) -> str:
    """A short hash of everything the image is built from; a change means a rebuild."""
    digest = hashlib.sha256((ENGINE_DIR / "build-image.sh").read_bytes())
    digest.update(reference(name).encode())
    if name in COURSE_IMAGES:
        for path in sorted((IMAGES_DIR / name).iterdir()):
            digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def archive(name: str) -> Path:
    """Where the built image's docker-archive lives in the cache."""
    return cache_dir() / "images" / f"{name}-{tag(name)}-{recipe_hash(name)}.tar"


def build(name: str, *, progress: Callable[[str], None] = print) -> Path:
    """Build one image unless its archive for this recipe is cached."""
    path = archive(name)
    if path.exists():
        return path
    progress(f"Building image {reference(name)} (first time only)")
    start = time.monotonic()
    run(["bash", str(ENGINE_DIR / "build-image.sh"), name, reference(name), str(path), str(REPO)],
        timeout=1800, stream=True, fix="read the build output above; `make engine` retries")
    (path.parent / f"{name}.seconds").write_text(str(round(time.monotonic() - start)))
    for old in path.parent.glob(f"{name}-*.tar"):
        if old != path:
            old.unlink()  # an earlier recipe's archive
    return path


def build_all(*, progress: Callable[[str], None] = print) -> list[Path]:
    """Build every image the local engine needs."""
    return [build(name, progress=progress) for name in (*ENGINE_IMAGES, *COURSE_IMAGES)]


def imported(socket: Path) -> set[str]:
    """Image references containerd already holds in its ``k8s.io`` namespace."""
    out = run([str(cached_binary("ctr")), "--address", str(socket), "-n", "k8s.io", "images", "ls", "-q"]).stdout
    return set(out.split())


def import_all(socket: Path, record: Path, *, progress: Callable[[str], None] = print) -> None:
    """Import every image containerd lacks, or holds from an older recipe.

    Args:
        socket: containerd's socket.
        record: A JSON file, kept with containerd's data, of which archive each name came from.
        progress: Where progress lines go.
    """
    have = imported(socket)
    done = json.loads(record.read_text()) if record.exists() else {}
    for name in (*ENGINE_IMAGES, *COURSE_IMAGES):
        path = archive(name)
        if reference(name) in have and done.get(reference(name)) == path.name:
            continue
        if not path.exists():
            raise EngineError(f"The image {reference(name)} is not built.", fix="run `make engine`")
        progress(f"Importing {reference(name)} into containerd")
        run([str(cached_binary("ctr")), "--address", str(socket), "-n", "k8s.io", "images", "import",
             str(path)], timeout=600)
        done[reference(name)] = path.name
        record.write_text(json.dumps(done, indent=2))

