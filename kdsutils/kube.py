"""Kubeconfig loading, the current context, and the context guard.

A learner's kubeconfig often points at a company cluster. Every helper that changes a
cluster calls `require_course_context` first, which refuses unless the current context is a
course cluster: `kind-kds`, `kds-local`, or a workshop context that kds registered.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import yaml
from kubernetes import client, config

from kdsutils.errors import ClusterNotReady, ContextRefused

#: The contexts of the two local backends: kind (cluster `kds`) and the local engine.
COURSE_CONTEXTS = ("kind-kds", "kds-local")

_clients: dict[tuple[str, tuple[tuple[str, int], ...]], client.ApiClient] = {}
_default_namespace: str | None = None


def kubeconfig_paths() -> str:
    """Return the kubeconfig path list in use: ``$KUBECONFIG`` or ``~/.kube/config``.

    Read on every call (not at import), so a changed ``KUBECONFIG`` takes effect at once.

    Examples:
        >>> kubeconfig_paths()  # doctest: +SKIP
        '~/.kube/config'
    """
    return os.environ.get("KUBECONFIG") or "~/.kube/config"


def _kubeconfigs() -> list[dict[str, Any]]:
    files = [Path(p).expanduser() for p in kubeconfig_paths().split(os.pathsep) if p]
    try:
        found = [yaml.safe_load(f.read_text()) or {} for f in files if f.is_file()]
    except yaml.YAMLError as exc:
        raise ClusterNotReady(
            f"The kubeconfig ({kubeconfig_paths()}) is not valid YAML: {exc}",
            fix="repair it, or move it away and run `kds up`, which writes a fresh one",
        ) from None
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


def _kubeconfig_signature(paths: str) -> tuple[tuple[str, int], ...]:
    files = [Path(p).expanduser() for p in paths.split(os.pathsep) if p]
    return tuple((str(f), f.stat().st_mtime_ns) for f in files if f.is_file())


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
    key = (context, _kubeconfig_signature(paths))
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
            fix="ask the instructor for your learner kubeconfig (`kds workshop add-learner` writes one) "
            "and run `kds workshop join <file>`",
        )
    return namespace
