"""Kubeconfig files, the current context, and the context guard.

A learner's kubeconfig often points at a company cluster. Every helper that changes a
cluster calls `require_course_context` first, which refuses unless the current context is a
course cluster: `kind-kds`, `kds-local`, or a workshop context that kds registered.

This module is also the one place that reads and writes kubeconfig files. `kds up` (local
engine) and `kds workshop join` add a context with `add_to_kubeconfig`, `kds delete` takes it
out with `remove_from_kubeconfig`, and `kds workshop create` writes each learner's file with
`write_kubeconfig`. A write is atomic and leaves the file readable by its owner only (mode
0600); a file that is not valid YAML is refused with `KubeconfigInvalid` and left as it is.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client, config

from kdsutils._run import run
from kdsutils.cluster import CONTEXTS
from kdsutils.errors import ClusterNotReady, ContextRefused, KubeconfigInvalid

#: The contexts of the two local backends: kind (cluster `kds`) and the local engine.
COURSE_CONTEXTS = tuple(CONTEXTS.values())
_SECTIONS = ("clusters", "users", "contexts")

_clients: dict[tuple[str, tuple[tuple[str, int], ...]], client.ApiClient] = {}
_default_namespace: str | None = None


def _kubeconfig_files() -> list[Path]:
    """The files of ``$KUBECONFIG`` in order (empty entries skipped), else ``~/.kube/config``."""
    listed = [Path(p).expanduser() for p in os.environ.get("KUBECONFIG", "").split(os.pathsep) if p]
    return listed or [Path.home() / ".kube" / "config"]


def kubeconfig_paths() -> str:
    """Return the kubeconfig path list in use: the files of ``$KUBECONFIG``, or ``~/.kube/config``.

    Read on every call (not at import), so a changed ``KUBECONFIG`` takes effect at once.

    Examples:
        >>> kubeconfig_paths()  # doctest: +SKIP
        '/home/me/.kube/config'
    """
    return os.pathsep.join(str(path) for path in _kubeconfig_files())


def kubeconfig_path() -> Path:
    """Return the kubeconfig file kds writes: the first of ``$KUBECONFIG``, else ``~/.kube/config``.

    A current context written there wins over the other files, as `current_context` reads them.

    Examples:
        >>> kubeconfig_path()  # doctest: +SKIP
        PosixPath('/home/me/.kube/config')
    """
    return _kubeconfig_files()[0]


def read_kubeconfig(path: Path) -> dict[str, Any]:
    """Return the contents of a kubeconfig file, or an empty dict when it is missing or empty.

    Raises:
        KubeconfigInvalid: when the file is not valid YAML or not a mapping, naming the file.

    Examples:
        >>> read_kubeconfig(Path("/no/such/kubeconfig"))
        {}
    """
    if not path.is_file():
        return {}
    try:
        loaded = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        problem = f"is not valid YAML ({exc})"
    else:
        if loaded is None or isinstance(loaded, dict):
            return loaded or {}
        problem = f"holds a YAML {type(loaded).__name__}, not a mapping of clusters, users and contexts"
    raise KubeconfigInvalid(
        f"The kubeconfig {path} {problem}. kds left it as it is.",
        fix=f"repair {path}, or move it away (`mv {path} {path}.broken`) and try again",
    )


def merge_kubeconfig(existing: dict[str, Any] | None, ours: dict[str, Any]) -> dict[str, Any]:
    """Add (or replace) our clusters, users and contexts in a kubeconfig, keeping all others (pure).

    Entries are matched by name. The current context becomes ours, as ``kind create cluster``
    does.

    Args:
        existing: The kubeconfig as it is (None or empty when there is none yet).
        ours: A kubeconfig whose entries are to be added.

    Examples:
        >>> mine = {"contexts": [{"name": "prod", "context": {}}], "current-context": "prod"}
        >>> ours = {"contexts": [{"name": "kds-local", "context": {}}], "current-context": "kds-local"}
        >>> merged = merge_kubeconfig(mine, ours)
        >>> [c["name"] for c in merged["contexts"]], merged["current-context"]
        (['prod', 'kds-local'], 'kds-local')
    """
    merged = dict(existing or {"apiVersion": "v1", "kind": "Config"})
    for section in _SECTIONS:
        added = ours.get(section) or []
        names = {entry["name"] for entry in added}
        kept = [entry for entry in merged.get(section) or [] if entry.get("name") not in names]
        merged[section] = kept + added
    merged["current-context"] = ours["current-context"]
    return merged


def write_kubeconfig(path: Path, kubeconfig: dict[str, Any]) -> None:
    """Write a kubeconfig file atomically, readable by its owner only (mode 0600).

    The text goes to a temporary file beside `path`, which then replaces it in one step, so a
    reader sees the old file or the new one, never half of one. A symbolic link is followed:
    the file it points to is replaced.

    Args:
        path: The file to write; its folder is created when missing.
        kubeconfig: The whole configuration.

    Examples:
        >>> write_kubeconfig(Path("learner-ada.kubeconfig"), {"apiVersion": "v1"})  # doctest: +SKIP
    """
    target = path.resolve()
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".kds-tmp")  # mode 0600
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(yaml.safe_dump(kubeconfig, sort_keys=False))
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


def add_to_kubeconfig(ours: dict[str, Any]) -> Path:
    """Merge `ours` into the user's kubeconfig (`kubeconfig_path`) and make its context current.

    Args:
        ours: A kubeconfig with the clusters, users and contexts to add (same names replace).

    Returns:
        The file written.

    Raises:
        KubeconfigInvalid: when the user's kubeconfig is not valid YAML (it is left untouched).

    Examples:
        >>> add_to_kubeconfig(learner_config)  # doctest: +SKIP
        PosixPath('/home/me/.kube/config')
    """
    path = kubeconfig_path()
    write_kubeconfig(path, merge_kubeconfig(read_kubeconfig(path), ours))
    return path


def remove_from_kubeconfig(context_name: str) -> None:
    """Take a context, and the cluster and user only it names, out of the user's kubeconfig.

    When it was the current context, no context is current afterwards. A kubeconfig without
    that context is not rewritten.

    Raises:
        KubeconfigInvalid: when the user's kubeconfig is not valid YAML (it is left untouched).

    Examples:
        >>> remove_from_kubeconfig("kds-local")  # doctest: +SKIP
    """
    path = kubeconfig_path()
    existing = read_kubeconfig(path)
    contexts = existing.get("contexts") or []
    removed = [entry for entry in contexts if entry.get("name") == context_name]
    if not removed:
        return
    kept = [entry for entry in contexts if entry.get("name") != context_name]
    result = {**existing, "contexts": kept}
    for section, key in (("clusters", "cluster"), ("users", "user")):
        still_used = {(entry.get("context") or {}).get(key) for entry in kept}
        unused = {(entry.get("context") or {}).get(key) for entry in removed} - still_used
        result[section] = [entry for entry in existing.get(section) or [] if entry.get("name") not in unused]
    if result.get("current-context") == context_name:
        result["current-context"] = ""
    write_kubeconfig(path, result)


def kubectl_json(args: list[str]) -> Any:
    """Run a read-only ``kubectl ... -o json``; return its parsed answer, or None when kubectl fails.

    Args:
        args: kubectl's arguments without ``-o json``.

    Examples:
        >>> kubectl_json(["--context", "kds-local", "get", "nodes"])["items"][0]["metadata"]["name"]  # doctest: +SKIP
        'kds-control-plane'
    """
    proc = run(["kubectl", *args, "-o", "json"], check=False, timeout=30)
    return json.loads(proc.stdout) if proc.returncode == 0 else None


def _kubeconfigs() -> list[dict[str, Any]]:
    found = [read_kubeconfig(path) for path in _kubeconfig_files() if path.is_file()]
    if not found:
        raise ClusterNotReady(
            f"There is no kubeconfig at {kubeconfig_paths()}.",
            fix="run `kds up`: it starts the course cluster and writes its kubeconfig",
        )
    return found


def current_context() -> str:
    """Return the name of the context kubectl uses now.

    As kubectl does, the first file in ``$KUBECONFIG`` that sets a current context wins.

    Raises:
        ClusterNotReady: when there is no kubeconfig (no cluster was ever started).
        ContextRefused: when the kubeconfig sets no current context.

    Examples:
        >>> current_context()  # doctest: +SKIP
        'kds-local'
    """
    for kubeconfig in _kubeconfigs():
        if kubeconfig.get("current-context"):
            return kubeconfig["current-context"]
    raise ContextRefused(
        f"The kubeconfig ({kubeconfig_paths()}) sets no current context.",
        fix="choose the course cluster: `kubectl config use-context kds-local` (or `kind-kds` with kind)",
    )


def workshop_contexts_file() -> Path:
    """Return the file that lists registered workshop contexts, one name per line.

    It is ``~/.kds/workshop-contexts`` unless ``$KDS_WORKSHOP_CONTEXTS`` names another file.

    Examples:
        >>> workshop_contexts_file()  # doctest: +SKIP
        PosixPath('/home/me/.kds/workshop-contexts')
    """
    override = os.environ.get("KDS_WORKSHOP_CONTEXTS")
    return Path(override) if override else Path.home() / ".kds" / "workshop-contexts"


def workshop_contexts() -> list[str]:
    """Return the workshop contexts kds registered (empty when there are none).

    Examples:
        >>> workshop_contexts()  # doctest: +SKIP
        ['workshop-ada']
    """
    path = workshop_contexts_file()
    if not path.is_file():
        return []
    return [line.strip() for line in path.read_text().splitlines() if line.strip()]


def register_workshop_context(name: str) -> None:
    """Allow the helpers to change the cluster behind context `name` (a workshop cluster).

    Adding a name twice is harmless.

    Args:
        name: The kubeconfig context, as `kubectl config get-contexts` lists it.

    Examples:
        >>> register_workshop_context("workshop-ada")  # doctest: +SKIP
    """
    if name in workshop_contexts():
        return
    path = workshop_contexts_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        handle.write(f"{name}\n")


def require_course_context(*, allow_any: bool = False) -> str:
    """Return the current context if it is a course cluster; refuse otherwise.

    Args:
        allow_any: Skip the check and accept any context. Only for deliberate use against a
            cluster you own.

    Returns:
        The name of the current context.

    Raises:
        ContextRefused: naming the context seen, the allowed ones and how to switch.

    Examples:
        >>> require_course_context()  # doctest: +SKIP
        'kds-local'
    """
    seen = current_context()
    allowed = [*COURSE_CONTEXTS, *workshop_contexts()]
    if allow_any or seen in allowed:
        return seen
    raise ContextRefused(
        f"Refusing to change the cluster of context '{seen}': it is not a course cluster. "
        f"Allowed contexts: {', '.join(allowed)}.",
        fix="switch to the course cluster with `kubectl config use-context kds-local` "
        "(or `kubectl config use-context kind-kds` with kind); pass allow_any=True only "
        "for a cluster you own",
    )


def _kubeconfig_signature() -> tuple[tuple[str, int], ...]:
    return tuple((str(f), f.stat().st_mtime_ns) for f in _kubeconfig_files() if f.is_file())


def api_client() -> client.ApiClient:
    """Return an API client for the current context, cached per context.

    A changed kubeconfig file (for example after `kds up` wrote new certificates) gives a
    fresh client.

    Examples:
        >>> from kubernetes import client
        >>> client.CoreV1Api(api_client()).list_node()  # doctest: +SKIP
    """
    paths = kubeconfig_paths()
    context = current_context()
    key = (context, _kubeconfig_signature())
    if key not in _clients:
        _clients[key] = config.new_client_from_config(
            config_file=paths, context=context, persist_config=False
        )
    return _clients[key]


def set_default_namespace(namespace: str | None) -> None:
    """Make `namespace` the one helpers use when `namespace=` is omitted (None: no default).

    `kdsutils.lesson` calls it with the lesson's namespace.

    Examples:
        >>> set_default_namespace("lesson-pods")  # doctest: +SKIP
    """
    global _default_namespace
    _default_namespace = namespace


def default_namespace() -> str | None:
    """Return the namespace set by `set_default_namespace`, or None.

    Examples:
        >>> default_namespace()  # doctest: +SKIP
        'lesson-pods'
    """
    return _default_namespace


def effective_namespace(namespace: str | None = None) -> str:
    """Return the namespace a helper acts in.

    The first that is set: `namespace`, the default set by `lesson`, the current context's
    namespace, ``default``.

    Examples:
        >>> effective_namespace("lesson-pods")
        'lesson-pods'
    """
    return namespace or _default_namespace or context_namespace() or "default"


def context_namespace() -> str | None:
    """Return the namespace the current context names in the kubeconfig, or None.

    Examples:
        >>> context_namespace()  # doctest: +SKIP
        'learner-ada'
    """
    context = current_context()
    for kubeconfig in _kubeconfigs():
        for entry in kubeconfig.get("contexts") or []:
            if entry.get("name") == context:
                return (entry.get("context") or {}).get("namespace") or None
    return None


def workshop_namespace() -> str | None:
    """Return the learner's own namespace when the current context is a workshop context.

    On a shared workshop cluster a learner may not create namespaces; the one the instructor
    made for them (``learner-<name>``, named in their kubeconfig) is where every lesson runs.

    Returns:
        The namespace, or None on a course cluster of one's own (kind or the local engine).

    Raises:
        ContextRefused: when a workshop context names no namespace.

    Examples:
        >>> workshop_namespace()  # doctest: +SKIP
        'learner-ada'
    """
    context = current_context()
    if context not in workshop_contexts():
        return None
    namespace = context_namespace()
    if namespace is None:
        raise ContextRefused(
            f"The workshop context '{context}' names no namespace to work in.",
            fix="ask the instructor for your learner kubeconfig (`kds workshop create` writes one) "
            "and run `kds workshop join <file>`",
        )
    return namespace
