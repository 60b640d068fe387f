"""`kds build`: your own code in an image the course cluster can run, on either backend.

A learner's folder holds their code and a Dockerfile ``FROM`` a course image. On kind the
image is built and loaded exactly as a learner would do it by hand::

    docker build --tag kds.invalid/churn-train:1 churn-train
    kind load docker-image kds.invalid/churn-train:1 --name kds

The local engine has no Docker: the same Dockerfile is built by buildah (from Debian, no
daemon) with the course images as its bases, and the result is imported into containerd,
which is what ``kind load`` does inside kind's node. `plan` returns the exact commands for
either backend (pure, unit-tested); `build` runs them.
"""

from __future__ import annotations

import json
import re
import shlex
import tempfile
from collections.abc import Sequence
from pathlib import Path

from kdsutils._run import run
from kdsutils.cluster import CONTEXTS, NODE, Progress, kind
from kdsutils.cluster.kind import CLUSTER
from kdsutils.errors import CommandError, KdsError
from kdsutils.images import course_image, course_images, dockerfile_bases
from kdsutils.kube import require_course_context, workshop_contexts
from kdsutils.versions import build_lock, cache_dir, cached_binary

_PATH = r"[a-z0-9]+(?:[._-][a-z0-9]+)*"
_REF = re.compile(rf"(?:[a-z0-9.-]+(?::\d+)?/)?{_PATH}(?:/{_PATH})*:\w[\w.-]{{0,127}}")


class BuildError(KdsError):
    """An image could not be built: the message names the step, the fix what to change."""


def check_reference(ref: str) -> str:
    """Accept an image name with an explicit tag that is not ``latest``; refuse others with the reason.

    Examples:
        >>> check_reference("kds.invalid/churn-train:1")
        'kds.invalid/churn-train:1'
    """
    name, _, tag = ref.rpartition(":")
    if not name or "/" in tag:
        raise BuildError(
            f"{ref!r} has no tag.",
            fix=f"add a version after a colon, e.g. {ref}:1, and a new one for each change of your code",
        )
    if tag == "latest":
        raise BuildError(
            f"{ref!r} uses the tag 'latest'.",
            fix=f"use a version such as {name}:1. With 'latest' Kubernetes downloads the image again each "
            "time a Pod starts (there is nothing to download here, so the Pod fails), and you cannot tell "
            "which build a Pod runs or roll back to the previous one",
        )
    if not _REF.fullmatch(ref):
        raise BuildError(
            f"{ref!r} is not a valid image name.",
            fix="use lowercase letters, digits, '.', '-' and '/', then ':' and the version, "
            "e.g. kds.invalid/churn-train:1",
        )
    return ref


def _dockerfile(context: Path) -> Path:
    if not context.is_dir():
        raise BuildError(f"There is no folder {context}.", fix="pass the folder that holds your Dockerfile and code")
    dockerfile = context / "Dockerfile"
    if not dockerfile.is_file():
        raise BuildError(
            f"{context} has no Dockerfile.",
            fix=f"write {dockerfile}: it starts with `FROM {course_images()[-1].ref}` and copies your code in",
        )
    return dockerfile


def storage_driver(path: Path, *, filesystems: str | None = None, mounts: str | None = None) -> str:
    r"""Return buildah's storage driver for a store at `path` (pure when both texts are given).

    ``overlay`` where the kernel has it and `path` is not itself on overlayfs: a build then adds
    only its own files. Otherwise ``vfs``, which copies the whole base image for every build
    (about 40 s for the course image on 2 cores).

    Args:
        path: The store's folder.
        filesystems: The text of ``/proc/filesystems`` (read when None).
        mounts: The text of ``/proc/self/mounts`` (read when None).

    Examples:
        >>> storage_driver(Path("/root/.cache/kds"), filesystems="nodev\toverlay\n", mounts="/dev/vda / ext4 rw 0 0\n")
        'overlay'
        >>> storage_driver(Path("/root/.cache"), filesystems="nodev\toverlay\n", mounts="overlay / overlay rw 0 0\n")
        'vfs'
    """
    filesystems = Path("/proc/filesystems").read_text() if filesystems is None else filesystems
    mounts = Path("/proc/self/mounts").read_text() if mounts is None else mounts
    if "overlay" not in filesystems.split():
        return "vfs"
    found = [(point, kind) for _, point, kind, *_ in (line.split() for line in mounts.splitlines() if line)
             if path.as_posix() == point or path.as_posix().startswith(point.rstrip("/") + "/")]  # fmt: skip
    kind = max(found, key=lambda pair: len(pair[0]))[1] if found else ""
    return "vfs" if kind == "overlay" else "overlay"


