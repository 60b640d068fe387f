"""Workshops on a shared cluster: a class of learners, each with a namespace, an account and a kubeconfig.

The instructor, with an admin context of a course cluster that the room shares:

- `create` (``kds workshop create ada bo cy`` or ``--count 30`` or ``--names FILE``) gives each
  learner the namespace ``learner-<name>``, a ServiceAccount that may edit it and read what
  the lessons read outside it (nodes, storage classes, volumes, ``kube-system``), a quota, and
  a kubeconfig file ``learner-<name>.kubeconfig`` whose context ``workshop-<name>`` uses a
  token of that account. Running it again gives the same class, with fresh tokens;
- `status` shows each learner's Pods, quota use and last activity;
- `reset` empties every learner's namespace and keeps the accounts;
- `delete` removes everything `create` made, and nothing else.

The learner runs `join` (``kds workshop join FILE``) on their laptop: the context is added to
their kubeconfig, selected and registered, so the kds helpers accept it and every lesson runs
in that one namespace. Lessons a learner cannot do are listed in `NEEDS_OWN_CLUSTER`, which
`kds.lesson()` reads.

The manifests, the kubeconfig and the status table are built by pure functions, unit-tested
without a cluster.
"""

from __future__ import annotations

import base64
import json
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from kdsutils import kube
from kdsutils._run import run
from kdsutils.builder import load_image
from kdsutils.cluster import Progress
from kdsutils.errors import KdsError

LEARNER_PREFIX = "learner-"
LEARNER_ACCOUNT = "learner"
LEARNER_LABEL = "kds.course/learner"
#: The ClusterRole every learner is bound to: read-only, cluster-wide, what the lessons read.
LEARNER_ROLE = "kds-learner"
#: The ClusterRole bound in each learner's namespace beside ``edit``: `kubectl debug` (lesson 30).
DEBUG_ROLE = "kds-learner-debug"
WORKSHOP_CONTEXT_PREFIX = "workshop-"
#: What a lesson may leave in a learner's namespace, removed between lessons and by `reset`.
LESSON_KINDS = "all,configmaps,secrets,persistentvolumeclaims"
#: Lessons a learner of a shared cluster cannot do, by the name the lesson gives `kds.lesson`,
#: and why. The learner sweep of `make test` runs every other lesson as a learner.
NEEDS_OWN_CLUSTER: dict[str, str] = {
    "setup": "it starts and inspects the course cluster on your own machine; on a shared cluster, "
    "`kds workshop join` is your setup",
    "build": "`kds build` loads your image into the cluster's image store, which only the cluster's owner may do",
    "namespaces": "it creates namespaces, quotas and role bindings, which a learner may not",
    "helm": "it loads the MLflow image into the cluster, which only the cluster's owner may do",
    "jupyterhub": "it loads the hub's image into the cluster, and the hub needs a Role of its own to start "
    "users' Pods, which a learner may not grant",
    "tracking": "it loads the MLflow image into the cluster, which only the cluster's owner may do",
    "dask": "it loads the Dask image into the cluster and installs an operator with CRDs and a ClusterRole",
    "chart": "every learner would publish a chart of the same name to the one app store, each over the others'",
    "forbidden": "it creates a Role and a RoleBinding, which a learner may not",
    "capstone": "it builds your image with `kds build` and loads the MLflow image into the cluster",
    "platform": "it plays the platform team, binding a role and setting a quota, which a learner may not "
    "(on a shared cluster you already have what it asks for: a namespace, `edit` and a quota)",
}


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


def class_names(names: Iterable[str] = (), *, count: int = 0) -> list[str]:
    """Return the learners of a class: the names given, or ``01`` to ``<count>`` (pure).

    Blank lines and ``#`` comments are skipped, so the lines of a file can be passed as they are.

    Raises:
        KdsError: when there is no learner, a name cannot name a namespace, or a name repeats.

    Examples:
        >>> class_names(count=3)
        ['01', '02', '03']
        >>> class_names(["ada", "# the back row", "", "bo"])
        ['ada', 'bo']
    """
    chosen = [n.strip() for n in names if n.strip() and not n.strip().startswith("#")]
    chosen += [f"{i:0{max(2, len(str(count)))}d}" for i in range(1, count + 1)]
    if not chosen:
        raise KdsError("The class has no learner.", fix="name them (`create ada bo`), or pass `--count 30`")
    repeated = sorted({n for n in chosen if chosen.count(n) > 1})
    if repeated:
        raise KdsError(f"These names appear twice: {', '.join(repeated)}.", fix="give each learner one name")
    for name in chosen:
        learner_namespace(name)
    return chosen


