"""Checks of the topic "helm" (lesson 20): the course's MLflow chart, installed from the app store.

Install it with your own values (``helm_ex1``), upgrade it and roll the upgrade back
(``helm_ex2``), and find why a colleague's release never becomes ready (``helm_ex3``).
Helm's own record of a release (the Secrets ``helm list`` reads) says what was asked; the
live objects say what runs. Each check reads both.
"""

from __future__ import annotations

import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

from kdsutils.checks._kit import (
    TIMEOUT,
    Item,
    apps,
    checker,
    core,
    item,
    read_or_none,
    releases,
    same_quantity,
)
from kdsutils.images import reference
from kdsutils.kube import effective_namespace

CHART, VERSION = "mlflow", "0.1.0"
NODE_PORT = 30002


def _release(name: str) -> tuple[dict[str, Any] | None, list[dict[str, Any]], Item]:
    """The release's newest revision, all its revisions, and the item that says whether there is one."""
    history = releases(name)
    text = f"there is a Helm release named {name} in {effective_namespace()} (`helm list` shows it)"
    return (history[-1] if history else None), history, (bool(history), text)


def _deployed(release: dict[str, Any]) -> Item:
    status = release["info"]["status"]
    return item(status == "deployed", f"its newest revision ({release['version']}) is deployed", f"it is {status}")


def _container(deployment_name: str) -> tuple[Any, Any]:
    """The Deployment the chart made and its container (None, None when there is none)."""
    deploy = read_or_none(apps().read_namespaced_deployment, deployment_name)
    return deploy, (deploy.spec.template.spec.containers[0] if deploy else None)


def _ready(deploy: Any) -> Item:
    ready = (deploy.status.ready_replicas or 0) if deploy else 0
    return item(ready == 1, f"the MLflow server ({deploy.metadata.name if deploy else 'its Deployment'}) is ready",
                "it has no ready Pod yet: `kubectl get pods` and `kubectl describe pod` say why")  # fmt: skip


def _answers(url: str, patience: float = 10) -> bool:
    """Whether `url` answers 200, asking again for `patience` seconds.

    A new node port opens a moment after its Service changes, once kube-proxy has set it up.
    """
    deadline = time.monotonic() + patience
    while True:
        try:
            with urllib.request.urlopen(url, timeout=TIMEOUT) as response:
                return response.status == 200
        except (urllib.error.URLError, OSError):
            if time.monotonic() > deadline:
                return False
            time.sleep(0.5)


def _memory(container: Any, kind: str) -> str | None:
    return ((getattr(container.resources, kind) or {}) if container and container.resources else {}).get("memory")


@checker(
    "helm_ex1",
    hints=(
        "A chart is configured through values, and a values file is the way to keep them: the chart's own "
        "values.yaml shows every key you may set, nested as the file nests them.",
        "Lesson 20, 'Read before you install' (`helm show values kds/mlflow`) and 'Install it with your "
        "values': the keys are service.type, service.nodePort, persistence.size and resources.requests.memory.",
        "Write tracking-values.yaml with service: {type: NodePort, nodePort: 30002}, persistence: {size: 500Mi} "
        "and resources: {requests: {cpu: 100m, memory: 384Mi}, limits: {memory: 1Gi}}, then "
        "`helm install tracking kds/mlflow --version 0.1.0 -f tracking-values.yaml -n $namespace`",
    ),
)
def helm_ex1() -> Iterator[Item]:
    """Check release `tracking` of kds/mlflow 0.1.0: NodePort 30002, a 500Mi claim, 384Mi requested, answering.

    Examples:
        >>> check("helm_ex1")  # doctest: +SKIP
        ✔ Well done: helm_ex1 passes.
          ✔ there is a Helm release named tracking in exercise-helm (`helm list` shows it)
    """
    release, _, there = _release("tracking")
    yield there
    if release is None:
        return
    yield _deployed(release)
    meta = release["chart"]["metadata"]
    yield item(
        (meta["name"], meta["version"]) == (CHART, VERSION),
        f"it was installed from the chart {CHART} {VERSION} (kds/{CHART} --version {VERSION})",
        f"its chart is {meta['name']} {meta['version']}",
    )
    svc = read_or_none(core().read_namespaced_service, "tracking-mlflow")
    ports = [p.node_port for p in svc.spec.ports or []] if svc else []
    yield item(
        svc is not None and svc.spec.type == "NodePort" and ports == [NODE_PORT],
        f"its Service tracking-mlflow is a NodePort on {NODE_PORT}",
        f"it is {svc.spec.type} with nodePorts {ports}" if svc else "there is no Service tracking-mlflow",
    )
    claim = read_or_none(core().read_namespaced_persistent_volume_claim, "tracking-mlflow")
    size = (claim.spec.resources.requests or {}).get("storage") if claim else None
    yield item(same_quantity(size, "500Mi"), "its claim tracking-mlflow asks for 500Mi",
               f"it asks for {size}" if claim else "there is no claim tracking-mlflow")  # fmt: skip
    deploy, container = _container("tracking-mlflow")
    requested = _memory(container, "requests")
    yield item(same_quantity(requested, "384Mi"), "the server requests 384Mi of memory", f"it requests {requested}")
    yield _ready(deploy)
    yield item(_answers(f"http://localhost:{NODE_PORT}/health"), f"MLflow answers at http://localhost:{NODE_PORT}",
               "nothing answers there yet")  # fmt: skip


