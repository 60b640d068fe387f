"""Checks of the topic "config" (lesson 15): a threshold as a variable, a password as a file."""

from __future__ import annotations

import base64
from collections.abc import Iterator

from kubernetes import client

from kdsutils.checks._kit import Item, checker, core, finished, item, missing_text, pod_log, read_or_none


def _secret_value(secret: client.V1Secret, key: str) -> str | None:
    encoded = (secret.data or {}).get(key)
    return None if encoded is None else base64.b64decode(encoded).decode(errors="replace")


def _takes_variable_from_configmap(container: client.V1Container, variable: str, configmap: str) -> bool:
    """Tell whether `container` gets `variable` from `configmap`, by envFrom or by env valueFrom."""
    for source in container.env_from or []:
        if source.config_map_ref is not None and source.config_map_ref.name == configmap:
            return True
    for env in container.env or []:
        ref = env.value_from.config_map_key_ref if env.value_from else None
        if env.name == variable and ref is not None and ref.name == configmap:
            return True
    return False


@checker(
    "config_ex1",
    hints=(
        "Keep the threshold in a ConfigMap, and let the Pod read it as an environment variable instead of "
        "writing it into the code.",
        "Lesson 15, 'A ConfigMap is a settings file the cluster keeps' and 'Two ways in': `create configmap` "
        "with --from-literal, then a Pod whose environment comes from the ConfigMap (envFrom; env_from= "
        "in the Pod builder).",
        "`kubectl create configmap model-config --from-literal=THRESHOLD=0.7 -n $namespace`, then "
        "kds.apply(kds.manifests.pod('scorer', kds.manifests.PYTHON_DS_IMAGE, ['python3', '-c', "
        "\"import os; print(os.environ['THRESHOLD'])\"], env_from=['configmap/model-config'], "
        "restart_policy='Never'))",
    ),
)
def config_ex1() -> Iterator[Item]:
    """Check a ConfigMap `model-config` with THRESHOLD=0.7 and a Pod `scorer` that prints it from its env.

    Examples:
        >>> check("config_ex1")  # doctest: +SKIP
        ✔ Well done: config_ex1 passes.
          ✔ model-config sets THRESHOLD to 0.7
    """
    configmap = read_or_none(core().read_namespaced_config_map, "model-config")
    if configmap is None:
        yield False, "there is a ConfigMap named model-config"
        return
    value = (configmap.data or {}).get("THRESHOLD")
    yield item(value is not None and value.strip() == "0.7", "model-config sets THRESHOLD to 0.7", f"it sets {value!r}")
    pod = read_or_none(core().read_namespaced_pod, "scorer")
    if pod is None:
        yield False, "there is a Pod named scorer"
        return
    wired = any(_takes_variable_from_configmap(c, "THRESHOLD", "model-config") for c in pod.spec.containers)
    yield wired, "scorer gets THRESHOLD from the ConfigMap model-config as an environment variable"
    ran = finished(pod)
    yield ran
    if not ran[0]:
        return
    yield "0.7" in pod_log("scorer"), "scorer's logs show the threshold 0.7"


@checker(
    "config_ex2",
    hints=(
        "Give the Pod the Secret as a file, and print only the length of the password, never the password.",
        "Lesson 15, 'Secrets: the same shape, for credentials' and 'Mount Secrets as files, and never print "
        "them': `create secret generic` with a key named password, then a Pod with the Secret as a volume "
        "mounted at /etc/db.",
        "`kubectl create secret generic db --from-literal=password=... -n $namespace`, then "
        "kds.apply(kds.manifests.pod('app', kds.manifests.PYTHON_DS_IMAGE, ['python3', '-c', "
        "\"print(len(open('/etc/db/password').read()))\"], volumes={'/etc/db': 'secret/db'}, "
        "restart_policy='Never'))",
    ),
)
def config_ex2() -> Iterator[Item]:
    """Check a Secret `db` mounted at /etc/db by a Pod `app` that prints the password's length only.

    Examples:
        >>> check("config_ex2")  # doctest: +SKIP
        ✔ Well done: config_ex2 passes.
          ✔ the Secret db has a key named password
    """
    secret = read_or_none(core().read_namespaced_secret, "db")
    if secret is None:
        yield False, "there is a Secret named db"
        return
    password = _secret_value(secret, "password")
    yield password is not None, "the Secret db has a key named password"
    if password is None:
        return
    pod = read_or_none(core().read_namespaced_pod, "app")
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
    ran = finished(pod)
    yield ran
    if not ran[0]:
        return
    text = pod_log("app")
    yield str(len(password)) in text, f"app's logs show the password's length, {len(password)}"
    yield password not in text, "app's logs do not show the password itself"


@checker(
    "config_ex3",
    hints=(
        "A Secret's values are only base64-encoded, not encrypted: read the value, then decode it.",
        "Lesson 15, 'What a Secret protects, and what it does not': the field .data.token of the Secret, "
        "printed with a jsonpath output, then decoded with Python's base64 module.",
        "`kubectl get secret legacy-api -o jsonpath='{.data.token}' -n $namespace` gives base64; "
        "token = base64.b64decode(that_text).decode() turns it into text",
    ),
)
def config_ex3(answer: object = None) -> Iterator[Item]:
    """Check that `answer` is the decoded value of the key `token` of the Secret `legacy-api`.

    Examples:
        >>> check("config_ex3", answer="tok-...")  # doctest: +SKIP
        ✘ Not yet: config_ex3.
          ✘ that is not the value stored under token in legacy-api
    """
    secret = read_or_none(core().read_namespaced_secret, "legacy-api")
    if secret is None:
        yield False, "the Secret legacy-api exists (run the notebook's setup cell)"
        return
    token = _secret_value(secret, "token")
    problem = missing_text("config_ex3", answer, "'tok-...'")
    if problem is not None:
        yield problem
    elif str(answer).strip() == token:
        yield True, "that is the token, decoded: base64 hid nothing"
    elif str(answer).strip() == (secret.data or {}).get("token"):
        yield False, "that is the token still base64-encoded; decode it"
    else:
        yield False, "that is not the value stored under token in legacy-api"
