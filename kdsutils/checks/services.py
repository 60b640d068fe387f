"""Checks of the topic "services" (lesson 14): a Service in front of the churn model server.

Put a Service in front of `churn-api` (``services_ex1``), call ``/predict`` by its DNS name
from a Pod (``services_ex2``), name it from another namespace (``services_ex3``), and find
why a colleague's Service answers nobody (``services_ex4``).
"""

from __future__ import annotations

import ast
import json
import re
from collections.abc import Iterator
from typing import Any

from kubernetes import client

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
from kdsutils.checks.deployments import SERVER, probe_item
from kdsutils.kube import effective_namespace

_IP_URL = re.compile(r"://\d{1,3}(\.\d{1,3}){3}")


def _by_name(pod: client.V1Pod, service: str) -> bool:
    """Tell whether the Pod's command calls `service` by its DNS name, and no IP address (pure)."""
    words = command_text(pod)
    named = re.search(rf"://{re.escape(service)}(\.[a-z0-9.-]+)?(:\d+)?([/\s'\"]|$)", words) is not None
    return named and not _IP_URL.search(words)


def _endpoints(service: str) -> tuple[int, set[int]]:
    """Return how many ready endpoints the Service's EndpointSlices list, and on which ports."""
    slices = discovery().list_namespaced_endpoint_slice(
        effective_namespace(), label_selector=f"kubernetes.io/service-name={service}", _request_timeout=TIMEOUT
    )
    ready = sum(
        1
        for piece in slices.items
        for endpoint in piece.endpoints or []
        if endpoint.conditions is None or endpoint.conditions.ready is not False
    )
    ports = {port.port for piece in slices.items for port in piece.ports or [] if port.port is not None}
    return ready, ports


def _target(port: client.V1ServicePort, template: client.V1PodTemplateSpec) -> str:
    """Return the container port a Service port sends to, a named target port looked up in `template` (pure)."""
    target = str(port.target_port if port.target_port is not None else port.port)
    named = {p.name: p.container_port for c in template.spec.containers for p in c.ports or [] if p.name}
    return str(named.get(target, target))


def _selects(svc: client.V1Service, deploy: client.V1Deployment) -> Item:
    """The item "the Service's selector picks the Pods of <deployment>" (pure)."""
    selector = svc.spec.selector or {}
    labels = deploy.spec.template.metadata.labels or {}
    matches = bool(selector) and all(labels.get(k) == v for k, v in selector.items())
    shown = ", ".join(f"{k}={v}" for k, v in selector.items()) or "none"
    return item(
        matches,
        f"its selector picks the Pods of {deploy.metadata.name}",
        f"it selects {shown}; the Pods are labelled {', '.join(f'{k}={v}' for k, v in labels.items())}",
    )


def _reply(log: str) -> dict[str, Any] | None:
    """Return the first answer of the model server found in a log, JSON or a printed dict (pure)."""
    found = []
    for text in [log, *log.splitlines()]:
        for parse in (json.loads, ast.literal_eval):
            try:
                value = parse(text.strip())
            except (ValueError, SyntaxError, TypeError, MemoryError, RecursionError):
                continue
            if isinstance(value, dict):
                found.append(value)
                break
    return next((answer for answer in found if "churn_probability" in answer), found[0] if found else None)


