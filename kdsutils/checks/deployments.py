"""Checks of the topic "deployments" (lesson 13): scale one to three replicas, roll a change out and back."""

from __future__ import annotations

from collections.abc import Iterator

from kubernetes import client

from kdsutils.checks._kit import TIMEOUT, Item, apps, checker, owned_by, read_or_none
from kdsutils.kube import effective_namespace

REVISION = "deployment.kubernetes.io/revision"


def _env(template: client.V1PodTemplateSpec) -> dict[str, str]:
    """Return the plain environment variables of a pod template's containers."""
    return {var.name: var.value for c in template.spec.containers for var in c.env or [] if var.value is not None}


def _replica_sets(owner: str) -> list[client.V1ReplicaSet]:
    """Return the ReplicaSets that the Deployment `owner` made (one per revision it keeps)."""
    found = apps().list_namespaced_replica_set(effective_namespace(), _request_timeout=TIMEOUT)
    return [rs for rs in found.items if owned_by(rs, "Deployment", owner)]


def _rolled_out(deploy: client.V1Deployment) -> bool:
    status, wanted = deploy.status, deploy.spec.replicas
    return (
        (status.observed_generation or 0) >= (deploy.metadata.generation or 0)
        and (status.updated_replicas or 0) == wanted
        and (status.replicas or 0) == wanted
        and (status.available_replicas or 0) == wanted
    )


@checker(
    "deployments_ex1",
    hints=(
        "A Deployment keeps N copies of a Pod running: create it with one copy, then change N to three.",
        "Lesson 13, 'A small model API' and 'Scaling': the `create deployment` verb (or a manifest and "
        "`apply`), then the `scale` verb with --replicas, and `rollout status` to wait for the Pods.",
        "`kubectl create deployment api --image=$PYTHON_DS_IMAGE --replicas=1 -n $namespace "
        "-- python3 -m http.server 8000`, then `kubectl scale deployment api --replicas=3 -n $namespace` "
        "and `kubectl rollout status deployment/api -n $namespace`",
    ),
)
def deployments_ex1() -> Iterator[Item]:
    """Check that a Deployment `api` wants three replicas and has three ready.

    Examples:
        >>> check("deployments_ex1")  # doctest: +SKIP
        ✔ Well done: deployments_ex1 passes.
          ✔ there is a Deployment named api
    """
    deploy = read_or_none(apps().read_namespaced_deployment, "api")
    if deploy is None:
        yield False, f"there is a Deployment named api in namespace {effective_namespace()}"
        return
    yield True, "there is a Deployment named api"
    wanted = deploy.spec.replicas
    yield wanted == 3, f"it asks for 3 replicas (spec.replicas is {wanted})"
    ready = deploy.status.ready_replicas or 0
    yield (
        ready == 3,
        "3 of its Pods are ready" + ("" if ready == 3 else f" ({ready} are; give it a few seconds, then check again)"),
    )


@checker(
    "deployments_ex2",
    hints=(
        "Change one environment variable, let the Deployment roll the change out, then go back to the "
        "version before.",
        "Lesson 13, 'Rolling out a new version' and 'Rolling back': the `set env` verb changes the Pod "
        "template; `rollout status`, `rollout history` and `rollout undo` do the rest.",
        "`kubectl set env deployment/api MODEL_VERSION=v2 -n $namespace`, "
        "`kubectl rollout status deployment/api -n $namespace`, then "
        "`kubectl rollout undo deployment/api -n $namespace`; "
        "`kubectl rollout history deployment/api -n $namespace` shows the revisions",
    ),
)
def deployments_ex2() -> Iterator[Item]:
    """Check that `api` rolled out MODEL_VERSION=v2 and was rolled back to the template before it.

    Examples:
        >>> check("deployments_ex2")  # doctest: +SKIP
        ✔ Well done: deployments_ex2 passes.
          ✔ there is a Deployment named api
    """
    deploy = read_or_none(apps().read_namespaced_deployment, "api")
    if deploy is None:
        yield False, "there is a Deployment named api (do exercise deployments_ex1 first)"
        return
    yield True, "there is a Deployment named api"
    changed = [rs for rs in _replica_sets("api") if _env(rs.spec.template).get("MODEL_VERSION") == "v2"]
    yield bool(changed), "a change setting MODEL_VERSION=v2 was rolled out (a ReplicaSet of api has it)"
    if not changed:
        return
    now = _env(deploy.spec.template).get("MODEL_VERSION")
    yield (
        now != "v2",
        (
            "api runs its earlier Pod template again: it was rolled back"
            if now != "v2"
            else "api runs its earlier Pod template again (it still sets MODEL_VERSION=v2: roll it back)"
        ),
    )
    revision = int((deploy.metadata.annotations or {}).get(REVISION, "0"))
    yield (
        revision >= 3,
        (
            f"the rollback is recorded as a new revision (revision {revision})"
            if revision >= 3
            else f"the rollback is recorded as a new revision (api is at revision {revision}; "
            "a change and a rollback make it 3 or more)"
        ),
    )
    yield _rolled_out(deploy), "the rollout has finished: every Pod runs the current template and is available"