def _buildah(store: Path, driver: str) -> list[str]:
    return ["buildah", "--root", str(store / "root"), "--runroot", str(store / "run"), "--storage-driver", driver]


def plan(
    context: Path, ref: str, backend: str, *, engine: str = "docker", store: Path | None = None,
    driver: str = "vfs", bases: Sequence[Path] = (), archive: Path | None = None, socket: Path | None = None,
) -> list[list[str]]:  # fmt: skip
    """Return the commands that build `context` as `ref` and put it in the cluster (pure).

    Args:
        context: The folder with the Dockerfile.
        ref: The image name with its tag.
        backend: "kind" or "local".
        engine: kind only: "docker" or "podman".
        store: local only: buildah's storage folder.
        driver: local only: its storage driver (`storage_driver`).
        bases: local only: course image archives buildah does not hold yet.
        archive: local only: where the built image is saved for containerd.
        socket: local only: containerd's socket.

    Examples:
        >>> plan(Path("churn-train"), "kds.invalid/churn-train:1", "kind")
        [['docker', 'build', '--tag', 'kds.invalid/churn-train:1', 'churn-train'], \
['kind', 'load', 'docker-image', 'kds.invalid/churn-train:1', '--name', 'kds']]
    """
    if backend == "kind":
        commands = [[engine, "build", "--tag", ref, str(context)]]
        if engine == "podman":
            saved = str(cache_dir() / "images" / f"{ref.replace('/', '_').replace(':', '-')}.tar")
            return [*commands, ["podman", "save", "--format", "docker-archive", "--output", saved, ref],
                    ["kind", "load", "image-archive", saved, "--name", CLUSTER]]
        return [*commands, ["kind", "load", "docker-image", ref, "--name", CLUSTER]]
    buildah = _buildah(store, driver)
    return [
        *([*buildah, "pull", "--quiet", f"docker-archive:{base}"] for base in bases),
        [*buildah, "bud", "--pull=never", "--isolation", "chroot", "--quiet", "--tag", ref, str(context)],
        [*buildah, "push", "--quiet", ref, f"docker-archive:{archive}:{ref}"],
        [str(cached_binary("ctr")), "--address", str(socket), "-n", "k8s.io", "images", "import", str(archive)],
        # The node holds the image now; buildah's copy (a full file tree per image with the vfs driver,
        # hundreds of MB) goes, and so do earlier builds of the same name. The course bases stay.
        [*buildah, "rmi", "--force", ref],
        [*buildah, "rmi", "--prune"],
    ]


def _backend_of(context_name: str) -> str:
    for backend, name in CONTEXTS.items():
        if name == context_name:
            return backend
    raise BuildError(
        f"`kds build` loads images into a course cluster of your own; the current context is {context_name}.",
        fix="on a shared workshop cluster, push the image to the registry your instructor names "
        "(`docker push`), or switch to your own course cluster with `kubectl config use-context`",
    )


def _local_steps(context: Path, ref: str, work: Path) -> tuple[list[list[str]], Path, dict[str, str]]:
    """The local engine's commands, the record of buildah's course bases, and that record once they run.

    A base is pulled into buildah when it is missing or came from an older build of the course
    image (the record names the archive each one came from), so your image never starts from a
    stale copy.
    """
    from kdsutils.cluster import local
    from kdsutils.cluster.local import images as engine_images

    # One store per driver: a store made with one cannot be opened with the other.
    driver = storage_driver(cache_dir())
    store = cache_dir() / ("buildah" if driver == "vfs" else f"buildah-{driver}")
    record = store / "bases.json"
    pulled = json.loads(record.read_text()) if record.is_file() else {}
    held = run([*_buildah(store, driver), "images", "--format", "{{.Name}}:{{.Tag}}"], check=False,
               timeout=120).stdout.split()  # fmt: skip
    # Only the course images this Dockerfile starts FROM (a tool image's archive is large).
    wanted = set(dockerfile_bases(_dockerfile(context).read_text()))
    archives = {image.ref: engine_images.build(image.name) for image in course_images() if image.ref in wanted}
    bases = [path for ref, path in archives.items() if ref not in held or pulled.get(ref) != path.name]
    steps = plan(context, ref, "local", store=store, driver=driver, bases=bases, archive=work / "image.tar",
                 socket=local.containerd_socket())
    return steps, record, {**pulled, **{ref: path.name for ref, path in archives.items()}}


def _remove_replaced() -> None:
    """Local engine: drop the image a rebuilt name pointed to before (kind's node keeps it)."""
    from kdsutils.cluster import local
    from kdsutils.cluster.local import images as engine_images

    engine_images.remove_untagged(local.containerd_socket())