@checker(
    "services_ex1",
    hints=(
        "A Service gives the Pods of a Deployment one stable address: it selects them by their labels "
        "and forwards its own port to theirs.",
        "Lesson 13, 'Writing the Deployment', for churn-api and its readiness probe; lesson 14, "
        "'`kubectl expose`: a Service in one command', for a Service whose --port is 80 and --target-port "
        "8000. The Service's EndpointSlices show who is behind it.",
        "Lesson 13's churn-api.yaml with `replicas: 2`: `kubectl apply -f churn-api.yaml -n $namespace` "
        "(`kubectl create deployment churn-api --image=$PYTHON_DS_IMAGE --port=8000 --replicas=2 "
        "--dry-run=client -o yaml -n $namespace -- python -m churn.serve` starts such a file, without the probe), "
        "then `kubectl expose deployment churn-api --port=80 --target-port=8000 -n $namespace`",
    ),
)
def services_ex1() -> Iterator[Item]:
    """Check a 2-replica `churn-api` with a readiness probe, and a Service on port 80 that reaches it on 8000.

    Examples:
        >>> check("services_ex1")  # doctest: +SKIP
        ✔ Well done: services_ex1 passes.
          ✔ Deployment churn-api has 2 ready replicas
    """
    deploy = read_or_none(apps().read_namespaced_deployment, "churn-api")
    if deploy is None:
        yield False, "there is a Deployment named churn-api"
        return
    yield True, "there is a Deployment named churn-api"
    template = deploy.spec.template
    command = command_text(template)
    yield item(
        SERVER.search(command) is not None,
        "its Pods run the model server, python -m churn.serve",
        f"they run: {command or 'the image default'}",
    )
    yield probe_item(template, port=8000)
    ready, wanted = deploy.status.ready_replicas or 0, deploy.spec.replicas
    yield item(
        wanted == 2 and ready == 2, "Deployment churn-api has 2 ready replicas", f"{ready} ready, {wanted} wanted"
    )
    svc = read_or_none(core().read_namespaced_service, "churn-api")
    if svc is None:
        yield False, "there is a Service named churn-api"
        return
    yield True, "there is a Service named churn-api"
    by_port = {p.port: p for p in svc.spec.ports or []}
    yield item(80 in by_port, "the Service listens on port 80", f"its ports: {sorted(by_port)}")
    if 80 in by_port:
        target = _target(by_port[80], template)
        yield item(target == "8000", "port 80 sends traffic to port 8000 of the Pods", f"it sends to {target}")
    yield _selects(svc, deploy)
    endpoints, _ = _endpoints("churn-api")
    yield item(endpoints == 2, "the Service has 2 ready endpoints", f"it has {endpoints}")


@checker(
    "services_ex2",
    hints=(
        "Inside the cluster a Service's name is a DNS name: a Pod of the same namespace can send its "
        "customers to http://churn-api/predict and print the answer.",
        "Lesson 14, 'Calling the model by name, from another Pod': `run` a Pod that restarts only on failure, with "
        "busybox `wget -qO- --post-data=...` (or `python -c` and urllib in the course image), then read "
        "its `logs`. The body is one JSON object with a list of two customers.",
        "`kubectl run client --image=$BUSYBOX_IMAGE --restart=OnFailure -n $namespace -- wget -qO- "
        '--post-data=\'{"customers": [{"tenure_months": 40, "monthly_fee": 19.99, "support_calls": 0, '
        '"late_payments": 0, "plan": "premium"}, {"tenure_months": 3, "monthly_fee": 8.99, '
        '"support_calls": 3, "late_payments": 1, "plan": "basic"}]}\' http://churn-api/predict`, '
        "then `kubectl logs client -n $namespace`",
    ),
)
def services_ex2() -> Iterator[Item]:
    """Check a finished Pod `client` that POSTed two customers to churn-api by name and got their probabilities.

    Examples:
        >>> check("services_ex2")  # doctest: +SKIP
        ✔ Well done: services_ex2 passes.
          ✔ client calls the Service by its name, churn-api (not an IP)
    """
    pod = read_or_none(core().read_namespaced_pod, "client")
    if pod is None:
        yield False, "there is a Pod named client"
        return
    yield _by_name(pod, "churn-api"), "client calls the Service by its name, churn-api (not an IP)"
    ran = finished(pod)
    yield ran
    if not ran[0]:
        return
    reply = _reply(pod_log("client"))
    answered = reply is not None and isinstance(reply.get("churn_probability"), list)
    seen = "they hold no such answer" if reply is None else f"they hold {json.dumps(reply)[:120]}"
    yield item(answered, "client's logs hold the model's answer, with churn_probability", seen)
    if answered:
        count = len(reply["churn_probability"])
        yield item(
            count == 2, "the answer covers two customers", f"it has {count} probabilit{'y' if count == 1 else 'ies'}"
        )


