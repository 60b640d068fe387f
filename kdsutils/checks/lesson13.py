"""Checks for lesson 13, Deployments: scale one to three replicas, roll a change out and back."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kubernetes import client
from kubernetes.client import ApiException

from kdsutils.checks import checker
from kdsutils.kube import api_client, effective_namespace

REVISION = "deployment.kubernetes.io/revision"


def _deployment(name: str) -> Any:
    """Return the Deployment `name` of the current namespace, or None when there is none."""
    try:
        return client.AppsV1Api(api_client()).read_namespaced_deployment(
            name, effective_namespace(), _request_timeout=15
        )
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


def _env(template: Any) -> dict[str, str]:
    """Return the plain environment variables of a pod template's containers."""
    return {var.name: var.value for c in template.spec.containers for var in c.env or [] if var.value is not None}


def _replica_sets(owner: str) -> list[Any]:
    """Return the ReplicaSets that the Deployment `owner` made (one per revision it keeps)."""
    found = client.AppsV1Api(api_client()).list_namespaced_replica_set(effective_namespace(), _request_timeout=15)
    return [
        rs
        for rs in found.items
        if any(ref.kind == "Deployment" and ref.name == owner for ref in rs.metadata.owner_references or [])
    ]


def _rolled_out(deploy: Any) -> bool:
    status, wanted = deploy.status, deploy.spec.replicas
    return (
        (status.observed_generation or 0) >= (deploy.metadata.generation or 0)
        and (status.updated_replicas or 0) == wanted
        and (status.replicas or 0) == wanted
        and (status.available_replicas or 0) == wanted
    )


@checker(
    "deployments_ex1",
    hint="create it (a YAML file and kubectl apply -f, or kds.apply(kds.manifests.deployment(...))), "
    "then kubectl scale deployment api --replicas=3 and wait for kubectl rollout status deployment/api",
)
def deployments_ex1() -> Iterator[tuple[bool, str]]:
    """Check that a Deployment `api` wants three replicas and has three ready."""
    deploy = _deployment("api")
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
    hint="kubectl set env deployment/api MODEL_VERSION=v2, kubectl rollout status deployment/api, "
    "then kubectl rollout undo deployment/api; kubectl rollout history deployment/api shows the revisions",
)
def deployments_ex2() -> Iterator[tuple[bool, str]]:
    """Check that `api` rolled out MODEL_VERSION=v2 and was rolled back to the template before it."""
    deploy = _deployment("api")
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
