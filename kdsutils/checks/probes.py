"""Checks of the topic "probes" (lab 37): health checks that tell the truth again.

The churn API's readiness probe asks for a page the server has, so its Pod becomes ready and the
Service sends it traffic (``probes_ex1``); the slow-starting server gets a startup probe, keeps
its liveness probe, and starts without being killed (``probes_ex2``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kdsutils.checks._kit import TIMEOUT, Item, apps, checker, core, discovery, item, pod_ready, read_or_none, rollout
from kdsutils.kube import effective_namespace
from kdsutils.labs.probes import SLOW_ROWS, WRONG_PATH

#: The Deployment and Service of the churn API.
API = "churn-api"


def _probe(container: Any, kind: str) -> Any:
    return getattr(container, f"{kind}_probe", None)


def _rolled_out(deploy: Any) -> Item:
    """Whether every replica runs the newest template and is ready."""
    status, wanted = deploy.status, deploy.spec.replicas or 0
    counts = (status.replicas or 0, status.updated_replicas or 0, status.ready_replicas or 0)
    return item(
        rollout(deploy)[0],
        f"the rollout of {API} finished: {wanted} ready Pod(s) of its newest template",
        f"Pods: {counts[0]}, up to date: {counts[1]}, ready: {counts[2]}",
    )


def _current_pods(deploy: Any) -> list[Any]:
    """The Deployment's Pods that are not being deleted."""
    selector = ",".join(f"{k}={v}" for k, v in (deploy.spec.selector.match_labels or {}).items())
    pods = core().list_namespaced_pod(effective_namespace(), label_selector=selector, _request_timeout=TIMEOUT).items
    return [p for p in pods if p.metadata.deletion_timestamp is None]


@checker(
    "probes_ex1",
    hints=(
        "The Pod runs and nothing crashed, yet it is not READY: something asks the server a question every two "
        "seconds and does not like the answer. Find the question, then ask the server yourself.",
        "Lab 37, 'How we found it': `kubectl describe pod` (Readiness, and the Unhealthy events), the server's "
        "logs (which pages it was asked for), and the pages churn.serve answers; `kubectl patch` changes the "
        "probe.",
        '`kubectl patch deployment churn-api -n $namespace --type=json -p \'[{"op": "replace", "path": '
        '"/spec/template/spec/containers/0/readinessProbe/httpGet/path", "value": "/health"}]\'`, then '
        "`kubectl rollout status deployment/churn-api -n $namespace`",
    ),
)
def probes_ex1() -> Iterator[Item]:
    """Check churn-api: an HTTP readiness probe kept, its page answered (the Pod is ready), endpoints ready.

    Examples:
        >>> check("probes_ex1")  # doctest: +SKIP
        ✔ Well done: probes_ex1 passes.
          ✔ there is a Deployment named churn-api in lesson-probes
    """
    deploy = read_or_none(apps().read_namespaced_deployment, API)
    yield item(deploy is not None, f"there is a Deployment named {API} in {effective_namespace()}", "there is none")
    if deploy is None:
        return
    container = deploy.spec.template.spec.containers[0]
    readiness = _probe(container, "readiness")
    get = readiness.http_get if readiness else None
    if (deploy.metadata.generation or 1) == 1 and get is not None and get.path == WRONG_PATH:
        yield False, f"the churn API answers through its Service (not yet: {API} is as Priya left it)"
        return
    yield item(
        get is not None,
        "it still has an HTTP readiness probe (without one, a Pod is ready before the server answers)",
        "it has none" if readiness is None else "it is not an httpGet probe",
    )
    yield _rolled_out(deploy)
    pods = [p for p in _current_pods(deploy) if pod_ready(p)]
    path = get.path if get else "its page"
    yield item(
        bool(pods),
        f"a Pod of {API} is Ready, so the server answers {path} with success (the kubelet asks it every few seconds)",
        "no Pod is Ready: `kubectl describe pod` shows what the probe got",
    )
    slices = (
        discovery()
        .list_namespaced_endpoint_slice(
            effective_namespace(), label_selector=f"kubernetes.io/service-name={API}", _request_timeout=TIMEOUT
        )
        .items
    )
    ready = [e for s in slices for e in s.endpoints or [] if e.conditions is None or e.conditions.ready is not False]
    yield item(bool(ready), f"the Service {API} has a ready endpoint to send requests to", "it has none")


@checker(
    "probes_ex2",
    hints=(
        "The logs show no error, so the answer is around the container rather than inside it: read the Pod's "
        "events, and find out how long this server takes to start.",
        "Lab 37's exercise: `kubectl describe pod` (Liveness, Last State, the Unhealthy and Killing events) and "
        "how long the start takes (the logs, with `--previous`). A `startupProbe` holds the liveness probe back "
        "until the server has started once.",
        '`kubectl patch deployment churn-api -n $namespace -p \'{"spec": {"template": {"spec": '
        '{"containers": [{"name": "churn-api", "startupProbe": {"httpGet": {"path": "/health", "port": 8000}, '
        '"periodSeconds": 2, "failureThreshold": 60}}]}}}}\'`, then `kubectl rollout status '
        "deployment/churn-api -n $namespace`",
    ),
)
def probes_ex2() -> Iterator[Item]:
    """Check churn-api: the bigger model kept, a startup probe added, liveness kept, ready with no restart.

    Examples:
        >>> check("probes_ex2")  # doctest: +SKIP
        ✔ Well done: probes_ex2 passes.
          ✔ there is a Deployment named churn-api in lesson-probes-ex
    """
    deploy = read_or_none(apps().read_namespaced_deployment, API)
    yield item(deploy is not None, f"there is a Deployment named {API} in {effective_namespace()}", "there is none")
    if deploy is None:
        return
    container = deploy.spec.template.spec.containers[0]
    if (deploy.metadata.generation or 1) == 1 and _probe(container, "startup") is None:
        yield False, f"the churn API serves the bigger model (not yet: {API} is as Sam left it)"
        return
    rows = next((e.value for e in container.env or [] if e.name == "ROWS"), None)
    yield item(
        rows == str(SLOW_ROWS),
        f"it still trains the bigger model at start (ROWS={SLOW_ROWS}), as Sam wants",
        f"ROWS is {rows}" if rows else "ROWS is not set: that is the small model",
    )
    yield item(
        _probe(container, "startup") is not None,
        "it has a startupProbe, which holds the liveness probe back until the server has started",
        "it has none",
    )
    yield item(
        _probe(container, "liveness") is not None,
        "it still has its livenessProbe, which restarts a server that hangs later",
        "it has none",
    )
    yield _rolled_out(deploy)
    pods = [p for p in _current_pods(deploy) if pod_ready(p)]
    restarts = [sum(cs.restart_count or 0 for cs in p.status.container_statuses or []) for p in pods]
    yield item(
        bool(pods) and not any(restarts),
        "its ready Pod started without being restarted",
        f"restarts: {restarts}: the startup probe gives up too soon" if pods else "no Pod is ready yet",
    )
