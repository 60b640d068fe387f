"""Checks of the topic "pending" (lab 34): Pods the scheduler could not place, placed.

The churn API asks for what a node can give (``pending_ex1``), drops the GPU the cluster does
not have (``pending_ex2``), and the training Job saves its model on a claim of an existing
StorageClass (``pending_ex3``).
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from kubernetes import client
from kubernetes.client import ApiException

from kdsutils.checks._kit import (
    TIMEOUT,
    Item,
    apps,
    batch,
    checker,
    core,
    item,
    job_pods,
    pod_log,
    quantity,
    read_or_none,
    rollout,
    storage,
)
from kdsutils.checks.resources import memory_of
from kdsutils.kube import effective_namespace
from kdsutils.labs.pending import GPU, MISSING_CLASS

#: The Deployment of the churn API in pending_ex1 and pending_ex2.
API = "churn-api"
#: What the training Job of pending_ex3 prints once the model is on the claim.
SAVED = "saved the model to /models/model.joblib"


def shown(value: Decimal, resource: str) -> str:
    """A quantity as a person reads it: memory in Gi or Mi, CPU in cores (pure).

    Examples:
        >>> shown(Decimal(200 * 2**30), "memory"), shown(Decimal(256 * 2**20), "memory"), shown(Decimal("0.1"), "cpu")
        ('200Gi', '256Mi', '0.1 CPU')
    """
    if resource != "memory":
        return f"{value.normalize():f} CPU"
    if value >= 2**30:
        return f"{(value / 2**30).quantize(Decimal('0.1')).normalize():f}Gi"
    return f"{(value / 2**20).quantize(Decimal('1')):f}Mi"


def _asked(container: client.V1Container, resource: str) -> Decimal | None:
    """What a container requests of `resource` (a limit alone counts as the request), or None."""
    value = memory_of(container.resources, "requests", resource) or memory_of(container.resources, "limits", resource)
    return None if value is None else quantity(value)


def _fits(deploy: client.V1Deployment) -> Iterator[Item]:
    """Say whether the template asks for memory, and whether its CPU and memory fit on the largest node."""
    containers = deploy.spec.template.spec.containers
    memory = [_asked(c, "memory") for c in containers]
    yield item(
        all(value is not None for value in memory),
        "it still asks for memory (a request), so the scheduler keeps room for it",
        "a container has no memory request",
    )
    try:
        nodes = core().list_node(_request_timeout=TIMEOUT).items
    except ApiException as exc:
        if exc.status != 403:
            raise
        nodes = []  # a workshop learner may not read nodes: the ready Pod below proves the fit
    for resource in ("memory", "cpu"):
        offered = [quantity(n.status.allocatable[resource]) for n in nodes if resource in (n.status.allocatable or {})]
        if not offered:
            continue
        total = sum((value or Decimal(0) for value in (_asked(c, resource) for c in containers)), Decimal(0))
        yield item(
            total <= max(offered),
            f"its {resource} request fits on a node",
            f"it asks for {shown(total, resource)}; the largest node offers {shown(max(offered), resource)}",
        )


def _rolled_out(deploy: client.V1Deployment) -> Iterator[Item]:
    """Say whether the rollout finished and whether any Pod of the Deployment still waits for a node."""
    done, seen = rollout(deploy)
    yield item(done, "the rollout finished: every replica runs the new template and is ready", seen)
    pods = core().list_namespaced_pod(effective_namespace(), label_selector=f"app={deploy.metadata.name}",
                                      _request_timeout=TIMEOUT).items  # fmt: skip
    waiting = [p for p in pods if p.status.phase == "Pending" and p.metadata.deletion_timestamp is None]
    yield item(not waiting, f"no Pod of {deploy.metadata.name} is Pending", f"{len(waiting)} still Pending")


#: What a check says while the Deployment is as the lab left it: the symptom, not the cause.
UNCHANGED = "the churn API runs (not yet: its Pod is Pending, and the Deployment is as the team left it)"


def _as_left(deploy: client.V1Deployment) -> bool:
    """Whether the Deployment's spec is unchanged since it was created (its generation is still 1) (pure)."""
    return (deploy.metadata.generation or 1) <= 1


@checker(
    "pending_ex1",
    hints=(
        "A Pod that never starts has no logs: the scheduler found no node for it, and says why in an event. "
        "Compare what the Pod asks for with what the node offers.",
        "Lesson 34 (the lab), 'How we found it': `kubectl describe pod` (Events: FailedScheduling), then the node's "
        "Allocatable (`kubectl describe node`) next to the container's requests; `kubectl set resources` "
        "changes them on the Deployment.",
        "`kubectl set resources deployment/churn-api -n $namespace --requests=memory=256Mi "
        "--limits=memory=256Mi`, then `kubectl rollout status deployment/churn-api -n $namespace`",
    ),
)
def pending_ex1() -> Iterator[Item]:
    """Check that churn-api asks for memory that fits on a node, and that its new Pod is ready.

    Examples:
        >>> check("pending_ex1")  # doctest: +SKIP
        ✔ Well done: pending_ex1 passes.
          ✔ there is a Deployment named churn-api in lesson-pending
    """
    deploy = read_or_none(apps().read_namespaced_deployment, API)
    yield deploy is not None, f"there is a Deployment named {API} in {effective_namespace()}"
    if deploy is None:
        return
    if _as_left(deploy):
        yield False, UNCHANGED
        return
    yield from _fits(deploy)
    yield from _rolled_out(deploy)


