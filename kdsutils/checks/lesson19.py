"""Checks for lesson 19, storage: a bound claim, and a model written by one Pod and loaded by another."""

from __future__ import annotations

import re
from collections.abc import Iterator
from decimal import Decimal

from kubernetes import client
from kubernetes.utils import parse_quantity

from kdsutils.checks import checker, read_or_none
from kdsutils.kube import api_client, effective_namespace
from kdsutils.resources import logs

#: What the reader Pod of storage_ex2 prints once it has loaded the model, such as "loaded LogisticRegression".
LOADED = re.compile(r"^loaded \w+", re.MULTILINE)


def claims_of(pod: client.V1Pod) -> set[str]:
    """Return the names of the PersistentVolumeClaims a Pod mounts (pure).

    Examples:
        >>> volume = client.V1Volume(
        ...     name="data", persistent_volume_claim=client.V1PersistentVolumeClaimVolumeSource(claim_name="models"))
        >>> claims_of(client.V1Pod(spec=client.V1PodSpec(containers=[], volumes=[volume])))
        {'models'}
    """
    return {
        volume.persistent_volume_claim.claim_name
        for volume in (pod.spec.volumes or [])
        if volume.persistent_volume_claim is not None
    }


def _claim_items(name: str, ns: str, size: str | None = None) -> Iterator[tuple[bool, str]]:
    claim = read_or_none(client.CoreV1Api(api_client()).read_namespaced_persistent_volume_claim, name, ns)
    yield claim is not None, f"there is a PersistentVolumeClaim named {name} in {ns}"
    if claim is None:
        return
    if size is not None:
        asked = (claim.spec.resources.requests or {}).get("storage")
        same = asked is not None and Decimal(parse_quantity(asked)) == Decimal(parse_quantity(size))
        yield same, f"it asks for {size} of storage" + ("" if same else f" (it asks for {asked})")
    phase = claim.status.phase
    if phase == "Bound":
        yield True, f"it is Bound (to {claim.spec.volume_name})"
    else:
        yield False, f"it is Bound (it is {phase}: with WaitForFirstConsumer, a claim binds once a Pod uses it)"


def _pod_items(name: str, ns: str, claim: str) -> Iterator[tuple[bool, str]]:
    pod = read_or_none(client.CoreV1Api(api_client()).read_namespaced_pod, name, ns)
    yield pod is not None, f"there is a Pod named {name}"
    if pod is None:
        return
    yield claim in claims_of(pod), f"{name} mounts the claim {claim}"
    phase = pod.status.phase
    yield phase == "Succeeded", f"{name} ran to completion" + ("" if phase == "Succeeded" else f" (it is {phase})")


@checker(
    "storage_ex1",
    hint="the default StorageClass binds a claim only when a Pod uses it: start a Pod that mounts "
    "it, for example with volumes={'/data': 'pvc/datasets'}",
)
def storage_ex1() -> Iterator[tuple[bool, str]]:
    """Check that the claim `datasets` asks for 500Mi and is Bound."""
    yield from _claim_items("datasets", effective_namespace(), size="500Mi")


@checker(
    "storage_ex2",
    hint="both Pods mount the same claim (volumes={'/artifacts': 'pvc/artifacts'}), use "
    "restart_policy='Never', and the reader prints f'loaded {type(model).__name__}'",
)
def storage_ex2() -> Iterator[tuple[bool, str]]:
    """Check that `writer` saved a model on the claim `artifacts` and `reader` loaded it from there."""
    ns = effective_namespace()
    claim = list(_claim_items("artifacts", ns))
    yield from claim
    if not all(ok for ok, _ in claim):
        return
    for name in ("writer", "reader"):
        items = list(_pod_items(name, ns, "artifacts"))
        yield from items
        if not all(ok for ok, _ in items):
            return
    # kubectl, not the Python client: its read_namespaced_pod_log returns the text as "b'...'".
    printed = logs("reader", namespace=ns, timeout=15)
    yield bool(LOADED.search(printed)), "reader printed 'loaded <the model's class name>'"
