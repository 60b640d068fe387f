"""Lab 35, CreateContainerConfigError: a setting or a credential the Pod names is not there.

The churn API gets its decision threshold from the ConfigMap ``churn-config`` and a login
from the Secret ``warehouse``. Three ways a name in the Pod template points at nothing: the
Deployment asks the Secret for a key it does not hold (``configerror``), for a ConfigMap that
does not exist (``configerror-configmap``), and a mounted ConfigMap's ``items`` name a key
it does not hold, so the volume never mounts (``configerror-mount``).
"""

from __future__ import annotations

import time
from typing import Any

from kdsutils._run import run
from kdsutils.errors import KdsError
from kdsutils.labs import Step, live_pod, scenario
from kdsutils.labs._example import API, TEAM, churn_api, dump
from kdsutils.resources import wait

#: The team's settings, as lesson 15 made them: the decision threshold product asked for.
SETTINGS = "churn-config"
THRESHOLD = "0.7"
#: The ConfigMap ``configerror-configmap`` names instead (the naming guide's new name, never created).
RENAMED = "churn-settings"
#: The warehouse login the platform team put in a Secret, and the key it keeps the password under.
WAREHOUSE = "warehouse"
USERNAME = "churn-api"
PASSWORD_KEY = "db-password"
#: Not a real credential: the Secret of the lab needs some value.
PASSWORD = "n0t-a-real-password"
#: The key the Deployment of ``configerror`` asks for.
ASKED_KEY = "password"
#: Where the server of ``configerror-mount`` reads its threshold from, and the key its volume asks for.
THRESHOLD_FILE = "/etc/churn/threshold"
ASKED_ITEM = "decision-threshold"


def settings() -> dict[str, Any]:
    """The ConfigMap with the team's threshold (pure).

    Examples:
        >>> settings()["data"]
        {'threshold': '0.7'}
    """
    meta = {"name": SETTINGS, "labels": dict(TEAM)}
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": {"threshold": THRESHOLD}}


def warehouse() -> dict[str, Any]:
    """The Secret with the warehouse login, as the platform team made it (pure).

    Examples:
        >>> sorted(warehouse()["stringData"])
        ['db-password', 'username']
    """
    meta = {"name": WAREHOUSE, "labels": dict(TEAM)}
    data = {"username": USERNAME, PASSWORD_KEY: PASSWORD}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": meta, "type": "Opaque", "stringData": data}


def _key(kind: str, name: str, key: str) -> dict[str, Any]:
    """A variable's ``valueFrom``: one key of a ConfigMap (`kind` "configMap") or a Secret ("secret") (pure)."""
    return {f"{kind}KeyRef": {"name": name, "key": key}}


def _stuck(reason: str) -> Step:
    """A settle step: wait until the churn API's first Pod waits with `reason`."""

    def settle(namespace: str) -> None:
        pod = live_pod(f"app={API}", namespace)
        path = "{.status.containerStatuses[0].state.waiting.reason}"
        wait("pod", pod, for_=f"jsonpath={path}={reason}", namespace=namespace, timeout=120)

    return settle


def _mount_failed(namespace: str, *, timeout: float = 120) -> None:
    """Wait until the kubelet has said why it cannot mount the churn API's settings volume (the missing key).

    A busy kubelet may first report passing trouble (a cache not yet synced); that is not the symptom.

    Raises:
        KdsError: when no such FailedMount event shows within `timeout` seconds.
    """
    pod = live_pod(f"app={API}", namespace)
    args = ["kubectl", "get", "events", "-n", namespace, "-o", "jsonpath={.items[*].message}",
            f"--field-selector=involvedObject.name={pod},reason=FailedMount"]  # fmt: skip
    deadline, pause = time.monotonic() + timeout, 0.5
    while "references non-existent" not in run(args, timeout=30).stdout:
        if time.monotonic() > deadline:
            raise KdsError(
                f"Pod {pod} reported no FailedMount event naming the missing key within {timeout:g} s.",
                fix=f"look at its events: `kubectl events -n {namespace} --for pod/{pod}`",
            )
        time.sleep(pause)
        pause = min(pause * 1.5, 5)


@scenario(
    "configerror",
    message=(
        'A message from Priya, on the retention team: "From next week the churn API logs its predictions to the '
        "warehouse, so today I gave it the warehouse login from the Secret the platform team made for us. Since "
        "then its new Pod never starts. It does not crash, it is not Pending, and there is not a single log "
        'line. The threshold part has worked for weeks. Can you see what is wrong?"'
    ),
    settle=_stuck("CreateContainerConfigError"),
)
def configerror() -> str:
    """The churn API asks the Secret for the key ``password``; the Secret keeps it as ``db-password``."""
    env = {
        "THRESHOLD": _key("configMap", SETTINGS, "threshold"),
        "WAREHOUSE_USER": _key("secret", WAREHOUSE, "username"),
        "WAREHOUSE_PASSWORD": _key("secret", WAREHOUSE, ASKED_KEY),
    }
    return dump(settings(), warehouse()) + "---\n" + churn_api(env=env)


@scenario(
    "configerror-configmap",
    message=(
        'A message from Alex, on the growth team: "I tidied our manifests to follow the new naming guide, '
        "and the churn API has not come back since. Its Pod just says it cannot start. The settings are "
        'there, I can see our ConfigMap in the namespace. What did I miss?"'
    ),
    settle=_stuck("CreateContainerConfigError"),
)
def configerror_configmap() -> str:
    """The churn API reads its threshold from a ConfigMap named after the guide, which nobody created."""
    return dump(settings()) + "---\n" + churn_api(env={"THRESHOLD": _key("configMap", RENAMED, "threshold")})


@scenario(
    "configerror-mount",
    message=(
        'A message from Priya: "Lesson 15 said a mounted file follows a changed ConfigMap without a restart, so '
        "I switched the churn API to read its threshold from a file. The new Pod has said ContainerCreating "
        'for twenty minutes now, and `kubectl logs` has nothing. Is the node slow today?"'
    ),
    settle=_mount_failed,
)
def configerror_mount() -> str:
    """The churn API mounts churn-config with ``items`` naming a key the ConfigMap does not hold."""
    volume = {"name": "settings", "configMap": {"name": SETTINGS, "items": [{"key": ASKED_ITEM, "path": "threshold"}]}}
    server = churn_api(
        container_fields={
            "args": ["--threshold-file", THRESHOLD_FILE],
            "volumeMounts": [{"name": "settings", "mountPath": THRESHOLD_FILE.rpartition("/")[0], "readOnly": True}],
        },
        pod_fields={"volumes": [volume]},
    )
    return dump(settings()) + "---\n" + server