@checker(
    "services_ex3",
    hints=(
        "A name that works from any namespace spells out the Service, its namespace and the cluster's domain.",
        "Lesson 14, 'Calling the model by name, from another Pod': the pattern is "
        "<service>.<namespace>.svc.cluster.local; your namespace is lesson.namespace.",
        "full_name = 'churn-api.$namespace.svc.cluster.local', that is "
        "f'churn-api.{lesson.namespace}.svc.cluster.local'",
    ),
)
def services_ex3(answer: object = None) -> Iterator[Item]:
    """Check that `answer` is the fully qualified DNS name of the Service `churn-api`.

    Examples:
        >>> check("services_ex3", answer="churn-api.lesson-services-ex.svc.cluster.local")  # doctest: +SKIP
        ✔ Well done: services_ex3 passes.
          ✔ 'churn-api.lesson-services-ex.svc.cluster.local' is the full DNS name of the Service churn-api
    """
    problem = missing_text("services_ex3", answer, "'churn-api....'")
    if problem is not None:
        yield problem
        return
    wanted = f"churn-api.{effective_namespace()}.svc.cluster.local"
    given = str(answer).strip().rstrip(".").lower()
    yield given == wanted, f"{answer!r} is the full DNS name of the Service churn-api"


@checker(
    "services_ex4",
    hints=(
        "A Service that answers nobody: follow a request link by link, from the Service to the Pods it picks "
        "and to the port it sends to, and compare with where the server listens.",
        "Lesson 14, 'Endpoints: who is behind the Service right now' and 'When a Service answers nobody': "
        "`get endpointslices` (the PORTS column) and `describe service` (TargetPort), next to the "
        "container's port; then a Pod `lb-client` that fetches http://churn-lb/health.",
        '`kubectl patch service churn-lb -n $namespace -p \'{"spec": {"ports": [{"port": 80, '
        '"targetPort": 8000}]}}\'`, then `kubectl delete pod lb-client -n $namespace --ignore-not-found` and '
        "`kubectl run lb-client --image=$BUSYBOX_IMAGE --restart=OnFailure -n $namespace -- wget -qO- "
        "http://churn-lb/health`",
    ),
)
def services_ex4() -> Iterator[Item]:
    """Check that `churn-lb` sends port 80 to ready churn-api Pods on 8000, and that `lb-client` got an answer.

    Examples:
        >>> check("services_ex4")  # doctest: +SKIP
        ✔ Well done: services_ex4 passes.
          ✔ there is a Service named churn-lb
    """
    svc = read_or_none(core().read_namespaced_service, "churn-lb")
    if svc is None:
        yield False, "there is a Service named churn-lb (run the cell that creates it)"
        return
    yield True, "there is a Service named churn-lb"
    ports = sorted(p.port for p in svc.spec.ports or [])
    yield item(80 in ports, "it still listens on port 80, where its clients call it", f"its ports: {ports}")
    deploy = read_or_none(apps().read_namespaced_deployment, "churn-api")
    if deploy is None:
        yield False, "there is a Deployment named churn-api for it to send to (exercise services_ex1)"
        return
    yield _selects(svc, deploy)
    ready, on = _endpoints("churn-lb")
    # Said without the port it sends to: that is what the learner is asked to find.
    yield item(
        ready >= 1 and 8000 in on,
        "its ready endpoints take requests on the port the server listens on",
        "it has no ready endpoints" if ready == 0 else "they do not",
    )
    pod = read_or_none(core().read_namespaced_pod, "lb-client")
    if pod is None:
        yield False, "a Pod named lb-client has called http://churn-lb/health"
        return
    yield _by_name(pod, "churn-lb"), "lb-client calls the Service by its name, churn-lb"
    ok, text = finished(pod)
    failed = pod.status.phase == "Failed"
    yield ok, text + ("; if it ran before your fix, delete it and run it again" if failed else "")
    if ok:
        reply = _reply(pod_log("lb-client"))
        answered = reply is not None and (reply.get("status") == "ok" or "churn_probability" in reply)
        yield answered, "lb-client's logs hold the server's answer"