def learner_roles() -> list[dict]:
    """Build the two ClusterRoles of a class, shared by its learners (pure).

    - `LEARNER_ROLE`, bound cluster-wide: read nodes and their capacity (``kubectl top node``
      too), StorageClasses, PersistentVolumes and namespaces, as the lessons do. Nothing in it
      writes, and Secrets are not in it.
    - `DEBUG_ROLE`, bound in each learner's namespace only: add a debugging container to a
      running Pod (`kubectl debug`), which the built-in ``edit`` role leaves out.

    Examples:
        >>> [role["metadata"]["name"] for role in learner_roles()]
        ['kds-learner', 'kds-learner-debug']
    """
    read = ["get", "list", "watch"]
    meta = {"labels": {LEARNER_LABEL: ""}}
    reader = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": LEARNER_ROLE, **meta},
        "rules": [
            {"apiGroups": [""], "resources": ["nodes"], "verbs": read},
            {"apiGroups": [""], "resources": ["namespaces"], "verbs": read},
            {"apiGroups": [""], "resources": ["persistentvolumes"], "verbs": read},
            {"apiGroups": ["storage.k8s.io"], "resources": ["storageclasses"], "verbs": read},
            {"apiGroups": ["metrics.k8s.io"], "resources": ["nodes"], "verbs": ["get", "list"]},
        ],
    }
    debug = {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": DEBUG_ROLE, **meta},
        "rules": [{"apiGroups": [""], "resources": ["pods/ephemeralcontainers"], "verbs": ["get", "patch", "update"]}],
    }
    return [reader, debug]


def learner_manifests(name: str, *, pods: int = 20, cpu: str | None = None, memory: str | None = None) -> list[dict]:
    """Build what one workshop learner gets (pure).

    - the namespace ``learner-<name>`` and the ServiceAccount ``learner`` in it;
    - RoleBindings in that namespace to the built-in ``edit`` ClusterRole and to `DEBUG_ROLE`;
    - a ClusterRoleBinding to `LEARNER_ROLE` (read nodes, storage, namespaces) and a
      RoleBinding to ``view`` in ``kube-system`` (its Pods and Services; ``view`` has no Secrets);
    - the quota ``learner-quota``: Pods, claims, storage, three node ports, one LoadBalancer
      (a course cluster gives it no address; lesson 42 shows one waiting).
      Pods without requests are allowed, so lesson 17's BestEffort Pod stays BestEffort and
      its oversized Pod waits for the scheduler as on a laptop;
    - with `cpu` or `memory`, a second quota ``learner-requests`` on the requests of Pods that
      make any (the NotBestEffort scope). It protects the others from one learner's large
      requests, at a price: lesson 17's oversized Pod is then refused by the quota instead.

    Args:
        name: The learner's name (a DNS label).
        pods: The most Pods the namespace may hold: stops a runaway Deployment.
        cpu: Total CPU requests allowed, e.g. "2" (default: no limit).
        memory: Total memory requests allowed, e.g. "4Gi" (default: no limit).

    Examples:
        >>> [m["kind"] for m in learner_manifests("ada")][2:]
        ['RoleBinding', 'RoleBinding', 'ClusterRoleBinding', 'RoleBinding', 'ResourceQuota']
    """
    namespace = learner_namespace(name)
    labels = {LEARNER_LABEL: name}
    meta = {"namespace": namespace, "labels": labels}
    subject = [{"kind": "ServiceAccount", "name": LEARNER_ACCOUNT, "namespace": namespace}]

    def role_ref(role: str) -> dict:
        return {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role}

    binding = f"{LEARNER_ROLE}-{name}"
    manifests: list[dict] = [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": labels}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": LEARNER_ACCOUNT, **meta}},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": "learner-edit", **meta}, "roleRef": role_ref("edit"), "subjects": subject},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": "learner-debug", **meta}, "roleRef": role_ref(DEBUG_ROLE), "subjects": subject},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
         "metadata": {"name": binding, "labels": labels}, "roleRef": role_ref(LEARNER_ROLE), "subjects": subject},
        {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
         "metadata": {"name": binding, "namespace": "kube-system", "labels": labels},
         "roleRef": role_ref("view"), "subjects": subject},
        {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "learner-quota", **meta},
         "spec": {"hard": {"pods": str(pods), "persistentvolumeclaims": "5", "requests.storage": "10Gi",
                           "services.nodeports": "3", "services.loadbalancers": "1"}}},
    ]  # fmt: skip
    requests = {key: value for key, value in (("requests.cpu", cpu), ("requests.memory", memory)) if value}
    if requests:
        manifests.append({"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "learner-requests", **meta},
                          "spec": {"hard": requests, "scopes": ["NotBestEffort"]}})  # fmt: skip
    return manifests


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


