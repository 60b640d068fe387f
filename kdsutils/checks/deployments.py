"""Checks of the topic "deployments" (lesson 13): the churn model server as a Deployment.

Write it with a readiness probe, scale it, roll a version out and back (``deployments_ex1``);
change its threshold from a terminal (``deployments_ex2``); find why a canary never gets
ready (``deployments_ex3``).
"""

from __future__ import annotations

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
    item,
    owned_by,
    pod_ready,
    read_or_none,
    rollout,
)
from kdsutils.kube import effective_namespace

REVISION = "deployment.kubernetes.io/revision"
SERVER = re.compile(r"-m\s+churn\.serve(\s|$)")


def _env(template: Any) -> dict[str, str]:
    """Return the plain environment variables of the containers of a Pod or a Pod template."""
    return {var.name: var.value for c in template.spec.containers for var in c.env or [] if var.value is not None}


def _same_number(text: str | None, wanted: float) -> bool:
    """Tell whether `text` is the number `wanted` (``"0.30"`` is 0.3), without raising."""
    try:
        return text is not None and float(text) == wanted
    except ValueError:
        return False


def _replica_sets(owner: str) -> list[client.V1ReplicaSet]:
    """Return the ReplicaSets that the Deployment `owner` made (one per revision it keeps)."""
    found = apps().list_namespaced_replica_set(effective_namespace(), _request_timeout=TIMEOUT)
    return [rs for rs in found.items if owned_by(rs, "Deployment", owner)]


def _rolled_out(deploy: client.V1Deployment) -> bool:
    """Tell whether every wanted replica runs the current template and is ready."""
    return rollout(deploy)[0]


def probe_item(template: client.V1PodTemplateSpec, *, port: int | None) -> Item:
    """Return the item "its Pods have a readiness probe on GET /health" (on `port`, unless None) (pure)."""
    where = "" if port is None else f", port {port}"
    text = f"its Pods have a readiness probe on GET /health{where}"
    probes = [(c, c.readiness_probe.http_get) for c in template.spec.containers if c.readiness_probe]
    asks = [(c, get) for c, get in probes if get is not None]
    if not asks:
        return item(False, text, "there is none" if not probes else "it is not an HTTP GET")
    container, get = asks[0]
    named = {p.name: p.container_port for p in container.ports or [] if p.name}
    asked = named.get(get.port, get.port)
    right_port = port is None or str(asked) == str(port)
    seen = f"it asks GET {get.path} on port {get.port}"
    return item(get.path == "/health" and right_port, text, seen)


@checker(
    "deployments_ex1",
    hints=(
        "Write the Deployment with one copy of the model server and a probe that says when its model "
        "is loaded; then change the number of copies, roll out a second version, and go back to the first.",
        "Lesson 13, 'Writing the Deployment', 'Scaling', 'Rolling out a new version' and 'Rolling back': "
        "`create deployment` with --dry-run=client -o yaml, a `readinessProbe` with `httpGet`, then the "
        "verbs `scale`, `set env`, `rollout history` and `rollout undo`.",
        "`kubectl create deployment churn-api --image=$PYTHON_DS_IMAGE --port=8000 --replicas=1 -n $namespace "
        "--dry-run=client -o yaml -- python -m churn.serve > churn-api.yaml`; under the container add "
        "`readinessProbe: {httpGet: {path: /health, port: 8000}}`; then "
        "`kubectl apply -f churn-api.yaml -n $namespace`, "
        "`kubectl scale deployment churn-api --replicas=3 -n $namespace`, "
        "`kubectl set env deployment/churn-api VERSION=v2 C=0.1 -n $namespace`, "
        "`kubectl rollout status deployment/churn-api -n $namespace`, "
        "`kubectl rollout undo deployment/churn-api -n $namespace`",
    ),
)
def deployments_ex1() -> Iterator[Item]:
    """Check `churn-api`: the model server with a probe, 3 replicas, a v2 rolled out and rolled back.

    Examples:
        >>> check("deployments_ex1")  # doctest: +SKIP
        ✔ Well done: deployments_ex1 passes.
          ✔ there is a Deployment named churn-api
    """
    deploy = read_or_none(apps().read_namespaced_deployment, "churn-api")
    if deploy is None:
        yield False, f"there is a Deployment named churn-api in namespace {effective_namespace()}"
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
    wanted = deploy.spec.replicas
    yield item(wanted == 3, "it asks for 3 replicas", f"spec.replicas is {wanted}")
    changed = [
        rs
        for rs in _replica_sets("churn-api")
        if _env(rs.spec.template).get("VERSION") == "v2" and _same_number(_env(rs.spec.template).get("C"), 0.1)
    ]
    yield bool(changed), "a version 2 setting VERSION=v2 and C=0.1 was rolled out (a ReplicaSet of churn-api has it)"
    if not changed:
        return
    now = _env(template)
    left = [f"VERSION={now['VERSION']}"] if now.get("VERSION") == "v2" else []
    left += [f"C={now['C']}"] if _same_number(now.get("C"), 0.1) else []
    yield item(
        not left,
        "it was rolled back: its template is the one from before version 2",
        f"it still sets {' and '.join(left)}: roll back to the revision before version 2",
    )
    revision = int((deploy.metadata.annotations or {}).get(REVISION, "0"))
    yield item(
        revision >= 3,
        "the rollback is recorded as a new revision",
        f"it is at revision {revision}; a change and a rollback make it 3 or more",
    )
    ready = deploy.status.available_replicas or 0
    yield item(
        _rolled_out(deploy),
        "the rollout has finished: every Pod runs the current template and is ready",
        f"{ready} of {wanted} are available; give it a few seconds, then check again",
    )


