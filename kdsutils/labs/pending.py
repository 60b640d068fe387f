"""Lab 34, Pending: a Pod the scheduler cannot place, read from its FailedScheduling event.

Three ways the running example waits for ever without a single log line: the churn API asks
for more memory than any laptop has (``pending``), for a GPU the cluster does not have
(``pending-gpu``), and the training Job's claim names a StorageClass that does not exist
(``pending-storage``).
"""

from __future__ import annotations

import copy

from kdsutils.labs import Step, live_pod, scenario
from kdsutils.labs._example import API, RESOURCES, churn_api, dump, job
from kdsutils.resources import wait

#: What the production manifest asks for: a machine far larger than any laptop or small node.
PRODUCTION_MEMORY = "200Gi"
#: The StorageClass of the production cluster, which the course cluster does not have.
MISSING_CLASS = "fast-ssd"
#: The extended resource a GPU node offers through its device plugin.
GPU = "nvidia.com/gpu"
#: Where the training Job of ``pending-storage`` saves the model, on the claim `models`.
SAVED_AT = "/models/model.joblib"


def _unscheduled(selector: str) -> Step:
    """A settle step: wait until the first Pod of `selector` has been refused by the scheduler."""

    def settle(namespace: str) -> None:
        pod = live_pod(selector, namespace, oldest=True)
        wait("pod", pod, for_="condition=PodScheduled=False", namespace=namespace, timeout=120)

    return settle


def _resources(**extra: dict[str, str]) -> dict[str, dict[str, str]]:
    """The team's resources, with `extra` merged into ``requests`` and ``limits`` (pure).

    Examples:
        >>> _resources(limits={"nvidia.com/gpu": "1"})["limits"]
        {'memory': '256Mi', 'nvidia.com/gpu': '1'}
    """
    merged = copy.deepcopy(RESOURCES)
    for key, values in extra.items():
        merged.setdefault(key, {}).update(values)
    return merged


@scenario(
    "pending",
    message=(
        'A message from Alex, on the platform side of the growth team: "I deployed the churn API to the '
        "dev cluster with the manifest we run in production, so that both are the same. It has been Pending "
        'for ten minutes now, and `kubectl logs` prints nothing at all. Is the cluster broken?"'
    ),
    settle=_unscheduled(f"app={API}"),
)
def pending() -> str:
    """The churn API with production's resources: 200Gi of memory, requested and as limit."""
    production = _resources(requests={"memory": PRODUCTION_MEMORY}, limits={"memory": PRODUCTION_MEMORY})
    return churn_api(container_fields={"resources": production})


@scenario(
    "pending-gpu",
    message=(
        'A message from Priya: "The inference team says the churn API answers faster on a GPU, so I gave it '
        "one, like their services have. Since then the new version never comes up: the Pod just sits there. "
        'What am I missing?"'
    ),
    settle=_unscheduled(f"app={API}"),
)
def pending_gpu() -> str:
    """The churn API with a GPU in its limits (which is also its request, for a device)."""
    return churn_api(container_fields={"resources": _resources(limits={GPU: "1"})})


_CLAIM = {
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": {"name": "models", "labels": {"team": "growth"}},
    "spec": {
        "accessModes": ["ReadWriteOnce"],
        "storageClassName": MISSING_CLASS,
        "resources": {"requests": {"storage": "100Mi"}},
    },
}


@scenario(
    "pending-storage",
    message=(
        'A message from Sam: "I copied our training Job and its volume claim from the production repo to '
        "save the model on a disk of its own. The Job was created fine, but it has not trained anything: "
        'no logs, nothing, for an hour. The same files work in production!"'
    ),
    settle=_unscheduled("job-name=train"),
)
def pending_storage() -> str:
    """The training Job writes to the claim `models`, whose StorageClass exists only in production."""
    train = job(
        "train",
        ["python", "-m", "churn.train", "--out", SAVED_AT],
        volumeMounts=[{"name": "models", "mountPath": "/models"}],
        pod_fields={"volumes": [{"name": "models", "persistentVolumeClaim": {"claimName": "models"}}]},
    )
    return dump(_CLAIM, train)