@checker(
    "pending_ex2",
    hints=(
        "The scheduler places a Pod only on a node that has every resource it asks for, devices included. "
        "What does this Pod ask for that no node here has?",
        "Lesson 34 (the lab), 'What you learned': the FailedScheduling event names the resource; the node's "
        "Allocatable lists what it has. In a terminal, `kubectl edit deployment` opens the manifest in your editor: "
        "remove that one resource, keep the memory.",
        "`kubectl patch deployment churn-api -n $namespace --type=json -p "
        '\'[{"op": "remove", "path": "/spec/template/spec/containers/0/resources/limits/nvidia.com~1gpu"}]\'` '
        '(or delete the line `nvidia.com/gpu: "1"` in `kubectl edit deployment churn-api -n $namespace`), '
        "then `kubectl rollout status deployment/churn-api -n $namespace`",
    ),
)
def pending_ex2() -> Iterator[Item]:
    """Check that churn-api asks for no GPU, still asks for its memory, and runs ready.

    Examples:
        >>> check("pending_ex2")  # doctest: +SKIP
        ✔ Well done: pending_ex2 passes.
          ✔ there is a Deployment named churn-api in lesson-pending-ex
    """
    deploy = read_or_none(apps().read_namespaced_deployment, API)
    yield deploy is not None, f"there is a Deployment named {API} in {effective_namespace()}"
    if deploy is None:
        return
    if _as_left(deploy):
        yield False, UNCHANGED
        return
    gpus = [_asked(c, GPU) or Decimal(0) for c in deploy.spec.template.spec.containers]
    yield item(not any(gpus), f"its template asks for no GPU ({GPU})", f"it asks for {sum(gpus):f}")
    yield from _fits(deploy)
    yield from _rolled_out(deploy)


@checker(
    "pending_ex3",
    hints=(
        "The Job's Pod waits for its volume, and the volume waits for its claim: read the claim's events. "
        "Some fields of a claim cannot change once it exists.",
        "Lesson 34 (the lab), 'What you learned': `kubectl describe pvc models` (Events), `kubectl get "
        "storageclass`. A claim's storageClassName cannot be edited: delete the claim and create it again; "
        "the Job's Pod, still Pending, starts by itself once its claim is bound.",
        "`kubectl delete pvc models -n $namespace`, then create it again with `storageClassName: standard` "
        "(or without the field, for the default), e.g. kds.apply(...) with the claim's YAML; then "
        "kds.wait('job/train', for_='condition=Complete', timeout=180)",
    ),
)
def pending_ex3() -> Iterator[Item]:
    """Check that the claim `models` is bound through an existing StorageClass and the Job saved the model on it.

    Examples:
        >>> check("pending_ex3")  # doctest: +SKIP
        ✔ Well done: pending_ex3 passes.
          ✔ there is a PersistentVolumeClaim named models in lesson-pending-ex
    """
    claim = read_or_none(core().read_namespaced_persistent_volume_claim, "models")
    yield claim is not None, f"there is a PersistentVolumeClaim named models in {effective_namespace()}"
    if claim is None:
        return
    named = claim.spec.storage_class_name
    if named == MISSING_CLASS:
        yield False, "the Job trained the model and saved it on the claim (not yet: the claim is as the team left it)"
        return
    exists = named is not None and read_or_none(storage().read_storage_class, named) is not None
    missing = f"{named} does not: `kubectl get storageclass` lists those that do" if named else "it names none"
    yield item(exists, "its StorageClass exists in this cluster", missing)
    phase = claim.status.phase if claim.status else None
    yield item(phase == "Bound", "the claim is bound to a volume", f"it is {phase or 'Pending'}")
    job = read_or_none(batch().read_namespaced_job, "train")
    yield job is not None, "there is a Job named train"
    if job is None:
        return
    volumes = [v.persistent_volume_claim.claim_name for v in job.spec.template.spec.volumes or []
               if v.persistent_volume_claim]  # fmt: skip
    yield item(volumes == ["models"], "the Job mounts the claim models", f"it mounts {volumes or 'no claim'}")
    succeeded = bool(job.status and job.status.succeeded)
    running = "it failed: `kubectl describe` shows why" if job.status and job.status.failed else "not yet"
    yield item(succeeded, "the Job completed", running)
    if not succeeded:
        return
    done = [p for p in job_pods("train") if p.status.phase == "Succeeded"]
    printed = pod_log(done[0].metadata.name) if done else ""
    yield item(SAVED in printed, f"its logs say '{SAVED}'", "they do not")