@checker(
    "deployments_ex2",
    hints=(
        "An environment variable is part of the Pod template: changing it rolls out new Pods, and the "
        "change is done when every ready Pod runs the new template.",
        "Lesson 13, 'Rolling out a new version': the `set env` verb changes the template, and "
        "`rollout status` follows the rollout until it ends.",
        "`kubectl set env deployment/churn-api THRESHOLD=0.3 -n $namespace`, then "
        "`kubectl rollout status deployment/churn-api -n $namespace`",
    ),
)
def deployments_ex2() -> Iterator[Item]:
    """Check that `churn-api`'s template sets THRESHOLD=0.3 and every ready replica runs it.

    Examples:
        >>> check("deployments_ex2")  # doctest: +SKIP
        ✔ Well done: deployments_ex2 passes.
          ✔ its Pod template sets THRESHOLD=0.3
    """
    deploy = read_or_none(apps().read_namespaced_deployment, "churn-api")
    if deploy is None:
        yield False, "there is a Deployment named churn-api (do exercise deployments_ex1 first)"
        return
    threshold = _env(deploy.spec.template).get("THRESHOLD")
    yield item(
        _same_number(threshold, 0.3),
        "its Pod template sets THRESHOLD=0.3",
        "it does not set THRESHOLD" if threshold is None else f"it sets THRESHOLD={threshold}",
    )
    selector = ",".join(f"{k}={v}" for k, v in (deploy.spec.selector.match_labels or {}).items())
    pods = core().list_namespaced_pod(effective_namespace(), label_selector=selector, _request_timeout=TIMEOUT).items
    ready = [pod for pod in pods if pod_ready(pod)]
    stale = [pod for pod in ready if not _same_number(_env(pod).get("THRESHOLD"), 0.3)]
    wanted = deploy.spec.replicas
    if stale:
        seen = f"{len(stale)} ready Pod(s) still run without it; the rollout is not over"
    else:
        seen = f"{len(ready)} of {wanted} are ready"
    yield item(
        not stale and len(ready) == wanted,
        f"all {wanted} ready replicas run with THRESHOLD=0.3",
        seen,
    )
    yield item(
        _rolled_out(deploy),
        "the rollout has finished",
        "some Pods do not run the current template yet, or are not ready",
    )


@checker(
    "deployments_ex3",
    hints=(
        "The Pod runs but never counts as ready: find what decides that, and compare what it asks "
        "with what the server actually does.",
        "Lesson 13, 'Writing the Deployment' (the readiness probe) and 'A rollout that goes wrong': "
        "`get pods`, the `logs` (which port does the server use?), and the Events at the end of `describe pod`.",
        "`kubectl describe pod -l app=churn-api-canary -n $namespace` shows the probe failing on port 8080 "
        "while the server listens on 8000; fix the template with "
        "`kubectl patch deployment churn-api-canary -n $namespace -p "
        '\'{"spec": {"template": {"spec": {"containers": [{"name": "churn-api", '
        '"readinessProbe": {"httpGet": {"port": 8000}}}]}}}}\'` '
        "(or `kubectl edit deployment churn-api-canary -n $namespace` in a terminal)",
    ),
)
def deployments_ex3() -> Iterator[Item]:
    """Check that `churn-api-canary` keeps its readiness probe on /health and is fully available.

    Examples:
        >>> check("deployments_ex3")  # doctest: +SKIP
        ✔ Well done: deployments_ex3 passes.
          ✔ there is a Deployment named churn-api-canary
    """
    deploy = read_or_none(apps().read_namespaced_deployment, "churn-api-canary")
    if deploy is None:
        yield False, "there is a Deployment named churn-api-canary (run the cell that starts it)"
        return
    yield True, "there is a Deployment named churn-api-canary"
    ok, text = probe_item(deploy.spec.template, port=None)
    if not ok:  # said only when it is wrong: a ✔ here would point at the cause before the learner finds it
        yield False, f"{text}: keep one, it is what makes ready mean the model is loaded"
    wanted = deploy.spec.replicas or 0
    yield item(wanted >= 1, "it runs at least one replica", f"spec.replicas is {wanted}")
    available = deploy.status.available_replicas or 0
    yield item(
        wanted >= 1 and _rolled_out(deploy),
        "all its replicas are ready and available: the rollout has finished",
        f"{available} of {wanted} available",
    )
