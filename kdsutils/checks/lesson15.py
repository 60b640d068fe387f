"""Checks for lesson 15, ConfigMaps and Secrets: a threshold as a variable, a password as a file."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

from kubernetes import client

from kdsutils.checks import checker
from kdsutils.checks.lesson14 import item, read_namespaced
from kdsutils.kube import api_client, effective_namespace


def _secret_value(secret: Any, key: str) -> str | None:
    encoded = (secret.data or {}).get(key)
    return None if encoded is None else base64.b64decode(encoded).decode(errors="replace")


def _takes_variable_from_configmap(container: Any, variable: str, configmap: str) -> bool:
    """Tell whether `container` gets `variable` from `configmap`, by envFrom or by env valueFrom."""
    for source in container.env_from or []:
        if source.config_map_ref is not None and source.config_map_ref.name == configmap:
            return True
    for env in container.env or []:
        ref = env.value_from.config_map_key_ref if env.value_from else None
        if env.name == variable and ref is not None and ref.name == configmap:
            return True
    return False


def _ran(pod: Any) -> tuple[bool, str]:
    phase = pod.status.phase
    return item(phase == "Succeeded", f"{pod.metadata.name} ran and exited successfully", f"its phase is {phase}")


def _logs(name: str) -> str:
    return client.CoreV1Api(api_client()).read_namespaced_pod_log(name, effective_namespace(), _request_timeout=15)


@checker(
    "config_ex1",
    hint="kds.kubectl('create', 'configmap', 'model-config', '--from-literal=THRESHOLD=0.7'), then a Pod "
    "built with env_from=['configmap/model-config'] that prints os.environ['THRESHOLD']",
)
def config_ex1() -> Iterator[tuple[bool, str]]:
    """Check a ConfigMap `model-config` with THRESHOLD=0.7 and a Pod `scorer` that prints it from its env."""
    core = client.CoreV1Api(api_client())
    configmap = read_namespaced(core.read_namespaced_config_map, "model-config")
    if configmap is None:
        yield False, "there is a ConfigMap named model-config"
        return
    value = (configmap.data or {}).get("THRESHOLD")
    yield item(value is not None and value.strip() == "0.7", "model-config sets THRESHOLD to 0.7", f"it sets {value!r}")
    pod = read_namespaced(core.read_namespaced_pod, "scorer")
    if pod is None:
        yield False, "there is a Pod named scorer"
        return
    wired = any(_takes_variable_from_configmap(c, "THRESHOLD", "model-config") for c in pod.spec.containers)
    yield wired, "scorer gets THRESHOLD from the ConfigMap model-config as an environment variable"
    ran = _ran(pod)
    yield ran
    if not ran[0]:
        return
    yield "0.7" in _logs("scorer"), "scorer's logs show the threshold 0.7"


@checker(
    "config_ex2",
    hint="kds.kubectl('create', 'secret', 'generic', 'db', '--from-literal=password=...'), then a Pod "
    "built with volumes={'/etc/db': 'secret/db'} that prints len(open('/etc/db/password').read())",
)
def config_ex2() -> Iterator[tuple[bool, str]]:
    """Check a Secret `db` mounted at /etc/db by a Pod `app` that prints the password's length only."""
    core = client.CoreV1Api(api_client())
    secret = read_namespaced(core.read_namespaced_secret, "db")
    if secret is None:
        yield False, "there is a Secret named db"
        return
    password = _secret_value(secret, "password")
    yield password is not None, "the Secret db has a key named password"
    if password is None:
        return
    pod = read_namespaced(core.read_namespaced_pod, "app")
    if pod is None:
        yield False, "there is a Pod named app"
        return
    volumes = {v.name for v in pod.spec.volumes or [] if v.secret is not None and v.secret.secret_name == "db"}
    mounted = any(
        m.name in volumes and m.mount_path.rstrip("/") == "/etc/db"
        for c in pod.spec.containers
        for m in c.volume_mounts or []
    )
    yield mounted, "app mounts the Secret db at /etc/db"
    ran = _ran(pod)
    yield ran
    if not ran[0]:
        return
    text = _logs("app")
    yield str(len(password)) in text, f"app's logs show the password's length, {len(password)}"
    yield password not in text, "app's logs do not show the password itself"


@checker(
    "config_ex3",
    hint="kubectl get secret legacy-api -o jsonpath={.data.token} gives base64; "
    "base64.b64decode(...).decode() turns it into text",
)
def config_ex3(answer: object = None) -> Iterator[tuple[bool, str]]:
    """Check that `answer` is the decoded value of the key `token` of the Secret `legacy-api`."""
    secret = read_namespaced(client.CoreV1Api(api_client()).read_namespaced_secret, "legacy-api")
    if secret is None:
        yield False, "the Secret legacy-api exists (run the notebook's setup cell)"
        return
    token = _secret_value(secret, "token")
    if not isinstance(answer, str):
        yield False, "pass the token as text: check('config_ex3', answer=token)"
    elif answer.strip() == token:
        yield True, "that is the token, decoded: base64 hid nothing"
    elif answer.strip() == (secret.data or {}).get("token"):
        yield False, "that is the token still base64-encoded; decode it"
    else:
        yield False, "that is not the value stored under token in legacy-api"
