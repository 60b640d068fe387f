"""Checks of the topic "unreachable" (lab 36): a Service that answers nobody, answering again.

Each check asks the Service for ``/health`` itself, from inside the cluster: through the API
server's proxy (``kubectl get --raw /api/v1/namespaces/NS/services/churn-api:8000/proxy/health``),
which picks a ready endpoint of the Service and connects to the Pod's IP on the target port,
as a call from another Pod does. The selector (``unreachable_ex1``), the target port
(``unreachable_ex2``) and the address the server listens on (``unreachable_ex3``) must all be
right for an answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator

from kubernetes import client
from kubernetes.client import ApiException

from kdsutils.checks._kit import (
    TIMEOUT,
    Item,
    apps,
    checker,
    core,
    item,
    read_or_none,
    ready_endpoints,
)
from kdsutils.kube import effective_namespace
from kdsutils.labs.unreachable import TYPO, WRONG_PORT

#: The Service and the Deployment of every task, and the port the dashboard calls.
API = "churn-api"
PORT = 8000
#: Addresses that only the Pod itself can reach.
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def refusal(message: str) -> str:
    """Say why a call through the API server's proxy got no answer, without Pod IPs (pure).

    Examples:
        >>> refusal('no endpoints available for service "churn-api"')
        'no ready Pod behind it took the call'
        >>> refusal("error trying to reach service: dial tcp 10.244.0.7:8080: connect: connection refused")
        'the connection was refused'
    """
    if "no endpoints available" in message:
        return "no ready Pod behind it took the call"
    if "connection refused" in message:
        return "the connection was refused"
    if "timeout" in message or "timed out" in message:
        return "the call timed out"
    return message.split(": dial tcp")[0][:120]


def health(service: str = API, port: int = PORT) -> tuple[bool, str]:
    """Ask the Service for ``GET /health`` through the API server's proxy: (answered ok, what came back)."""
    try:
        reply = core().connect_get_namespaced_service_proxy_with_path(
            f"{service}:{port}", effective_namespace(), "health", _preload_content=False, _request_timeout=TIMEOUT
        )
    except ApiException as exc:
        try:
            message = json.loads(exc.body or "{}").get("message", "")
        except ValueError:
            message = str(exc.body or exc.reason)
        return False, refusal(message or f"{exc.status} {exc.reason}")
    body = reply.data.decode("utf-8", errors="replace")
    try:
        answered = json.loads(body).get("status") == "ok"
    except (ValueError, AttributeError):
        answered = False
    return answered, "it answered" if answered else f"it answered {body[:80]!r}"


def _selects(svc: client.V1Service, deploy: client.V1Deployment) -> Item:
    """The item "its selector picks the Pods of churn-api" (pure)."""
    selector = svc.spec.selector or {}
    labels = deploy.spec.template.metadata.labels or {}
    matches = bool(selector) and all(labels.get(k) == v for k, v in selector.items())
    shown = ", ".join(f"{k}={v}" for k, v in selector.items()) or "nothing"
    return item(matches, f"its selector picks the Pods of {API}", f"it selects {shown}")


def _service_items(as_left: Callable[[client.V1Service, client.V1Deployment], bool]) -> Iterator[Item]:
    """The Service and Deployment exist, the Service picks its Pods, has a ready endpoint and answers.

    While `as_left` says the objects are as the lab left them, only the symptom is said.
    """
    svc = read_or_none(core().read_namespaced_service, API)
    yield svc is not None, f"there is a Service named {API} in {effective_namespace()}"
    if svc is None:
        return
    deploy = read_or_none(apps().read_namespaced_deployment, API)
    yield deploy is not None, f"there is a Deployment named {API} for it to send to"
    if deploy is None:
        return
    answered, seen = health()
    answers = f"it answers GET /health on port {PORT}, called from inside the cluster"
    if not answered and as_left(svc, deploy):
        yield False, f"{answers} ({seen}; the Service and the Deployment are as the team left them)"
        return
    ports = sorted(p.port for p in svc.spec.ports or [])
    yield item(PORT in ports, f"it still listens on port {PORT}, where the dashboard calls it", f"its ports: {ports}")
    yield _selects(svc, deploy)
    ready = ready_endpoints(API)
    yield item(ready >= 1, "it has a ready endpoint", "it has none")
    yield item(answered, answers, seen)


