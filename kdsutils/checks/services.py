"""Checks of the topic "services" (lesson 14): a Service in front of a Deployment, reached by its DNS name."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kdsutils.checks._kit import (
    TIMEOUT,
    Item,
    apps,
    checker,
    command_text,
    core,
    discovery,
    finished,
    item,
    missing_text,
    pod_log,
    read_or_none,
)
from kdsutils.kube import effective_namespace

_IP_URL = re.compile(r"://\d{1,3}(\.\d{1,3}){3}")


def _ready_endpoints(service: str) -> int:
    slices = discovery().list_namespaced_endpoint_slice(
        effective_namespace(), label_selector=f"kubernetes.io/service-name={service}", _request_timeout=TIMEOUT
    )
    return sum(
        1
        for piece in slices.items
        for endpoint in piece.endpoints or []
        if endpoint.conditions is None or endpoint.conditions.ready is not False
    )


@checker(
    "services_ex1",
    hints=(
        "A Service gives the Pods of a Deployment one stable address: it selects them by their labels "
        "and forwards its own port to theirs.",
        "Lesson 14, 'A small model API to talk to' and the section on `expose`: a Deployment with two "
        "replicas, then a Service whose --port is 80 and --target-port 8000; its endpoints show who is "
        "behind it.",
        "`kubectl create deployment web --image=$PYTHON_DS_IMAGE --replicas=2 -n $namespace "
        "-- python3 -m http.server 8000`, then "
        "`kubectl expose deployment web --port=80 --target-port=8000 -n $namespace`",
    ),
)
def services_ex1() -> Iterator[Item]:
    """Check a 2-replica Deployment `web` and a Service `web` on port 80 that reaches its Pods on 8000.

    Examples:
        >>> check("services_ex1")  # doctest: +SKIP
        ✔ Well done: services_ex1 passes.
          ✔ Deployment web has 2 ready replicas
    """
    deploy = read_or_none(apps().read_namespaced_deployment, "web")
    if deploy is None:
        yield False, "there is a Deployment named web"
        return
    ready = deploy.status.ready_replicas or 0
    yield item(ready == 2, "Deployment web has 2 ready replicas", f"it has {ready}")
    svc = read_or_none(core().read_namespaced_service, "web")
    if svc is None:
        yield False, "there is a Service named web"
        return
    yield True, "there is a Service named web"
    by_port = {p.port: p for p in svc.spec.ports or []}
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
    hints=(
        "Inside the cluster a Service's name is a DNS name: another Pod can fetch http://web/ by it.",
        "Lesson 14, 'Calling the model by name, from another Pod': `run` a busybox Pod that never "
        "restarts, with wget's -qO- options and the URL after `--`; its `logs` hold the page.",
        "`kubectl run client --image=$BUSYBOX_IMAGE --restart=Never -n $namespace -- wget -qO- http://web/`, "
        "then `kubectl logs client -n $namespace`",
    ),
)
def services_ex2() -> Iterator[Item]:
    """Check a finished Pod `client` that fetched http://web/ by name and got the directory listing.

    Examples:
        >>> check("services_ex2")  # doctest: +SKIP
        ✔ Well done: services_ex2 passes.
          ✔ client calls the Service by its name, web (not an IP)
    """
    pod = read_or_none(core().read_namespaced_pod, "client")
    if pod is None:
        yield False, "there is a Pod named client"
        return
    words = command_text(pod)
    by_name = re.search(r"://web(\.[a-z0-9.-]+)?(:\d+)?(/|\s|$)", words) is not None
    yield by_name and not _IP_URL.search(words), "client calls the Service by its name, web (not an IP)"
    ran = finished(pod)
    yield ran
    if not ran[0]:
        return
    yield "Directory listing" in pod_log("client"), "client's logs hold the page web serves (a 'Directory listing')"


@checker(
    "services_ex3",
    hints=(
        "A name that works from any namespace spells out the Service, its namespace and the cluster's domain.",
        "Lesson 14, 'Calling the model by name, from another Pod': the pattern is "
        "<service>.<namespace>.svc.cluster.local; your namespace is lesson.namespace.",
        "full_name = 'web.$namespace.svc.cluster.local', that is f'web.{lesson.namespace}.svc.cluster.local'",
    ),
)
def services_ex3(answer: object = None) -> Iterator[Item]:
    """Check that `answer` is the fully qualified DNS name of the Service `web`.

    Examples:
        >>> check("services_ex3", answer="web.lesson-services-ex.svc.cluster.local")  # doctest: +SKIP
        ✔ Well done: services_ex3 passes.
          ✔ 'web.lesson-services-ex.svc.cluster.local' is the full DNS name of the Service web
    """
    problem = missing_text("services_ex3", answer, "'web....'")
    if problem is not None:
        yield problem
        return
    wanted = f"web.{effective_namespace()}.svc.cluster.local"
    given = str(answer).strip().rstrip(".").lower()
    yield given == wanted, f"{answer!r} is the full DNS name of the Service web"