@checker(
    "helm_ex2",
    hints=(
        "Every upgrade and every rollback makes a new, numbered revision of the release, and Helm keeps the "
        "list; a rollback does not delete the upgrade, it deploys an older revision's values again.",
        "Lesson 20, 'Upgrade' and 'Roll back': `helm upgrade` with --reuse-values and --set for "
        "resources.limits.memory, then `helm history tracking` and `helm rollback tracking <revision>`.",
        "`helm upgrade tracking kds/mlflow --version 0.1.0 --reuse-values --set resources.limits.memory=1536Mi "
        "-n $namespace`, then `helm rollback tracking 1 -n $namespace`",
    ),
)
def helm_ex2() -> Iterator[Item]:
    """Check that `tracking` was upgraded to a 1536Mi limit and rolled back to the revision before it.

    Examples:
        >>> check("helm_ex2")  # doctest: +SKIP
        ✔ Well done: helm_ex2 passes.
    """
    release, history, there = _release("tracking")
    yield there
    if release is None:
        return
    limits = [(r["version"], ((r.get("config") or {}).get("resources") or {}).get("limits", {}).get("memory"))
              for r in history]  # fmt: skip
    upgraded = [version for version, limit in limits if limit and same_quantity(str(limit), "1536Mi")]
    yield item(bool(upgraded), "one revision set the server's memory limit to 1536Mi (an upgrade)",
               f"the revisions' memory limits: {dict(limits)}")  # fmt: skip
    description = release["info"].get("description", "")
    rolled_back = bool(upgraded) and release["version"] > upgraded[-1] and description.startswith("Rollback")
    yield item(rolled_back, "the newest revision is a rollback to a revision before that upgrade",
               f"the newest, revision {release['version']}, says {description!r}")  # fmt: skip
    yield _deployed(release)
    deploy, container = _container("tracking-mlflow")
    limit = _memory(container, "limits")
    back = limit is not None and not same_quantity(limit, "1536Mi")
    yield item(back, "the running server's limit is no longer 1536Mi", f"it is {limit}")
    yield _ready(deploy)


@checker(
    "helm_ex3",
    hints=(
        "Helm said the install worked, yet the server never became ready: Helm only sent the YAML. Ask the "
        "cluster what happens to the Pod, then ask Helm which values produced it.",
        "Lesson 11's `kubectl get pods` and `kubectl describe pod` for the Pod's state and events; lesson 20's "
        "`helm get values team-tracking` for what was asked. Fix it with a `helm upgrade`, so that the "
        "release and the cluster agree.",
        "The image tag is 3.17 and the course image is 3.17.2: `helm upgrade team-tracking kds/mlflow --version "
        "0.1.0 --reuse-values --set image.tag=3.17.2 -n $namespace`",
    ),
)
def helm_ex3() -> Iterator[Item]:
    """Check that release `team-tracking` runs the course's MLflow image, fixed through Helm, and is ready.

    Examples:
        >>> check("helm_ex3")  # doctest: +SKIP
        ✘ Not yet: helm_ex3.
          ✘ its server runs the course's MLflow image, which the cluster holds (it runs another: ...)
    """
    release, _, there = _release("team-tracking")
    yield there
    if release is None:
        return
    image = reference("mlflow")
    deploy, container = _container("team-tracking-mlflow")
    running = container.image if container else None
    # Said without the tags: the stored outputs of the exercise must not give the cause away.
    yield item(running == image, "its server runs the course's MLflow image, which the cluster holds",
               "it runs another: the Pod's events say what happens to it")  # fmt: skip
    yield item(
        f'image: "{image}"' in release.get("manifest", ""),
        "the fix is in the release (an upgrade), so the next `helm upgrade` keeps it",
        "Helm's newest revision still names another image: a change made with kubectl alone is undone by "
        "the next upgrade",
    )
    yield _deployed(release)
    yield _ready(deploy)

