"""Checks of the topic "jupyterhub" (lesson 21): a team's JupyterHub from the course's chart.

Install a hub for the data team with your own values (``jupyterhub_ex1``), and find why
nobody's server starts on a colleague's hub (``jupyterhub_ex2``). Each check reads Helm's
record of the release, its Secret, and the Pods and claims KubeSpawner made for a user
(``jupyter-<user>`` and ``claim-<user>``).
"""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from kdsutils.checks._kit import (
    Item,
    checker,
    core,
    item,
    pod_ready,
    read_or_none,
    release_items,
    same_quantity,
    storage,
)

CHART = "jupyterhub"


def _server_item(user: str) -> Item:
    """Whether `user`'s server is ready (and, if not, where to look)."""
    pod = read_or_none(core().read_namespaced_pod, f"jupyter-{user}")
    seen = (f"there is no Pod jupyter-{user}: sign in as {user} and start the server" if pod is None
            else f"it is {pod.status.phase}: `kubectl describe pod jupyter-{user}` says why")  # fmt: skip
    return item(pod is not None and pod_ready(pod), f"{user}'s server (Pod jupyter-{user}) is ready", seen)


def _claim(user: str) -> Any:
    return read_or_none(core().read_namespaced_persistent_volume_claim, f"claim-{user}")


def _password(release: str) -> str | None:
    secret = read_or_none(core().read_namespaced_secret, f"{release}-jupyterhub")
    if secret is None or "password" not in (secret.data or {}):
        return None
    return base64.b64decode(secret.data["password"]).decode()


@checker(
    "jupyterhub_ex1",
    hints=(
        "Everything the task asks for is a value of the chart; the server itself starts when its user signs in "
        "and presses Start.",
        "Lesson 21, 'Find it, read its values': `helm show values kds/jupyterhub` names auth.password, "
        "singleuser.storage.size and singleuser.resources.limits.memory. Put them in a values file, `helm install "
        "data ... -f`, then sign_in and start_server as the lesson did for alice.",
        "A values file with auth: {password: churn-team-2026} and singleuser: {storage: {size: 2Gi}, resources: "
        "{limits: {memory: 2Gi}}}; `helm install data kds/jupyterhub --version 0.1.0 -f work/data-values.yaml "
        "-n $namespace`; then `with kds.port_forward('service/data-jupyterhub', 80) as hub: "
        "start_server(hub, sign_in(hub, 'ada', 'churn-team-2026'), 'ada')`",
    ),
)
def jupyterhub_ex1() -> Iterator[Item]:
    """Check release `data`: the team's password, and ada's server with 2Gi of memory and a 2Gi claim.

    Examples:
        >>> check("jupyterhub_ex1")  # doctest: +SKIP
        ✔ Well done: jupyterhub_ex1 passes.
    """
    release, about = release_items("data", CHART)
    yield from about
    if release is None:
        return
    yield item(_password("data") == "churn-team-2026", "the shared password is churn-team-2026",
               "it is another one (the chart generates one when auth.password is not set)")  # fmt: skip
    yield _server_item("ada")
    pod = read_or_none(core().read_namespaced_pod, "jupyter-ada")
    if pod is not None:
        resources = pod.spec.containers[0].resources
        limit = ((resources.limits or {}) if resources else {}).get("memory")
        shown = f"{limit} bytes" if limit else "none"
        yield item(same_quantity(limit, "2Gi"), "her server's memory limit is 2Gi",
                   f"it is {shown}: servers get the limit the hub had when they started")  # fmt: skip
    claim = _claim("ada")
    size = claim.spec.resources.requests.get("storage") if claim else None
    yield item(same_quantity(size, "2Gi"), "her home folder (claim-ada) is 2Gi",
               f"it is {size or 'not there'}: a claim is made at the first start and keeps its size")  # fmt: skip


def _storage_classes() -> set[str]:
    return {sc.metadata.name for sc in storage().list_storage_class().items}


@checker(
    "jupyterhub_ex2",
    hints=(
        "A Pod that stays Pending is waiting for something: a node with room, or a volume. The hub's two-minute "
        "wait is just the end of it.",
        "Lesson 19 (claims and StorageClasses) and lesson 21: `kubectl describe pod jupyter-dev`, then "
        "`kubectl describe pvc claim-dev`, and `helm get values lab` for where its setting came from.",
        "`helm upgrade lab kds/jupyterhub --version 0.1.0 --reuse-values --set singleuser.storage.storageClass= "
        "-n $namespace` (empty: the cluster's default StorageClass; null would keep hers with --reuse-values); "
        "`kubectl delete pod/jupyter-dev pvc/claim-dev --ignore-not-found -n $namespace` (a claim's class "
        "cannot change); then `start_server(hub, dev, 'dev')` through a port-forward, as in lesson 21",
    ),
)
def jupyterhub_ex2() -> Iterator[Item]:
    """Check that release `lab` was fixed through Helm and dev's server runs on a bound claim.

    Examples:
        >>> check("jupyterhub_ex2")  # doctest: +SKIP
        ✘ Not yet: jupyterhub_ex2.
          ✘ dev's server (Pod jupyter-dev) is ready (it is Pending: `kubectl describe pod jupyter-dev` says why)
    """
    release, about = release_items("lab", CHART)
    yield from about
    if release is None:
        return
    # The server first, and nothing more until it runs: a stored "not yet" must not give the cause away.
    server = _server_item("dev")
    yield server
    if not server[0]:
        return
    claim = _claim("dev")
    phase = claim.status.phase if claim else None
    yield item(phase == "Bound", "dev's home folder (claim-dev) is bound to a volume",
               f"it is {phase or 'not there'}: `kubectl describe pvc claim-dev` says why")  # fmt: skip
    wanted = ((release.get("config") or {}).get("singleuser") or {}).get("storage", {}).get("storageClass") or ""
    classes = _storage_classes()
    yield item(wanted == "" or wanted in classes, "the release asks for a StorageClass the cluster has (the fix is "
               "in the release, so the next upgrade keeps it)", f"it asks for {wanted!r}")  # fmt: skip
