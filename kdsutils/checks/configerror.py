"""Checks of the topic "configerror" (lab 35): every setting and credential the churn API names is there.

The churn API gets the warehouse password from a key the Secret holds (``configerror_ex1``),
its threshold from a ConfigMap that exists (``configerror_ex2``), and its threshold file from
a volume whose ``items`` name a key the ConfigMap holds (``configerror_ex3``). Each check
resolves the template's references against the namespace's ConfigMaps and Secrets, the way
the kubelet does, and wants a ready Pod. It never prints a Secret's value.
"""

from __future__ import annotations

import base64
from collections.abc import Iterator

from kubernetes import client

from kdsutils.checks._kit import Item, apps, checker, core, item, read_or_none
from kdsutils.checks.config import Source, threshold_sources
from kdsutils.checks.imagepull import AS_BEFORE, rollout_items
from kdsutils.kube import effective_namespace
from kdsutils.labs.configerror import (
    ASKED_ITEM,
    ASKED_KEY,
    PASSWORD,
    PASSWORD_KEY,
    RENAMED,
    SETTINGS,
    THRESHOLD,
    THRESHOLD_FILE,
    WAREHOUSE,
)

#: The Deployment of the churn API in every exercise of the lab.
API = "churn-api"
#: What a container that cannot get its configuration waits with (a volume that cannot mount: ContainerCreating).
CONFIG_REASONS = frozenset({"CreateContainerConfigError", "ContainerCreating"})


def secret_value(secret: client.V1Secret | None, key: str) -> str | None:
    """The text a Secret holds under `key`, or None when the Secret or the key is missing (pure).

    Examples:
        >>> secret_value(client.V1Secret(data={"token": "dG9r"}), "token"), secret_value(None, "token")
        ('tok', None)
    """
    encoded = ((secret and secret.data) or {}).get(key)
    return None if encoded is None else base64.b64decode(encoded).decode(errors="replace")


def _threshold_items(spec: client.V1PodSpec, *, way: str) -> Iterator[Item]:
    """Say whether the template gives the server its threshold (as `way`: "env" or "file") from a ConfigMap, as 0.7."""
    found = [source for source in threshold_sources(spec) if source.way == way]
    what = "the variable THRESHOLD" if way == "env" else f"the file {THRESHOLD_FILE}"
    yield item(bool(found), f"{what} still comes from a ConfigMap", "nothing sets it from a ConfigMap any more")
    if not found:
        return
    source = found[0]
    configmap = read_or_none(core().read_namespaced_config_map, source.name)
    value = None if configmap is None else (configmap.data or {}).get(source.key)
    if configmap is None:
        seen = f"it names the ConfigMap {source.name}, which does not exist"
    elif value is None:
        held = sorted(configmap.data or {})
        seen = f"it names the key {source.key}, which {source.name} does not hold (it holds {held})"
    else:
        seen = f"it finds {value!r}"
    yield item(
        value is not None and value.strip() == THRESHOLD,
        f"{what} resolves to the team's threshold, {THRESHOLD} (as in {SETTINGS})",
        seen,
    )


def _password_source(container: client.V1Container) -> Source | None:
    """The Secret key that sets WAREHOUSE_PASSWORD, or None when no Secret sets it."""
    for env in container.env or []:
        ref = env.value_from and env.value_from.secret_key_ref
        if env.name == "WAREHOUSE_PASSWORD" and ref is not None:
            return Source("secret", ref.name, ref.key, "env")
    return None


def _deployment() -> tuple[Item, client.V1Deployment | None]:
    """The item "there is a Deployment churn-api", and the Deployment (None when there is none)."""
    deploy = read_or_none(apps().read_namespaced_deployment, API)
    return (deploy is not None, f"there is a Deployment named {API} in {effective_namespace()}"), deploy


def _as_before(deploy: client.V1Deployment, broken: bool) -> Item | None:
    """While the template still names what the lab broke and no Pod is ready, the one item to say; else None."""
    if broken and not (deploy.status.ready_replicas or 0):
        return False, f"the churn API runs, with a ready Pod ({AS_BEFORE})"
    return None


def _names(spec: client.V1PodSpec, ref: str) -> list[tuple[str, str]]:
    """The (name, key) pairs the first container's env takes from ``configMapKeyRef`` or ``secretKeyRef`` (pure).

    Examples:
        >>> ref = client.V1ConfigMapKeySelector(name="cm", key="k")
        >>> env = client.V1EnvVar(name="X", value_from=client.V1EnvVarSource(config_map_key_ref=ref))
        >>> _names(client.V1PodSpec(containers=[client.V1Container(name="c", env=[env])]), "config_map_key_ref")
        [('cm', 'k')]
    """
    found = [getattr(env.value_from, ref) for env in spec.containers[0].env or [] if env.value_from is not None]
    return [(selector.name, selector.key) for selector in found if selector is not None]


