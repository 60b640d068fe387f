"""Lab 32, CrashLoopBackOff: a Python exception at start, read from the logs of the crash before."""

from __future__ import annotations

from kdsutils.labs import first_pod, scenario
from kdsutils.labs._example import API, churn_api, dump, job
from kdsutils.resources import wait

#: Where the team's training Job saves the model, on the claim `models`.
SAVED_AT = "/models/model.joblib"
#: Where the server was told to look.
LOOKED_AT = "/models/churn.joblib"

_CLAIM = {
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": {"name": "models", "labels": {"team": "growth"}},
    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "100Mi"}}},
}
_ON_CLAIM = {"volumes": [{"name": "models", "persistentVolumeClaim": {"claimName": "models"}}]}
_MOUNT = [{"name": "models", "mountPath": "/models"}]


def crash_looping(namespace: str) -> None:
    """Wait until the training has saved the model and the server's Pod is in CrashLoopBackOff."""
    wait("job", "train", for_="condition=Complete", namespace=namespace, timeout=180)
    pod = first_pod(f"app={API}", namespace)
    wait("pod", pod, for_="jsonpath={.status.containerStatuses[0].state.waiting.reason}=CrashLoopBackOff",
         namespace=namespace, timeout=180)  # fmt: skip


@scenario(
    "crashloop",
    message=(
        'A message from Sam, who trains the churn model: "I retrained the model last night and the Job '
        "finished fine, but since then the churn API does not come up: its Pod keeps restarting. "
        "Nothing in the server's code changed. Can you see why?\""
    ),
    settle=crash_looping,
)
def crashloop() -> str:
    """The training Job saves to one file; the server is told to load another."""
    train = job("train", ["python", "-m", "churn.train", "--out", SAVED_AT], volumeMounts=_MOUNT,
                pod_fields=_ON_CLAIM)  # fmt: skip
    server = churn_api(env={"MODEL_PATH": LOOKED_AT}, container_fields={"volumeMounts": _MOUNT}, pod_fields=_ON_CLAIM)
    return dump(_CLAIM, train) + "---\n" + server
