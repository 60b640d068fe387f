"""Checks of the topic "config" (lesson 15): the churn API's threshold in a ConfigMap, a token in a Secret."""

from __future__ import annotations

import base64
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass

from kubernetes import client

from kdsutils.checks._kit import (
    Item,
    apps,
    checker,
    command_text,
    core,
    finished,
    item,
    pod_log,
    pod_ready,
    read_or_none,
)


def _secret_value(secret: client.V1Secret, key: str) -> str | None:
    encoded = (secret.data or {}).get(key)
    return None if encoded is None else base64.b64decode(encoded).decode(errors="replace")


@dataclass(frozen=True)
class Source:
    """Where a container finds one setting: a key of a ConfigMap or Secret, as a variable or as a file."""

    kind: str  # "configmap" or "secret"
    name: str
    key: str
    way: str  # "env" or "file"


def _env_sources(container: client.V1Container, variable: str) -> list[Source]:
    """The ConfigMap and Secret keys that set the environment variable `variable` (env and envFrom)."""
    found = []
    for source in container.env_from or []:
        prefix = source.prefix or ""
        if not variable.startswith(prefix):
            continue
        for kind, ref in (("configmap", source.config_map_ref), ("secret", source.secret_ref)):
            if ref is not None:
                found.append(Source(kind, ref.name, variable.removeprefix(prefix), "env"))
    for env in container.env or []:
        if env.name != variable or env.value_from is None:
            continue
        cm, sec = env.value_from.config_map_key_ref, env.value_from.secret_key_ref
        if cm is not None:
            found.append(Source("configmap", cm.name, cm.key, "env"))
        if sec is not None:
            found.append(Source("secret", sec.name, sec.key, "env"))
    return found


def _file_source(container: client.V1Container, volumes: list[client.V1Volume], path: str) -> Source | None:
    """The ConfigMap or Secret key that the file at `path` in `container` shows, if a volume puts one there."""
    path = posixpath.normpath(path)
    by_name = {volume.name: volume for volume in volumes}
    for mount in container.volume_mounts or []:
        volume = by_name.get(mount.name)
        if volume is None:
            continue
        if volume.config_map is not None:
            kind, name, items = "configmap", volume.config_map.name, volume.config_map.items
        elif volume.secret is not None:
            kind, name, items = "secret", volume.secret.secret_name, volume.secret.items
        else:
            continue
        files = {entry.path: entry.key for entry in items} if items else None
        where = posixpath.normpath(mount.mount_path)
        if mount.sub_path:
            inside = mount.sub_path if path == where else None
        else:
            inside = posixpath.relpath(path, where) if path.startswith(where.rstrip("/") + "/") else None
        if inside is None:
            continue
        key = files.get(inside) if files is not None else inside
        if key is not None and "/" not in key:
            return Source(kind, name, key, "file")
    return None


def _threshold_file(container: client.V1Container) -> str | None:
    """The file churn.serve reads its threshold from: ``--threshold-file``, else ``$THRESHOLD_FILE``."""
    words = [*(container.command or []), *(container.args or [])]
    for index, word in enumerate(words):
        if word == "--threshold-file" and index + 1 < len(words):
            return words[index + 1]
        if word.startswith("--threshold-file="):
            return word.partition("=")[2]
    return next((env.value for env in container.env or [] if env.name == "THRESHOLD_FILE" and env.value), None)


def threshold_sources(spec: client.V1PodSpec) -> list[Source]:
    """Where the containers of a Pod spec get the churn API's threshold from: a file first, then $THRESHOLD."""
    found = []
    for container in spec.containers:
        path = _threshold_file(container)
        source = _file_source(container, spec.volumes or [], path) if path else None
        if source is not None:
            found.append(source)
        found += [s for s in _env_sources(container, "THRESHOLD") if s.kind == "configmap"]
    return found


def _value(source: Source) -> str | None:
    """The text a ConfigMap source holds, or None when the ConfigMap or its key is missing."""
    configmap = read_or_none(core().read_namespaced_config_map, source.name)
    return None if configmap is None else (configmap.data or {}).get(source.key)


