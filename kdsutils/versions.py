"""Pinned versions (from engine/versions.env) and where their builds are cached."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from functools import cache
from pathlib import Path

ENGINE_DIR = Path(__file__).parent / "cluster" / "local" / "engine"

# Which component's build folder holds each program.
BINARIES = {
    "kube-apiserver": "kubernetes",
    "kube-controller-manager": "kubernetes",
    "kube-scheduler": "kubernetes",
    "kube-proxy": "kubernetes",
    "kubelet": "kubernetes",
    "etcd": "etcd",
    "containerd": "containerd",
    "containerd-shim-runc-v2": "containerd",
    "ctr": "containerd",
    "coredns": "coredns",
    "pause": "pause",
    "local-path-provisioner": "local-path-provisioner",
    "helm": "helm",
    "kwok": "kwok",
    "kwokctl": "kwok",
    "crictl": "cri-tools",
    "runc": "runc",
}


@cache
def versions() -> dict[str, str]:
    """Return the pinned versions, e.g. ``{"kubernetes": "v1.36.4", ...}``."""
    pinned = {}
    for line in (ENGINE_DIR / "versions.env").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, value = line.split("=", 1)
            pinned[key.removesuffix("_VERSION").lower().replace("_", "-")] = value.strip()
    return pinned


def cache_dir() -> Path:
    """The build cache, outside the repository: ``$KDS_CACHE`` or ``~/.cache/kds``."""
    if "KDS_CACHE" in os.environ:
        return Path(os.environ["KDS_CACHE"])
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "kds"


@contextlib.contextmanager
def build_lock() -> Iterator[None]:
    """Hold the cache's build lock while the block runs; another image build waits for it.

    Image builds share buildah's store and the cache's archives (and prune what they leave).
    """
    cache_dir().mkdir(parents=True, exist_ok=True)
    with open(cache_dir() / "build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def component_dir(component: str) -> Path:
    """The folder a finished build of one component lives in."""
    return cache_dir() / "bin" / f"{component}-{versions()[component]}"


def cached_binary(name: str) -> Path | None:
    """The path of a built program, or None when it is not built (yet)."""
    component = BINARIES.get(name)
    if component is None:
        return None
    folder = component_dir(component)
    return folder / name if (folder / ".done").exists() else None


def build_report() -> dict:
    """Build seconds per component and image (as recorded when built) and the cache's size."""
    built = {}
    for folder in sorted((cache_dir() / "bin").glob("*")):
        seconds = folder / ".seconds"
        if seconds.exists():
            built[folder.name] = int(seconds.read_text())
    for seconds in sorted((cache_dir() / "images").glob("*.seconds")):
        built[f"image {seconds.stem}"] = int(seconds.read_text())
    size = sum(f.stat().st_size for f in cache_dir().rglob("*") if f.is_file() and not f.is_symlink())
    return {"component_build_seconds": built, "total_build_seconds": sum(built.values()),
            "cache_size_mib": round(size / 2**20)}
