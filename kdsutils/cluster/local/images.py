"""The local engine's images: the course images (from `kdsutils.images`) and its own three.

Each image is built once per recipe (its inputs are hashed) into a docker-archive in the
build cache, then imported into containerd's ``k8s.io`` namespace, so the kubelet never
pulls. The course images come from the one catalogue, `kdsutils.images.course_images`;
kind users build the same ones from ``images/<name>/Dockerfile``.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path

from kdsutils._run import run
from kdsutils.cluster import Progress
from kdsutils.errors import EngineError
from kdsutils.images import IMAGES_DIR, REGISTRY, REPO_ROOT, course_images
from kdsutils.versions import ENGINE_DIR, build_lock, cache_dir, cached_binary, versions

#: The engine's own images, each tagged with the pinned version of the component it packs.
ENGINE_IMAGES = {"pause": "pause", "coredns": "coredns", "local-path-provisioner": "local-path-provisioner"}


def references() -> dict[str, str]:
    """Every image the local engine loads, by name: its own three, then the course images.

    Examples:
        >>> references()["pause"]  # doctest: +SKIP
        'kds.invalid/pause:3.10.2'
    """
    refs = {name: f"{REGISTRY}/{name}:{versions()[component]}" for name, component in ENGINE_IMAGES.items()}
    refs.update({image.name: image.ref for image in course_images()})
    return refs


def reference(name: str) -> str:
    """The fully qualified name of one of the engine's images, e.g. ``kds.invalid/pause:3.10.2``."""
    return references()[name]


def recipe_hash(name: str) -> str:
    """A short hash of everything the image is built from; a change means a rebuild."""
    base = _base(name)
    digest = hashlib.sha256((ENGINE_DIR / _script(base)).read_bytes())
    digest.update(reference(name).encode())
    if base:  # a tool image changes with the base it is built on
        digest.update(archive(base).name.encode())
    folder = IMAGES_DIR / name
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        digest.update(str(path.relative_to(folder)).encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def _script(base: str | None) -> str:
    """The recipe script: base images have one each in build-image.sh, tool images share one."""
    return "build-tool-image.sh" if base else "build-image.sh"


def _base(name: str) -> str | None:
    """The base image a tool image is built FROM (None for the others)."""
    return next((image.base for image in course_images() if image.name == name), None)


def archive(name: str) -> Path:
    """Where the built image's docker-archive lives in the cache."""
    tag = reference(name).rsplit(":", 1)[1]
    return cache_dir() / "images" / f"{name}-{tag}-{recipe_hash(name)}.tar"


def build(name: str, *, progress: Progress = print) -> Path:
    """Build one image unless its archive for this recipe is cached (one build at a time)."""
    path = archive(name)
    if path.exists():
        return path
    base = _base(name)
    if base:
        build(base, progress=progress)
    with build_lock():
        if not path.exists():  # another process may have built it while this one waited
            _build(name, path, base, progress)
    return path


def _build(name: str, path: Path, base: str | None, progress: Progress) -> None:
    progress(f"Building image {reference(name)} (first time only)")
    start = time.monotonic()
    base_arg = [str(archive(base))] if base else []
    run(["bash", str(ENGINE_DIR / _script(base)), name, reference(name), str(path), *base_arg, str(REPO_ROOT)],
        timeout=1800, stream=True, fix="read the build output above; `make engine` retries")
    (path.parent / f"{name}.seconds").write_text(str(round(time.monotonic() - start)))
    for old in path.parent.glob(f"{name}-*.tar"):
        if old != path:
            old.unlink()  # an earlier recipe's archive


def _import(ref: str, path: Path, socket: Path, record: Path, progress: Progress) -> None:
    """Import one archive unless containerd holds the image from this very archive already."""
    done = json.loads(record.read_text()) if record.exists() else {}
    if ref in imported(socket) and done.get(ref) == path.name:
        return
    progress(f"Importing {ref} into containerd")
    run([str(cached_binary("ctr")), "--address", str(socket), "-n", "k8s.io", "images", "import", str(path)],
        timeout=600)
    done[ref] = path.name
    record.write_text(json.dumps(done, indent=2))


def import_all(socket: Path, record: Path, *, progress: Progress = print) -> None:
    """Import every built image containerd lacks, or holds from an older recipe.

    A tool image that is not built yet is left for `load`, which a lesson calls.

    Args:
        socket: containerd's socket.
        record: A JSON file, kept with containerd's data, of which archive each name came from.
        progress: Where progress lines go.
    """
    for name, ref in references().items():
        path = archive(name)
        if not path.exists() and _base(name):
            continue
        if not path.exists():
            raise EngineError(f"The image {ref} is not built.", fix="run `make engine`")
        _import(ref, path, socket, record, progress)
    removed = remove_untagged(socket)
    if removed:
        progress(f"Removed {removed} image(s) that earlier builds left without a name")


def load(name: str, socket: Path, record: Path, *, progress: Progress = print) -> None:
    """Build one image if needed (tool images: the first time a lesson asks), then import it."""
    _import(reference(name), build(name, progress=progress), socket, record, progress)


def course_names() -> list[str]:
    """The course images' names: those the engine's own build does not pack."""
    return [name for name in references() if name not in ENGINE_IMAGES]


def build_all(names: list[str] | None = None, *, progress: Progress = print) -> list[Path]:
    """Build `names`, by default every image the local engine needs (tool images too: CI keeps them cached)."""
    return [build(name, progress=progress) for name in names or references()]


def untagged(images: list[dict], containers: list[dict]) -> list[str]:
    """The IDs of images no name points to any more and no container uses (pure).

    Building ``churn-train:1`` again moves the name to the new image and leaves the old one
    behind, nameless: each such copy takes the size of a full image on disk, and the node's
    status lists only its 50 largest images, so leftovers push the course images off it.

    Args:
        images: ``crictl images -o json``'s ``images``.
        containers: ``crictl ps -a -o json``'s ``containers``.

    Examples:
        >>> untagged([{"id": "sha256:a", "repoTags": []}, {"id": "sha256:b", "repoTags": ["x:1"]},
        ...           {"id": "sha256:c", "repoTags": []}], [{"imageRef": "sha256:c"}])
        ['sha256:a']
    """
    used = {c.get("imageRef") or c.get("image", {}).get("image") for c in containers}
    return [image["id"] for image in images if not image.get("repoTags") and image["id"] not in used]


def remove_untagged(socket: Path) -> int:
    """Remove the images earlier builds of the same names left behind (see `untagged`); count them."""
    endpoint = f"unix://{socket}"
    crictl = [str(cached_binary("crictl")), f"--runtime-endpoint={endpoint}", f"--image-endpoint={endpoint}"]
    images = json.loads(run([*crictl, "images", "-o", "json"], timeout=120).stdout)["images"]
    containers = json.loads(run([*crictl, "ps", "-a", "-o", "json"], timeout=120).stdout)["containers"]
    stale = untagged(images, containers)
    if stale:
        # crictl gives each call 2 s by default; removing a replaced 1 GB tool image takes longer.
        run([*crictl, "--timeout=300s", "rmi", *stale], timeout=600)
    return len(stale)


def imported(socket: Path) -> set[str]:
    """Image references containerd already holds in its ``k8s.io`` namespace."""
    out = run([str(cached_binary("ctr")), "--address", str(socket), "-n", "k8s.io", "images", "ls", "-q"]).stdout
    return set(out.split())