@checker(
    "config_ex1",
    hints=(
        "The ConfigMap's key and the variable the server reads have different names, so loading every key "
        "as it is will not do: pick the one key and give it the name the server expects (or give the server "
        "the key as a file).",
        "Lesson 15, 'The threshold as an environment variable': `create configmap` with --from-literal, then "
        "a Pod whose container has env: THRESHOLD with valueFrom.configMapKeyRef (name and key). Write the "
        "Pod's YAML; `kubectl explain pod.spec.containers.env.valueFrom` documents the field.",
        "`kubectl create configmap scoring-settings --from-literal=decision-threshold=0.65 -n $namespace`, then "
        "apply a Pod scoring-api with image $PYTHON_DS_IMAGE, command [python, -m, churn.serve] and "
        "env: [{name: THRESHOLD, valueFrom: {configMapKeyRef: {name: scoring-settings, key: decision-threshold}}}], "
        "and `kubectl wait pod/scoring-api --for=condition=Ready -n $namespace`",
    ),
)
def config_ex1() -> Iterator[Item]:
    """Check a ConfigMap `scoring-settings` (decision-threshold=0.65) feeding a running churn.serve Pod `scoring-api`.

    Examples:
        >>> check("config_ex1")  # doctest: +SKIP
        ✔ Well done: config_ex1 passes.
          ✔ scoring-settings sets decision-threshold to 0.65
    """
    configmap = read_or_none(core().read_namespaced_config_map, "scoring-settings")
    if configmap is None:
        yield False, "there is a ConfigMap named scoring-settings"
        return
    value = (configmap.data or {}).get("decision-threshold")
    yield item(
        value is not None and value.strip() == "0.65",
        "scoring-settings sets decision-threshold to 0.65",
        f"its keys are {sorted(configmap.data or {})}" if value is None else f"it sets {value!r}",
    )
    pod = read_or_none(core().read_namespaced_pod, "scoring-api")
    if pod is None:
        yield False, "there is a Pod named scoring-api"
        return
    yield item("churn.serve" in command_text(pod), "scoring-api runs python -m churn.serve", "it runs something else")
    wired = [s for s in threshold_sources(pod.spec) if (s.name, s.key) == ("scoring-settings", "decision-threshold")]
    yield (
        bool(wired),
        "scoring-api's threshold comes from the key decision-threshold of scoring-settings "
        "(as $THRESHOLD, or as the file its THRESHOLD_FILE names)",
    )
    yield item(pod_ready(pod), "scoring-api is Running and ready", f"its phase is {pod.status.phase}")


@checker(
    "config_ex2",
    hints=(
        "The token goes in a Secret, and the Secret goes into the Pod as a folder of files: the script looks "
        "for a file, and a file stays out of the environment.",
        "Lesson 15, 'Mount the Secret as files': `create secret generic` with a key named token, then a Pod "
        "with the Secret as a volume mounted at /etc/warehouse (volumes= in the Pod builder); no env_from.",
        "`kubectl create secret generic warehouse-token --from-literal=token=... -n $namespace`, then "
        "kds.apply(kds.manifests.pod('scorer', kds.manifests.PYTHON_DS_IMAGE, ['python', '-c', SCORER], "
        "volumes={'/etc/warehouse': 'secret/warehouse-token'}, restart_policy='Never')) and "
        "kds.wait('pod/scorer', for_='jsonpath={.status.phase}=Succeeded')",
    ),
)
def config_ex2() -> Iterator[Item]:
    """Check a Secret `warehouse-token` (key token) that a Pod `scorer` reads as /etc/warehouse/token, never as env.

    Examples:
        >>> check("config_ex2")  # doctest: +SKIP
        ✔ Well done: config_ex2 passes.
          ✔ the Secret warehouse-token has a key named token
    """
    secret = read_or_none(core().read_namespaced_secret, "warehouse-token")
    if secret is None:
        yield False, "there is a Secret named warehouse-token"
        return
    token = _secret_value(secret, "token")
    keys = sorted(secret.data or {})
    yield item(token is not None, "the Secret warehouse-token has a key named token", f"its keys are {keys}")
    if token is None:
        return
    pod = read_or_none(core().read_namespaced_pod, "scorer")
    if pod is None:
        yield False, "there is a Pod named scorer"
        return
    files = [_file_source(c, pod.spec.volumes or [], "/etc/warehouse/token") for c in pod.spec.containers]
    yield (
        Source("secret", "warehouse-token", "token", "file") in files,
        "scorer finds the token in the file /etc/warehouse/token, from the Secret warehouse-token",
    )
    leaked = sorted(
        {v.name for c in pod.spec.containers for v in c.env or [] if v.value_from and v.value_from.secret_key_ref}
        | {f"envFrom {v.secret_ref.name}" for c in pod.spec.containers for v in c.env_from or [] if v.secret_ref}
    )
    yield item(not leaked, "scorer gets no Secret as environment variables", f"it does: {', '.join(leaked)}")
    ran = finished(pod)
    yield ran
    if ran[0]:
        yield token not in pod_log("scorer"), "scorer's logs do not show the token itself"