def build(path: str | Path, *, tag: str, progress: Progress = print) -> str:
    """Build your folder into an image and load it into the course cluster.

    Prints the commands a learner with Docker and kind types (on the local engine, which has
    no Docker, the same steps run with buildah and containerd's ``ctr``). Run it again after
    each change of your code, with a new tag.

    Args:
        path: The folder holding your Dockerfile and code.
        tag: The image name and version, e.g. ``kds.invalid/churn-train:1`` (not ``latest``).
        progress: Where the commands are printed.

    Returns:
        The image name, ready for a Pod's or Job's ``image:``.

    Raises:
        BuildError: no folder or Dockerfile, a base image that is not a course image (local
            engine), or a failed step (its output is shown).
        ContextRefused: when the current context is not a course cluster.

    Examples:
        >>> build("churn-train", tag="kds.invalid/churn-train:1")  # doctest: +SKIP
        $ docker build --tag kds.invalid/churn-train:1 churn-train
        $ kind load docker-image kds.invalid/churn-train:1 --name kds
        'kds.invalid/churn-train:1'
    """
    context, ref = Path(path), check_reference(tag)
    dockerfile = _dockerfile(context)
    backend = _backend_of(require_course_context())
    known = {image.ref for image in course_images()}
    if backend == "local":
        unknown = [base for base in dockerfile_bases(dockerfile.read_text()) if base not in known]
        if unknown:
            raise BuildError(
                f"{dockerfile} starts FROM {', '.join(unknown)}, which is not a course image; the local engine "
                "builds offline and has only the course images to start from.",
                fix=f"start with one of: {', '.join(sorted(known))}",
            )
    for command in plan(context, ref, "kind"):
        progress(f"$ {shlex.join(command)}")
    # One build at a time: builds share buildah's store, and each one prunes it at the end.
    with build_lock(), tempfile.TemporaryDirectory(dir=cache_dir()) as tmp:
        record, pulled = None, {}
        if backend == "local":
            steps, record, pulled = _local_steps(context, ref, Path(tmp))
        else:
            steps = plan(context, ref, "kind")
        for command in steps:
            try:
                run(command, timeout=1800)
            except CommandError as exc:
                raise BuildError(
                    f"Building {ref} failed at `{' '.join(command[-3:])}`:\n{exc.stderr.strip()[-2000:]}",
                    fix="read the error above: a failing RUN line shows its own output; fix the Dockerfile or "
                    "your code, then build again",
                ) from None
        if record is not None:
            record.write_text(json.dumps(pulled, indent=2))
            _remove_replaced()
    progress(f"{ref} is in the cluster (node {NODE}): use it as a container's image")
    return ref


def load_image(name: str, *, progress: Progress = print) -> str:
    """Put a course tool image (``"mlflow"``) into the course cluster, building it the first time.

    `kds up` loads the base images (python-ds, busybox); a tool image waits until a lesson
    needs it, so nobody builds what they do not use yet. The first call builds it (a few
    minutes, with its progress shown: ``docker build`` + ``kind load`` on kind, buildah and
    containerd on the local engine); later calls find it there and return at once.

    Args:
        name: The image's folder under ``images/``.
        progress: Where build steps are printed.

    Returns:
        The image name for a chart's ``image.repository`` and ``image.tag``.

    Raises:
        KdsError: no such course image (the names there are listed).
        ContextRefused: when the current context is not a course cluster.
        BuildError: on a workshop's shared cluster, when the instructor has not loaded the image.

    On a workshop's shared cluster a learner may not load images: the call only checks that
    the node has it (`kds workshop create --image NAME` loads it).

    Examples:
        >>> load_image("mlflow")  # doctest: +SKIP
        kds.invalid/mlflow:3.17.2 is in the cluster (node kds-control-plane)
        'kds.invalid/mlflow:3.17.2'
    """
    image = course_image(name)
    context = require_course_context()
    if context in workshop_contexts():  # a learner of a shared cluster: the instructor loads images
        names = run(["kubectl", "get", "node", "-o", "jsonpath={.items[*].status.images[*].names}"],
                    timeout=60).stdout  # fmt: skip
        if f'"{image.ref}"' not in names:
            raise BuildError(
                f"{image.ref} is not on the shared cluster, and a learner may not load images into it.",
                fix=f"ask your instructor to load it: `kds workshop create ... --image {name}` on their admin context",
            )
        print(f"{image.ref} is on the shared cluster (loaded by your instructor)")
        return image.ref
    backend = _backend_of(context)
    if backend == "local":
        from kdsutils.cluster import local

        local.load_image(name, progress=progress)
    else:
        kind.load_image(name, progress=progress)
    print(f"{image.ref} is in the cluster (node {NODE})")
    return image.ref