@checker(
    "unreachable_ex1",
    hints=(
        "A Service finds its Pods by their labels, and sends only to those it finds. Who is behind this one?",
        "Lesson 36 (the lab), 'How we found it': the Service's EndpointSlices (`kubectl get endpointslices -l "
        "kubernetes.io/service-name=churn-api`), its selector (`kubectl describe service`), the Pods' labels "
        "(`kubectl get pods --show-labels`); `kubectl patch service` changes the selector.",
        '`kubectl patch service churn-api -n $namespace -p \'{"spec": {"selector": {"app": "churn-api"}}}\'`',
    ),
)
def unreachable_ex1() -> Iterator[Item]:
    """Check that the Service churn-api selects the churn API's Pods again and answers /health.

    Examples:
        >>> check("unreachable_ex1")  # doctest: +SKIP
        ✔ Well done: unreachable_ex1 passes.
          ✔ there is a Service named churn-api in lesson-unreachable
    """
    yield from _service_items(lambda svc, deploy: (svc.spec.selector or {}) == {"app": TYPO})


@checker(
    "unreachable_ex2",
    hints=(
        "Its endpoints are listed and ready, so the Service finds its Pod. Follow the call one step further: "
        "to which port of the Pod does it go, and what listens there?",
        "Lesson 36 (the lab), 'What you learned': the PORTS column of `kubectl get endpointslices`, `TargetPort` in "
        "`kubectl describe service`, the container's port and the server's log; `kubectl patch service` "
        "changes the target port.",
        "`kubectl patch service churn-api -n $namespace -p "
        '\'{"spec": {"ports": [{"port": 8000, "targetPort": 8000}]}}\'`',
    ),
)
def unreachable_ex2() -> Iterator[Item]:
    """Check that the Service churn-api sends its port where the server listens, and answers /health.

    Examples:
        >>> check("unreachable_ex2")  # doctest: +SKIP
        ✔ Well done: unreachable_ex2 passes.
          ✔ there is a Service named churn-api in lesson-unreachable-ex
    """
    yield from _service_items(
        lambda svc, deploy: any(str(p.target_port) == str(WRONG_PORT) for p in svc.spec.ports or [])
    )


def _listens_everywhere(deploy: client.V1Deployment) -> Item:
    """The item "the server listens on every address of its Pod", from its settings (pure)."""
    container = deploy.spec.template.spec.containers[0]
    words = [*(container.command or []), *(container.args or [])]
    hosts = [words[i + 1] for i, word in enumerate(words[:-1]) if word == "--host"]
    hosts += [word.partition("=")[2] for word in words if word.startswith("--host=")]
    hosts += [env.value for env in container.env or [] if env.name == "HOST" and env.value]
    local = [host for host in hosts if host in LOOPBACK]
    seen = f"it is told to listen on {local[0]}" if local else ""
    return item(not local, "the server listens on every address of its Pod", seen)


def _unchanged(svc: client.V1Service | None, deploy: client.V1Deployment) -> bool:
    """Whether the Deployment's spec is as it was created (its generation is still 1) (pure)."""
    return (deploy.metadata.generation or 1) <= 1


@checker(
    "unreachable_ex3",
    hints=(
        "Ready is what the readiness probe says, and this probe runs inside the container. Where does the "
        "server listen, and who can reach that address?",
        "Lesson 36 (the lab), 'What you learned': the server's log (`kubectl logs deployment/churn-api`), its "
        "environment (`kubectl set env deployment/churn-api --list`), its readiness probe (`kubectl get deployment "
        "churn-api -o yaml`); an address only the container itself can reach is no use to a Service.",
        "`kubectl set env deployment/churn-api HOST- -n $namespace` (or HOST=0.0.0.0), then "
        "`kubectl rollout status deployment/churn-api -n $namespace`",
    ),
)
def unreachable_ex3() -> Iterator[Item]:
    """Check that the churn API listens on every address of its Pod, so that its Service answers /health.

    Until the Deployment is changed, the check says only that the Service answers nobody.

    Examples:
        >>> check("unreachable_ex3")  # doctest: +SKIP
        ✔ Well done: unreachable_ex3 passes.
          ✔ there is a Service named churn-api in lesson-unreachable-ex
    """
    yield from _service_items(_unchanged)
    deploy = read_or_none(apps().read_namespaced_deployment, API)
    if deploy is not None and not _unchanged(None, deploy):
        yield _listens_everywhere(deploy)