@checker(
    "config_ex3",
    hints=(
        "Change the value where it lives, in the ConfigMap, and leave the Deployment alone: the server "
        "reads a mounted file, which the kubelet updates for you.",
        "Lesson 15, 'Changing a setting': `kubectl create configmap ... --dry-run=client -o yaml` piped into "
        "`kubectl apply -f -` replaces the ConfigMap's data; `kubectl edit configmap` works too. Then ask the "
        "server again, for a minute or two.",
        "In a terminal: `kubectl create configmap churn-config --from-literal=threshold=0.8 --dry-run=client "
        "-o yaml | kubectl apply -n $namespace -f -`",
    ),
)
def config_ex3() -> Iterator[Item]:
    """Check that churn-config holds threshold 0.8 and that the Deployment churn-api was neither edited nor restarted.

    Examples:
        >>> check("config_ex3")  # doctest: +SKIP
        ✔ Well done: config_ex3 passes.
          ✔ churn-config sets threshold to 0.8
    """
    configmap = read_or_none(core().read_namespaced_config_map, "churn-config")
    deploy = read_or_none(apps().read_namespaced_deployment, "churn-api")
    if configmap is None or deploy is None:
        yield False, "the ConfigMap churn-config and the Deployment churn-api exist (run the setup cell)"
        return
    value = (configmap.data or {}).get("threshold")
    yield item(value is not None and value.strip() == "0.8", "churn-config sets threshold to 0.8", f"it sets {value!r}")
    generation = deploy.metadata.generation or 1
    yield item(
        generation == 1,
        "churn-api itself was left as the setup made it (no edit, no restart): the mounted file carries the change",
        f"its spec was changed {generation - 1} time(s) since",
    )
    ready = deploy.status.ready_replicas or 0
    yield item(ready >= 1, "churn-api has a ready Pod", f"it has {ready}")


@checker(
    "config_ex4",
    hints=(
        "The Pod never gets as far as running the server: something it needs before its container can start "
        "is not right. The cluster says what, in the Pod's status and events.",
        "Lesson 15, 'The threshold as an environment variable', and lesson 11's `get pods`, `describe pod` "
        "(the Events at the bottom) and `kubectl events`: compare what the Deployment asks for with what the "
        "ConfigMap holds (`kubectl get configmap churn-config-eu -o yaml`).",
        "`kubectl describe pod -l app=churn-api-eu -n $namespace` names the missing key; then either "
        "`kubectl edit deployment churn-api-eu -n $namespace` and set configMapKeyRef.key to the key the "
        "ConfigMap has, or add that key to the ConfigMap",
    ),
)
def config_ex4() -> Iterator[Item]:
    """Check that the Deployment `churn-api-eu` runs, with its threshold 0.6 from the ConfigMap churn-config-eu.

    The items do not name the cause: a learner finds it with kubectl.

    Examples:
        >>> check("config_ex4")  # doctest: +SKIP
        ✔ Well done: config_ex4 passes.
          ✔ churn-api-eu has a ready Pod
    """
    deploy = read_or_none(apps().read_namespaced_deployment, "churn-api-eu")
    if deploy is None:
        yield False, "there is a Deployment named churn-api-eu (run the cell that starts it)"
        return
    ready = deploy.status.ready_replicas or 0
    yield item(ready >= 1, "churn-api-eu has a ready Pod", "it has none: find out why its Pod does not start")
    if not ready:
        return
    sources = [s for s in threshold_sources(deploy.spec.template.spec) if s.name == "churn-config-eu"]
    yield bool(sources), "churn-api-eu still takes its threshold from the ConfigMap churn-config-eu"
    values = [_value(s) for s in sources]
    yield item(
        any(v is not None and v.strip() == "0.6" for v in values),
        "the threshold it gets from there is 0.6, the EU team's value",
        f"it gets {', '.join(repr(v) for v in values) or 'nothing'}",
    )