def _kubectl(context: str, *args: str, **kwargs: Any) -> str:
    """Run kubectl against the workshop's cluster; return its output."""
    return run(["kubectl", "--context", context, *args], **kwargs).stdout


def _items(context: str, *args: str) -> list[dict]:
    """The objects `kubectl get ARGS -o json` lists (unlike `kube.kubectl_json`, a failure raises)."""
    return json.loads(_kubectl(context, "get", *args, "-o", "json", timeout=120))["items"]


def create(
    names: Iterable[str] = (),
    *,
    count: int = 0,
    context: str | None = None,
    output: Path | str = ".",
    duration: str = "48h",
    pods: int = 20,
    cpu: str | None = None,
    memory: str | None = None,
    images: Iterable[str] = (),
    progress: Progress = print,
) -> list[Path]:
    """Create a class on the shared cluster and write one kubeconfig per learner.

    Every object is applied server-side in one request per object, so running it again
    changes nothing but the tokens (each run writes fresh ones; the old ones stay valid
    until they expire).

    Args:
        names: The learners' names: lowercase letters, digits and '-'.
        count: Or as many learners, named ``01``, ``02``, ...
        context: The shared cluster's admin context (default: the current course context).
        output: The folder for the ``learner-<name>.kubeconfig`` files.
        duration: How long each learner's token is valid, e.g. "48h".
        pods: The most Pods each learner's namespace may hold.
        cpu: CPU requests allowed per learner (default: no limit; see `learner_manifests`).
        memory: Memory requests allowed per learner (default: no limit).
        images: Course tool images to load first (``"mlflow"``), which learners may not load
            themselves: lab 38's second exercise needs ``mlflow``.
        progress: Called with each step.

    Returns:
        The kubeconfig files written (mode 0600: each holds a token).

    Raises:
        KdsError: when a name cannot name a namespace or the context does not exist.
        CommandError: when kubectl may not create the objects or the tokens.

    Examples:
        >>> create(["ada", "bo"], context="admin@workshop", output="class")  # doctest: +SKIP
        [PosixPath('class/learner-ada.kubeconfig'), PosixPath('class/learner-bo.kubeconfig')]
    """
    learners = class_names(names, count=count)
    context = context or kube.require_course_context()
    cluster, server, ca = _cluster_of(context)
    if images:
        if context != kube.current_context():
            raise KdsError(f"Images load into the current course cluster, and {context!r} is not the current context.",
                           fix=f"`kubectl config use-context {context}` first, or leave out --image")  # fmt: skip
        for image in images:
            load_image(image, progress=progress)
    manifests = learner_roles()
    for name in learners:
        manifests += learner_manifests(name, pods=pods, cpu=cpu, memory=memory)
    progress(f"applying {len(manifests)} objects for {len(learners)} learners on {context} "
             "(namespaces, accounts, role bindings, quotas)")  # fmt: skip
    _kubectl(context, "apply", "--server-side", "--field-manager=kds-workshop", "-f", "-",
             input=json.dumps({"apiVersion": "v1", "kind": "List", "items": manifests}), timeout=300,
             fix="the context needs rights to create namespaces and role bindings (a cluster admin)")  # fmt: skip
    progress(f"requesting a token valid for {duration} for each learner (TokenRequest API)")
    folder = Path(output)
    written = []
    for name in learners:
        namespace = learner_namespace(name)
        token = _kubectl(context, "create", "token", LEARNER_ACCOUNT, "--namespace", namespace,
                         f"--duration={duration}", timeout=60).strip()  # fmt: skip
        out = folder / f"{namespace}.kubeconfig"
        kube.write_kubeconfig(out, learner_kubeconfig(name, server=server, ca_data=ca, token=token, cluster=cluster))
        written.append(out)
    progress(f"wrote {len(written)} kubeconfig files to {folder}/ (mode 0600: each holds a token)")
    progress("give each learner their file; on their laptop: `kds workshop join learner-<name>.kubeconfig`")
    return written


def _learners(context: str) -> list[str]:
    """Return the names of the learners on the cluster, from their namespaces' labels."""
    namespaces = _items(context, "namespaces", "-l", LEARNER_LABEL)
    return sorted(item["metadata"]["labels"][LEARNER_LABEL] for item in namespaces)


