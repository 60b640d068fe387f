"""The course's container images: one catalogue, read from ``images/*/``.

Each folder under ``images/`` holds a ``Dockerfile`` and a ``TAG`` file; together they are
one course image. Both backends load exactly this list (kind with ``docker build`` and
``kind load``, the local engine with its Docker-free recipe), manifests and lessons name
images through it, `diagnose` recognises them by `REGISTRY`, and the offline bundle packs
them. Add a folder and every one of those picks it up.

Two kinds: base images (python-ds, busybox), which `kds up` puts into every cluster, and tool
images (mlflow), whose Dockerfile starts FROM a base image. A tool image is built the first
time a lesson loads it (`kdsutils.builder.load_image`), so nobody waits at `kds up` for a
tool a lesson has not reached yet.

Names are fully qualified and never ``latest``. Their registry, ``kds.invalid``, is a name
that cannot exist (RFC 6761 reserves ``.invalid``): a course image is only ever loaded, and a
typo in its name fails the same way on every machine, online or offline (the pull cannot
resolve the host), instead of reaching a public registry namespace the course does not own.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kdsutils.errors import KdsError

#: The repository kdsutils is installed from (an editable install: the course checkout).
REPO_ROOT = Path(__file__).resolve().parent.parent
IMAGES_DIR = REPO_ROOT / "images"
#: The registry part of every course image name (the local engine's own images use it too).
#: Reserved as never resolvable, so nothing is ever pulled from it.
REGISTRY = "kds.invalid"


@dataclass(frozen=True)
class CourseImage:
    """One course image recipe: ``images/<name>/Dockerfile`` plus its ``TAG`` file.

    Attributes:
        name: The folder name, e.g. "python-ds".
        tag: The contents of ``TAG``, e.g. "2026.12".
        context: The build folder (holds the Dockerfile).
    """

    name: str
    tag: str
    context: Path
    base: str | None = None

    @property
    def ref(self) -> str:
        """The fully qualified image name, e.g. ``kds.invalid/python-ds:2026.12``."""
        return f"{REGISTRY}/{self.name}:{self.tag}"

    @property
    def on_demand(self) -> bool:
        """A tool image (built FROM another course image) is built when a lesson first loads it."""
        return self.base is not None


def dockerfile_bases(text: str) -> list[str]:
    """The images a Dockerfile starts ``FROM`` (build stages it names itself are left out; pure).

    Examples:
        >>> text = '''FROM kds.invalid/python-ds:2026.12 AS base
        ... FROM base
        ... RUN true'''
        >>> dockerfile_bases(text)
        ['kds.invalid/python-ds:2026.12']
    """
    bases, stages = [], set()
    for line in text.splitlines():
        words = line.split()
        if len(words) < 2 or words[0].upper() != "FROM":
            continue
        image = next((w for w in words[1:] if not w.startswith("--")), "")
        if image and image not in stages:
            bases.append(image)
        if len(words) >= 4 and words[-2].upper() == "AS":
            stages.add(words[-1])
    return bases


def course_base(dockerfile: Path) -> str | None:
    """The name of the course image a Dockerfile starts FROM, or None (pure but for the read).

    Examples:
        >>> course_base(IMAGES_DIR / "mlflow" / "Dockerfile")  # doctest: +SKIP
        'python-ds'
    """
    for base in dockerfile_bases(dockerfile.read_text()):
        if base.startswith(f"{REGISTRY}/"):
            return base.split("/", 1)[1].split(":", 1)[0]
    return None


def read_tag(folder: Path) -> str:
    """Return the tag in ``folder/TAG``; refuse a missing, empty, ``latest`` or spaced one.

    Raises:
        KdsError: naming the file and what to write into it.

    Examples:
        >>> read_tag(IMAGES_DIR / "busybox")  # doctest: +SKIP
        '1.35'
    """
    tag_file = folder / "TAG"
    tag = tag_file.read_text().strip() if tag_file.is_file() else ""
    if not tag or tag == "latest" or any(c.isspace() for c in tag):
        raise KdsError(
            f"{folder} has a Dockerfile but no usable TAG file (found {tag!r}).",
            fix=f"write the image's version, one word and not 'latest', into {tag_file}",
        )
    return tag


def course_images(root: Path | None = None) -> list[CourseImage]:
    """List the course images under ``<root>/images``, sorted by name.

    Args:
        root: The repository (default: the one kdsutils is installed from).

    Raises:
        KdsError: when an image folder has a Dockerfile but no usable TAG file.

    Examples:
        >>> [image.ref for image in course_images()]  # doctest: +SKIP
        ['kds.invalid/busybox:1.35', 'kds.invalid/python-ds:2026.12']
    """
    folder = (root or REPO_ROOT) / "images"
    return [
        CourseImage(name=d.parent.name, tag=read_tag(d.parent), context=d.parent, base=course_base(d))
        for d in sorted(folder.glob("*/Dockerfile"))
    ]


def course_image(name: str) -> CourseImage:
    """Return the course image called `name` (its folder under ``images/``).

    Raises:
        KdsError: when there is no such image, with the names there are.

    Examples:
        >>> course_image("python-ds").ref  # doctest: +SKIP
        'kds.invalid/python-ds:2026.12'
    """
    images = {image.name: image for image in course_images()}
    if name not in images:
        raise KdsError(
            f"There is no course image {name!r}.",
            fix=f"use one of: {', '.join(images)} (each is a folder under {IMAGES_DIR})",
        )
    return images[name]


def reference(name: str) -> str:
    """The fully qualified name of the course image `name`, e.g. ``kds.invalid/python-ds:2026.12``.

    Examples:
        >>> reference("python-ds")  # doctest: +SKIP
        'kds.invalid/python-ds:2026.12'
    """
    return course_image(name).ref
