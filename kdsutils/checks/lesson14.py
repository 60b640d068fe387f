"""Checks for lesson 14, Services: a Service in front of a Deployment, reached by its DNS name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kubernetes import client
from kubernetes.client import ApiException

from kdsutils.checks import checker
from kdsutils.kube import api_client, effective_namespace

_IP_URL = re.compile(r"://\d{1,3}(\.\d{1,3}){3}")


def read_namespaced(read: Any, name: str) -> Any:
    """Return the object that `read` (a client's ``read_namespaced_*`` method) finds, or None.

    The later lessons' checks use it too.

    Args:
        read: For example ``client.CoreV1Api(api_client()).read_namespaced_pod``.
        name: The object's name, looked up in the exercise's namespace.

    Returns:
        The object, or None when there is no such object.
    """
    try:
        return read(name, effective_namespace(), _request_timeout=15)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


def item(ok: bool, text: str, seen: str) -> tuple[bool, str]:
    """Return a check item that adds what was actually seen, in brackets, only when it is wrong.

    Args:
        ok: Whether the item holds.
        text: The item, phrased so that both ✔ and ✘ read well.
        seen: What the cluster shows instead, such as ``"it has 1"``.

    Returns:
        The ``(ok, text)`` pair a checker yields.
    """
    return ok, text if ok else f"{text} ({seen})"


def _ready_endpoints(service: str) -> int:
    slices = client.DiscoveryV1Api(api_client()).list_namespaced_endpoint_slice(
        effective_namespace(), label_selector=f"kubernetes.io/service-name={service}", _request_timeout=15
    )
    return sum(
        1
        for piece in slices.items
        for endpoint in piece.endpoints or []
        if endpoint.conditions is None or endpoint.conditions.ready is not False
    )


@checker(
    "services_ex1",
    hint="kds.apply(kds.manifests.deployment('web', ..., replicas=2)), then "
    "`kubectl expose deployment web --port=80 --target-port=8000`",
)
def services_ex1() -> Iterator[tuple[bool, str]]:
    """Check a 2-replica Deployment `web` and a Service `web` on port 80 that reaches its Pods on 8000."""
    deploy = read_namespaced(client.AppsV1Api(api_client()).read_namespaced_deployment, "web")
    if deploy is None:
        yield False, "there is a Deployment named web"
        return
    ready = deploy.status.ready_replicas or 0
    yield item(ready == 2, "Deployment web has 2 ready replicas", f"it has {ready}")
    svc = read_namespaced(client.CoreV1Api(api_client()).read_namespaced_service, "web")
    if svc is None:
        yield False, "there is a Service named web"
        return
    yield True, "there is a Service named web"
    ports = svc.spec.ports or []
    by_port = {p.port: p for p in ports}
    yield item(80 in by_port, "the Service listens on port 80", f"its ports: {sorted(by_port)}")
    if 80 in by_port:
        target = str(by_port[80].target_port)
        yield item(target == "8000", "port 80 sends traffic to port 8000 of the Pods", f"it sends to {target}")
    selector = svc.spec.selector or {}
    labels = deploy.spec.template.metadata.labels or {}
    matches = bool(selector) and all(labels.get(k) == v for k, v in selector.items())
    yield matches, f"the Service's selector {selector or '(none)'} matches the labels of web's Pods"
    endpoints = _ready_endpoints("web")
    yield item(endpoints == 2, "the Service has 2 ready endpoints", f"it has {endpoints}")


@checker(
    "services_ex2",
    hint="kds.kubectl('run', 'client', f'--image={kds.manifests.BUSYBOX_IMAGE}', '--restart=Never', "
    "'--', 'wget', '-qO-', 'http://web/')",
)
def services_ex2() -> Iterator[tuple[bool, str]]:
    """Check a finished Pod `client` that fetched http://web/ by name and got the directory listing."""
    core = client.CoreV1Api(api_client())
    pod = read_namespaced(core.read_namespaced_pod, "client")
    if pod is None:
        yield False, "there is a Pod named client"
        return
    words = " ".join(" ".join([*(c.command or []), *(c.args or [])]) for c in pod.spec.containers)
    by_name = re.search(r"://web(\.[a-z0-9.-]+)?(:\d+)?(/|\s|$)", words) is not None
    yield by_name and not _IP_URL.search(words), "client calls the Service by its name, web (not an IP)"
    phase = pod.status.phase
    yield item(phase == "Succeeded", "client ran and exited successfully", f"its phase is {phase}")
    if phase != "Succeeded":
        return
    text = core.read_namespaced_pod_log("client", effective_namespace(), _request_timeout=15)
    yield "Directory listing" in text, "client's logs hold the page web serves (a 'Directory listing')"


@checker(
    "services_ex3",
    hint="the pattern is <service>.<namespace>.svc.cluster.local; your namespace is lesson.namespace",
)
def services_ex3(answer: object = None) -> Iterator[tuple[bool, str]]:
    """Check that `answer` is the fully qualified DNS name of the Service `web`."""
    if not isinstance(answer, str):
        yield False, "pass the name as text: check('services_ex3', answer='web....')"
        return
    wanted = f"web.{effective_namespace()}.svc.cluster.local"
    given = answer.strip().rstrip(".").lower()
    yield given == wanted, f"{answer!r} is the full DNS name of the Service web"