def _chosen(names: Iterable[str], context: str | None) -> tuple[str, list[str], list[str]]:
    """The admin context, every learner on the cluster, and those of `names` among them (all when none)."""
    context = context or kube.require_course_context()
    present = _learners(context)
    wanted = list(names)
    return context, present, [name for name in wanted if name in present] if wanted else present


@dataclass(frozen=True)
class LearnerStatus:
    """One row of `status`: a learner's Pods, quota use and the newest thing that happened."""

    name: str
    running: int
    pods: int
    quota: str
    last_activity: datetime | None


def _timestamps(item: dict) -> list[str]:
    """Every time an object records: created, and for Pods each container's start and end."""
    found = [item.get("metadata", {}).get("creationTimestamp"), item.get("lastTimestamp"), item.get("eventTime")]
    for status in item.get("status", {}).get("containerStatuses") or []:
        for state in (status.get("state") or {}).values():
            found += [state.get("startedAt"), state.get("finishedAt")]
    return [stamp for stamp in found if stamp]


def learner_status(names: list[str], pods: list[dict], quotas: list[dict], events: list[dict]) -> list[LearnerStatus]:
    """Summarize each learner's namespace from `kubectl get -A -o json` items (pure).

    Examples:
        >>> pod = {"metadata": {"namespace": "learner-ada", "creationTimestamp": "2026-12-02T10:00:00Z"},
        ...        "status": {"phase": "Running"}}
        >>> quota = {"metadata": {"namespace": "learner-ada", "name": "learner-quota"},
        ...          "status": {"used": {"pods": "1"}, "hard": {"pods": "20"}}}
        >>> row = learner_status(["ada", "bo"], [pod], [quota], [])
        >>> row[0].running, row[0].quota, row[1].last_activity
        (1, 'pods 1/20', None)
    """
    rows = []
    for name in names:
        namespace = learner_namespace(name)
        mine = [pod for pod in pods if pod["metadata"]["namespace"] == namespace]
        quota = next((q for q in quotas if q["metadata"]["namespace"] == namespace
                      and q["metadata"]["name"] == "learner-quota"), None)  # fmt: skip
        used = (quota or {}).get("status", {})
        stamps = [stamp for item in mine + [e for e in events if e["metadata"]["namespace"] == namespace]
                  for stamp in _timestamps(item)]  # fmt: skip
        rows.append(LearnerStatus(
            name=name,
            running=sum(pod.get("status", {}).get("phase") == "Running" for pod in mine),
            pods=len(mine),
            quota=f"pods {used.get('used', {}).get('pods', '0')}/{used.get('hard', {}).get('pods', '?')}",
            last_activity=max((datetime.fromisoformat(s.replace("Z", "+00:00")) for s in stamps), default=None),
        ))  # fmt: skip
    return rows