@checker(
    "configerror_ex1",
    hints=(
        "A container that cannot even be created has no logs. Kubernetes says why in the Pod's status and "
        "events: compare each name the Pod asks for with what exists in the namespace.",
        "Lesson 35, 'How we found it': `kubectl describe pod` (State: Waiting, Reason CreateContainerConfigError, "
        "and the Events), then `kubectl describe secret warehouse` lists its keys without their values. Fix "
        "the key the Deployment asks for, or the Secret.",
        "`kubectl patch deployment/churn-api -n $namespace --type=json -p "
        '\'[{"op":"replace","path":"/spec/template/spec/containers/0/env/2/valueFrom/secretKeyRef/key",'
        '"value":"db-password"}]\'`, then `kubectl rollout status deployment/churn-api -n $namespace`',
    ),
)
def configerror_ex1() -> Iterator[Item]:
    """Check that churn-api gets the warehouse password from a key the Secret holds, and its Pod is ready.

    Examples:
        >>> check("configerror_ex1")  # doctest: +SKIP
        ✔ Well done: configerror_ex1 passes.
          ✔ there is a Deployment named churn-api in lesson-configerror
    """
    found, deploy = _deployment()
    yield found
    if deploy is None:
        return
    spec = deploy.spec.template.spec
    before = _as_before(deploy, (WAREHOUSE, ASKED_KEY) in _names(spec, "secret_key_ref"))
    if before is not None:
        yield before
        return
    yield from _threshold_items(spec, way="env")
    source = _password_source(spec.containers[0])
    yield item(source is not None, f"WAREHOUSE_PASSWORD still comes from the Secret {WAREHOUSE}",
               "no Secret sets it any more")  # fmt: skip
    if source is None:
        return
    secret = read_or_none(core().read_namespaced_secret, source.name)
    value = secret_value(secret, source.key)
    if secret is None:
        seen = f"it names the Secret {source.name}, which does not exist"
    else:
        seen = f"it asks for the key {source.key}; {source.name} holds {sorted(secret.data or {})}"
    yield item(value is not None, "WAREHOUSE_PASSWORD names a key its Secret holds", seen)
    if value is None:
        return
    stored = f"WAREHOUSE_PASSWORD gets the password the platform team stored (under {PASSWORD_KEY})"
    yield item(value == PASSWORD, stored, "it gets another value: the warehouse would refuse it")
    yield from rollout_items(deploy, CONFIG_REASONS)


@checker(
    "configerror_ex2",
    hints=(
        "The Pod is not crashing: it is never created, because something it names is not there. Compare the "
        "name in the Pod template with what the namespace holds.",
        "Lesson 35, 'What you learned': `kubectl describe pod` (Reason and Events), `kubectl get configmaps`; "
        "either create what the template names, or point the template at what exists.",
        "Either create the ConfigMap the template names, `kubectl create configmap churn-settings "
        "--from-literal=threshold=0.7 -n $namespace`, or point the template at the one that exists: `kubectl "
        'patch deployment/churn-api -n $namespace --type=json -p \'[{"op":"replace","path":'
        '"/spec/template/spec/containers/0/env/0/valueFrom/configMapKeyRef/name","value":"churn-config"}]\'`; '
        "then `kubectl rollout status deployment/churn-api -n $namespace`",
    ),
)
def configerror_ex2() -> Iterator[Item]:
    """Check that churn-api's THRESHOLD comes from a ConfigMap that exists, holding 0.7, and its Pod is ready.

    Examples:
        >>> check("configerror_ex2")  # doctest: +SKIP
        ✔ Well done: configerror_ex2 passes.
          ✔ there is a Deployment named churn-api in lesson-configerror-ex
    """
    found, deploy = _deployment()
    yield found
    if deploy is None:
        return
    spec = deploy.spec.template.spec
    before = _as_before(deploy, any(name == RENAMED for name, _ in _names(spec, "config_map_key_ref")))
    if before is not None:
        yield before
        return
    threshold = list(_threshold_items(spec, way="env"))
    yield from threshold
    if all(ok for ok, _ in threshold):
        yield from rollout_items(deploy, CONFIG_REASONS)


@checker(
    "configerror_ex3",
    hints=(
        "A Pod that stays in ContainerCreating is waiting for something before its container can exist: "
        "usually a volume. The kubelet says which one, and why, in the Pod's events.",
        "Lesson 35, 'What you learned': `kubectl describe pod` (Events: FailedMount), then compare the volume's "
        "`items` with the keys of the ConfigMap (`kubectl describe configmap churn-config`).",
        "`kubectl patch deployment/churn-api -n $namespace --type=json -p "
        '\'[{"op":"replace","path":"/spec/template/spec/volumes/0/configMap/items/0/key","value":"threshold"}]\'`'
        ", then `kubectl rollout status deployment/churn-api -n $namespace`",
    ),
)
def configerror_ex3() -> Iterator[Item]:
    """Check that churn-api's threshold file comes from a key churn-config holds, 0.7, and its Pod is ready.

    Examples:
        >>> check("configerror_ex3")  # doctest: +SKIP
        ✔ Well done: configerror_ex3 passes.
          ✔ there is a Deployment named churn-api in lesson-configerror-ex
    """
    found, deploy = _deployment()
    yield found
    if deploy is None:
        return
    spec = deploy.spec.template.spec
    items = [i.key for v in spec.volumes or [] if v.config_map is not None for i in v.config_map.items or []]
    before = _as_before(deploy, ASKED_ITEM in items)
    if before is not None:
        yield before
        return
    threshold = list(_threshold_items(spec, way="file"))
    yield from threshold
    if all(ok for ok, _ in threshold):
        yield from rollout_items(deploy, CONFIG_REASONS)
