"""Workshops on a shared cluster: a namespace, an account and a kubeconfig for each learner.

The instructor runs `add_learner` (``kds workshop add-learner NAME``) once per learner with an
admin context of the shared cluster. It creates the namespace ``learner-<name>`` with a
ServiceAccount allowed to edit it, a quota and default requests, and writes a kubeconfig
whose context ``workshop-<name>`` uses a token of that account. The learner runs `join`
(``kds workshop join FILE``) on their laptop: the context is added to their kubeconfig,
selected, and registered, so the kds helpers accept it and every lesson runs in that one
namespace.

The manifests and the kubeconfig are built by pure functions, unit-tested without a cluster.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from kdsutils import kube
from kdsutils._run import run
from kdsutils.cluster import Progress
from kdsutils.errors import KdsError

LEARNER_PREFIX = "learner-"
LEARNER_ACCOUNT = "learner"
WORKSHOP_CONTEXT_PREFIX = "workshop-"


def learner_namespace(name: str) -> str:
    """Return the namespace of a workshop learner, checking the name.

    Raises:
        KdsError: when the name is not a lowercase DNS label short enough for a namespace.

    Examples:
        >>> learner_namespace("ada")
        'learner-ada'
    """
    if not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) or len(LEARNER_PREFIX + name) > 63:
        raise KdsError(
            f"{name!r} cannot name a learner: it becomes part of a namespace name.",
            fix="use lowercase letters, digits and '-', at most 55 characters (e.g. `ada-l`)",
        )
    return LEARNER_PREFIX + name


def learner_manifests(name: str, *, cpu: str = "2", memory: str = "4Gi") -> list[dict]:
    """Build what one workshop learner gets (pure).

    A namespace ``learner-<name>``; a ServiceAccount ``learner`` in it; a RoleBinding to the
    built-in ``edit`` ClusterRole, limited to that namespace; a ResourceQuota (CPU and
    memory requests, pods, claims, storage; no LoadBalancers); and a LimitRange giving
    containers default requests, so pods without `resources` still fit the quota.

    Args:
        name: The learner's name (a DNS label).
        cpu: Total CPU requests allowed in the namespace.
        memory: Total memory requests allowed in the namespace.

    Examples:
        >>> [m["kind"] for m in learner_manifests("ada")]
        ['Namespace', 'ServiceAccount', 'RoleBinding', 'ResourceQuota', 'LimitRange']
    """
    namespace = learner_namespace(name)
    labels = {"kds.course/learner": name}
    meta = {"namespace": namespace, "labels": labels}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": labels}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": LEARNER_ACCOUNT, **meta}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "learner-edit", **meta},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            "subjects": [{"kind": "ServiceAccount", "name": LEARNER_ACCOUNT, "namespace": namespace}],
        },
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "learner-quota", **meta},
            "spec": {
                "hard": {
                    "requests.cpu": cpu,
                    "requests.memory": memory,
                    "pods": "30",
                    "persistentvolumeclaims": "5",
                    "requests.storage": "10Gi",
                    "services.loadbalancers": "0",
                }
            },
        },
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "learner-defaults", **meta},
            "spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "100m", "memory": "128Mi"}}]},
        },
    ]


def learner_kubeconfig(name: str, *, server: str, ca_data: str | None, token: str, cluster: str) -> dict:
    """Build the kubeconfig a learner uses: their token, their namespace, context ``workshop-<name>`` (pure).

    Args:
        name: The learner's name.
        server: The API server URL, as the instructor's context has it.
        ca_data: The cluster CA, base64 (None when the server's certificate is publicly trusted).
        token: A ServiceAccount token from the TokenRequest API.
        cluster: A name for the cluster entry.

    Examples:
        >>> learner_kubeconfig("ada", server="https://k8s.example:6443", ca_data=None, token="t",
        ...                    cluster="workshop")["contexts"][0]["context"]
        {'cluster': 'workshop', 'user': 'learner-ada', 'namespace': 'learner-ada'}
    """
    namespace = learner_namespace(name)
    context = WORKSHOP_CONTEXT_PREFIX + name
    entry: dict[str, Any] = {"server": server}
    if ca_data:
        entry["certificate-authority-data"] = ca_data
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": entry}],
        "users": [{"name": namespace, "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": cluster, "user": namespace, "namespace": namespace}}],
        "current-context": context,
    }


def _cluster_of(context: str) -> tuple[str, str, str | None]:
    """Return (cluster name, server, CA data) of a context, from `kubectl config view`."""
    view = kube.kubectl_json(["config", "view", "--raw", "--minify", "--context", context])
    if not view or not view.get("clusters"):
        raise KdsError(f"No kubeconfig context named {context!r}.", fix="list them with `kubectl config get-contexts`")
    entry = view["clusters"][0]
    cluster = entry["cluster"]
    ca = cluster.get("certificate-authority-data")
    if not ca and cluster.get("certificate-authority"):
        ca = base64.b64encode(Path(cluster["certificate-authority"]).expanduser().read_bytes()).decode()
    return entry["name"], cluster["server"], ca


def add_learner(
    name: str,
    *,
    context: str | None = None,
    output: Path | str | None = None,
    duration: str = "48h",
    cpu: str = "2",
    memory: str = "4Gi",
    progress: Progress = print,
) -> Path:
    """Create a learner's namespace, account and quota on the shared cluster; write their kubeconfig.

    The context ``workshop-<name>`` is registered here too, so the instructor can try it.

    Args:
        name: The learner's name: lowercase letters, digits and '-'.
        context: The shared cluster's admin context (default: the current course context).
        output: The kubeconfig file to write (default: ``learner-<name>.kubeconfig`` here).
        duration: How long the learner's token is valid, e.g. "48h".
        cpu: Total CPU requests allowed in the learner's namespace.
        memory: Total memory requests allowed in the learner's namespace.
        progress: Called with each step.

    Returns:
        The kubeconfig file written (mode 0600: it holds the token).

    Raises:
        KdsError: when the name cannot name a namespace or the context does not exist.
        CommandError: when kubectl may not create the objects or the token.

    Examples:
        >>> add_learner("ada", context="admin@workshop")  # doctest: +SKIP
        PosixPath('learner-ada.kubeconfig')
    """
    namespace = learner_namespace(name)
    context = context or kube.require_course_context()
    cluster, server, ca = _cluster_of(context)
    manifests = learner_manifests(name, cpu=cpu, memory=memory)
    progress(f"creating namespace {namespace}, ServiceAccount, RoleBinding (edit) and quota on {context}")
    run(
        ["kubectl", "--context", context, "apply", "-f", "-"],
        input=json.dumps({"apiVersion": "v1", "kind": "List", "items": manifests}),
        timeout=120,
        fix="the context needs rights to create namespaces and RoleBindings (a cluster admin)",
    )
    progress(f"requesting a token valid for {duration} (TokenRequest API)")
    token = run(
        [
            "kubectl",
            "--context",
            context,
            "create",
            "token",
            LEARNER_ACCOUNT,
            "--namespace",
            namespace,
            f"--duration={duration}",
        ],
        timeout=60,
    ).stdout.strip()
    config = learner_kubeconfig(name, server=server, ca_data=ca, token=token, cluster=cluster)
    out = Path(output or f"{namespace}.kubeconfig")
    kube.write_kubeconfig(out, config)
    kube.register_workshop_context(config["current-context"])
    progress(f"wrote {out} (context {config['current-context']}, registered as a workshop context here)")
    progress(f"give it to {name}; on their laptop: `kds workshop join {out.name}`")
    return out


def join(file: Path | str, *, progress: Progress = print) -> str:
    """Add a learner kubeconfig to the user's kubeconfig, select its context and allow it.

    Args:
        file: The ``learner-<name>.kubeconfig`` file the instructor wrote with `add_learner`.
        progress: Called with what was done.

    Returns:
        The context joined, ``workshop-<name>``.

    Raises:
        KdsError: when `file` is missing or was not made by `add_learner`.
        KubeconfigInvalid: when `file` or the user's kubeconfig is not valid YAML.

    Examples:
        >>> join("learner-ada.kubeconfig")  # doctest: +SKIP
        'workshop-ada'
    """
    path = Path(file)
    if not path.is_file():
        raise KdsError(f"There is no file {path}.", fix="give the path of the learner-<name>.kubeconfig file")
    given = kube.read_kubeconfig(path)
    context = given.get("current-context") or ""
    if not isinstance(context, str) or not context.startswith(WORKSHOP_CONTEXT_PREFIX):
        raise KdsError(
            f"{path} is not a kubeconfig made by `kds workshop add-learner`.",
            fix="ask the instructor for your learner-<name>.kubeconfig file",
        )
    written = kube.add_to_kubeconfig(given)
    kube.register_workshop_context(context)
    progress(f"context {context} added to {written}, selected, and allowed for the kds helpers")
    return context