def render_status(rows: list[LearnerStatus], now: datetime | None = None) -> str:
    """Render `status` rows as a table, the last activity as an age at `now` (default: now).

    Examples:
        >>> row = LearnerStatus("ada", 1, 2, "pods 2/20", datetime(2026, 12, 2, 10, 0, tzinfo=UTC))
        >>> print(render_status([row], datetime(2026, 12, 2, 10, 5, tzinfo=UTC)))
        LEARNER  NAMESPACE    PODS (RUNNING/ALL)  QUOTA      LAST ACTIVITY
        ada      learner-ada  1/2                 pods 2/20  5m ago
    """
    now = now or datetime.now(UTC)

    def age(stamp: datetime | None) -> str:
        if stamp is None:
            return "none yet"
        seconds = int((now - stamp).total_seconds())
        if seconds < 120:
            return f"{seconds}s ago"
        return f"{seconds // 60}m ago" if seconds < 7200 else f"{seconds // 3600}h ago"

    table = [("LEARNER", "NAMESPACE", "PODS (RUNNING/ALL)", "QUOTA", "LAST ACTIVITY")]
    table += [(r.name, learner_namespace(r.name), f"{r.running}/{r.pods}", r.quota, age(r.last_activity)) for r in rows]
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    return "\n".join("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip() for row in table)


def status(*, context: str | None = None) -> list[LearnerStatus]:
    """Return each learner's Pods, quota use and last activity, read in three requests.

    Examples:
        >>> print(render_status(status()))  # doctest: +SKIP
    """
    context = context or kube.require_course_context()
    names = _learners(context)
    pods, quotas, events = (_items(context, kind, "-A") for kind in ("pods", "resourcequotas", "events"))
    return learner_status(names, pods, quotas, events)


def reset(
    names: Iterable[str] = (), *, context: str | None = None, timeout: float = 300, progress: Progress = print
) -> list[str]:
    """Empty learners' namespaces of what lessons made; keep the accounts, bindings and quotas.

    Args:
        names: The learners whose namespaces to empty (default: the whole class).
        context: The shared cluster's admin context (default: the current course context).
        timeout: Seconds to wait for each namespace to be empty.
        progress: Called with each step.

    Returns:
        The learners whose namespaces were emptied.

    Examples:
        >>> reset(context="admin@workshop")  # doctest: +SKIP
        ['ada', 'bo']
    """
    context, _, names = _chosen(names, context)
    progress(f"emptying {len(names)} learner namespaces ({LESSON_KINDS})")
    for name in names:
        empty_namespace(learner_namespace(name), context=context, wait=False)
    for name in names:
        empty_namespace(learner_namespace(name), context=context, wait=True, timeout=timeout)
    progress("done: every learner keeps their account, kubeconfig and quota")
    return names


def delete(
    names: Iterable[str] = (), *, context: str | None = None, timeout: float = 300, progress: Progress = print
) -> list[str]:
    """Remove learners: their namespaces and role bindings; with the last learner, the class's ClusterRoles.

    Only objects labelled ``kds.course/learner`` are deleted; the kubeconfig files written by
    `create` stop working.

    Args:
        names: The learners to remove (default: the whole class).
        context: The shared cluster's admin context (default: the current course context).
        timeout: Seconds to wait for the namespaces to go.
        progress: Called with each step.

    Returns:
        The learners removed.

    Examples:
        >>> delete(context="admin@workshop")  # doctest: +SKIP
        ['ada', 'bo']
    """
    context, present, chosen = _chosen(names, context)
    started = time.monotonic()
    progress(f"deleting {len(chosen)} learners: their namespaces and role bindings")
    if chosen:
        # A shell or python as a container's first process ignores SIGTERM: cut the grace period
        # to a second, or each such Pod holds its namespace for 30 s.
        busy = {pod["metadata"]["namespace"] for pod in _items(context, "pods", "-A")}
        busy = sorted(busy & {learner_namespace(n) for n in chosen})
        for namespace in busy:
            _kubectl(context, "delete", "pods", "--all", "-n", namespace, "--grace-period=1", "--wait=false",
                     timeout=60)  # fmt: skip
        selector = f"{LEARNER_LABEL} in ({','.join(chosen)})"
        _kubectl(context, "delete", "rolebindings", "-n", "kube-system", "-l", selector, timeout=120)
        _kubectl(context, "delete", "clusterrolebindings", "-l", selector, timeout=120)
        _kubectl(context, "delete", "namespaces", "-l", selector, f"--timeout={int(timeout)}s", timeout=timeout + 30)
    if not [name for name in present if name not in chosen]:
        progress(f"no learner is left: deleting the ClusterRoles {LEARNER_ROLE} and {DEBUG_ROLE}")
        _kubectl(context, "delete", "clusterroles", LEARNER_ROLE, DEBUG_ROLE, "--ignore-not-found", timeout=60)
    progress(f"done in {time.monotonic() - started:.0f} s")
    return chosen


def empty_namespace(namespace: str, *, context: str | None = None, wait: bool, timeout: float = 180) -> None:
    """Delete what lessons create in a namespace that stays (a workshop learner's own).

    Args:
        namespace: The namespace to empty.
        context: The context to use (default: the current course context).
        wait: Wait until the objects are gone.
        timeout: Seconds to wait.

    Examples:
        >>> empty_namespace("learner-ada", wait=True)  # doctest: +SKIP
    """
    context = context or kube.require_course_context()
    _kubectl(context, "delete", LESSON_KINDS, "--all", "-n", namespace, "--grace-period=1",
             f"--wait={str(wait).lower()}", f"--timeout={int(timeout)}s",
             timeout=timeout + 30, fix="check that the cluster answers (`kds status`) and try again")  # fmt: skip


def join(file: Path | str, *, progress: Progress = print) -> str:
    """Add a learner kubeconfig to the user's kubeconfig, select its context and allow it.

    Args:
        file: The ``learner-<name>.kubeconfig`` file the instructor wrote with `create`.
        progress: Called with what was done.

    Returns:
        The context joined, ``workshop-<name>``.

    Raises:
        KdsError: when `file` is missing or was not made by `create`.
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
            f"{path} is not a kubeconfig made by `kds workshop create`.",
            fix="ask the instructor for your learner-<name>.kubeconfig file",
        )
    written = kube.add_to_kubeconfig(given)
    kube.register_workshop_context(context)
    progress(f"context {context} added to {written}, selected, and allowed for the kds helpers")
    return context
