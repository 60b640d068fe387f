"""Pure builders of Kubernetes manifests: each returns a plain dict, ready for `apply`.

Nothing here talks to a cluster. The builders fill in what the course always wants
(`imagePullPolicy: IfNotPresent`, because course images are preloaded and never pulled; an
`app: <name>` label that Services select on) and check names early, with the fix.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Mapping, Sequence
from typing import Any

import yaml

from kdsutils import images
from kdsutils.errors import ManifestError

#: The course images by the names lessons use: ``PYTHON_DS_IMAGE`` is python3 with pandas,
#: scikit-learn and dask; ``BUSYBOX_IMAGE`` a tiny image with a shell and the usual Unix tools.
#: Read from `kdsutils.images` on first use, so importing this module reads no file.
COURSE_IMAGE_NAMES = {"PYTHON_DS_IMAGE": "python-ds", "BUSYBOX_IMAGE": "busybox"}


class Manifest(dict[str, Any]):
    """A Kubernetes object as a plain dict; a notebook shows it as the YAML kubectl reads.

    Examples:
        >>> print(Manifest({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}}).to_yaml())
        apiVersion: v1
        kind: Namespace
        metadata:
          name: demo
        <BLANKLINE>
    """

    def to_yaml(self) -> str:
        """The object as YAML, in the order kubectl shows it (apiVersion, kind, metadata, spec)."""
        return yaml.safe_dump(dict(self), sort_keys=False)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.to_yaml().rstrip("\n"))


# yaml.safe_dump writes a Manifest as the mapping it is (kubectl apply, tests, learners' own dumps).
yaml.SafeDumper.add_representer(Manifest, yaml.SafeDumper.represent_dict)


def __getattr__(name: str) -> str:
    if name in COURSE_IMAGE_NAMES:
        return images.reference(COURSE_IMAGE_NAMES[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_DNS1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")


def _check_name(name: str, what: str, *, pattern: re.Pattern[str] = _SUBDOMAIN, limit: int = 253) -> str:
    if isinstance(name, str) and pattern.fullmatch(name) and len(name) <= limit:
        return name
    suggestion = re.sub(r"[^a-z0-9-]+", "-", str(name).lower()).strip("-")[:limit] or "my-app"
    rule = "lowercase letters, digits and '-', starting and ending with a letter or digit"
    if pattern is _DNS1035:
        rule = "lowercase letters, digits and '-', starting with a letter and ending with a letter or digit"
    raise ManifestError(
        f"{name!r} is not a valid {what} name: use at most {limit} characters, {rule}.",
        fix=f"try {suggestion!r}",
    )


def _string(value: object, where: str) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value)
    raise ManifestError(
        f"{where} must be text or a number, got {type(value).__name__}: {value!r}.",
        fix="store structured values as text, for example json.dumps(value)",
    )


def _metadata(name: str, labels: Mapping[str, str] | None) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name}
    if labels:
        meta["labels"] = dict(labels)
    return meta


def _reference(text: str, kinds: Sequence[str], where: str) -> tuple[str, str]:
    kind, _, ref = text.partition("/")
    if kind.lower() not in kinds or not ref:
        raise ManifestError(
            f"{where}: {text!r} is not one of " + ", ".join(f"'{k}/<name>'" for k in kinds) + ".",
            fix=f"write it as for example '{kinds[0]}/my-{kinds[0]}'",
        )
    return kind.lower(), ref


def _volume(index: int, source: str) -> dict[str, Any]:
    if source.lower() == "emptydir":
        return {"name": f"emptydir-{index}", "emptyDir": {}}
    kind, ref = _reference(source, ("pvc", "configmap", "secret"), "volumes")
    name = f"{kind}-{ref}"[:63].rstrip("-.")
    if kind == "pvc":
        return {"name": name, "persistentVolumeClaim": {"claimName": ref}}
    if kind == "configmap":
        return {"name": name, "configMap": {"name": ref}}
    return {"name": name, "secret": {"secretName": ref}}


def _pod_spec(
    name: str,
    image: str,
    command: Sequence[str] | None,
    *,
    args: Sequence[str] | None,
    env: Mapping[str, object] | None,
    env_from: Sequence[str] | None,
    resources: Mapping[str, Mapping[str, str]] | None,
    ports: Sequence[int] | None,
    volumes: Mapping[str, str] | None,
    restart_policy: str,
) -> dict[str, Any]:
    for given in (command, args):
        if isinstance(given, str):
            raise ManifestError(
                f"command and args must be lists of strings, got the string {given!r}.",
                fix='split it: ["python", "-c", "print(1)"], or ["sh", "-c", "your shell line"]',
            )
    container: dict[str, Any] = {"name": name, "image": image, "imagePullPolicy": "IfNotPresent"}
    if command:
        container["command"] = list(command)
    if args:
        container["args"] = list(args)
    if env:
        container["env"] = [{"name": k, "value": _string(v, f"env[{k!r}]")} for k, v in env.items()]
    if env_from:
        refs = [_reference(text, ("configmap", "secret"), "env_from") for text in env_from]
        container["envFrom"] = [
            {"configMapRef" if kind == "configmap" else "secretRef": {"name": ref}} for kind, ref in refs
        ]
    if resources:
        unknown = set(resources) - {"requests", "limits"}
        if unknown:
            raise ManifestError(
                f"resources has the keys {sorted(unknown)}; it takes 'requests' and 'limits'.",
                fix="write resources={'requests': {'cpu': '250m', 'memory': '256Mi'}, "
                "'limits': {'memory': '256Mi'}}",
            )
        container["resources"] = {key: dict(value) for key, value in resources.items()}
    if ports:
        container["ports"] = [{"containerPort": int(port)} for port in ports]
    spec: dict[str, Any] = {"containers": [container], "restartPolicy": restart_policy}
    if volumes:
        pod_volumes = [_volume(i, source) for i, source in enumerate(volumes.values(), start=1)]
        container["volumeMounts"] = [
            {"name": vol["name"], "mountPath": path} for path, vol in zip(volumes, pod_volumes, strict=True)
        ]
        spec["volumes"] = pod_volumes
    return spec


def pod(
    name: str,
    image: str,
    command: Sequence[str] | None = None,
    *,
    args: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    env: Mapping[str, object] | None = None,
    env_from: Sequence[str] | None = None,
    resources: Mapping[str, Mapping[str, str]] | None = None,
    ports: Sequence[int] | None = None,
    volumes: Mapping[str, str] | None = None,
    restart_policy: str = "Always",
) -> Manifest:
    """Build a Pod with one container, also named `name`.

    Args:
        name: The Pod's name (lowercase letters, digits, '-').
        image: The container image, for example `PYTHON_DS_IMAGE`.
        command: The program and its arguments, as a list; None keeps the image's own.
        args: Arguments appended to the image's entrypoint (Kubernetes `args`).
        labels: Extra labels; the Pod always gets `app: <name>`.
        env: Environment variables; numbers are written as text.
        env_from: Load every key of ConfigMaps or Secrets as variables:
            ``["configmap/settings", "secret/db"]``.
        resources: ``{"requests": {...}, "limits": {...}}``, as in Kubernetes.
        ports: Container ports, for documentation and port-forwarding by name.
        volumes: Mount path to source: ``"pvc/<claim>"``, ``"configmap/<name>"``,
            ``"secret/<name>"`` or ``"emptydir"``.
        restart_policy: ``Always``, ``OnFailure`` or ``Never``.

    Returns:
        The manifest as a dict.

    Raises:
        ManifestError: for an invalid name or option, with the fix.

    Examples:
        >>> from kdsutils.manifests import BUSYBOX_IMAGE
        >>> p = pod("hello", BUSYBOX_IMAGE, ["echo", "hi"], restart_policy="Never")
        >>> p["spec"]["containers"][0]["imagePullPolicy"]
        'IfNotPresent'
    """
    _check_name(name, "pod")
    return Manifest({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": _metadata(name, {"app": name, **(labels or {})}),
        "spec": _pod_spec(
            name,
            image,
            command,
            args=args,
            env=env,
            env_from=env_from,
            resources=resources,
            ports=ports,
            volumes=volumes,
            restart_policy=restart_policy,
        ),
    })


def deployment(
    name: str,
    image: str,
    command: Sequence[str] | None = None,
    *,
    replicas: int = 1,
    args: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    env: Mapping[str, object] | None = None,
    env_from: Sequence[str] | None = None,
    resources: Mapping[str, Mapping[str, str]] | None = None,
    ports: Sequence[int] | None = None,
    volumes: Mapping[str, str] | None = None,
) -> Manifest:
    """Build a Deployment that keeps `replicas` copies of one container running.

    Its Pods carry `app: <name>` plus `labels`, and the Deployment selects them by
    `app: <name>`. Container options are those of `pod`.

    Examples:
        >>> from kdsutils.manifests import PYTHON_DS_IMAGE
        >>> d = deployment("web", PYTHON_DS_IMAGE, ["python", "-m", "http.server"], replicas=2)
        >>> d["spec"]["selector"]["matchLabels"]
        {'app': 'web'}
    """
    _check_name(name, "deployment")
    pod_labels = {"app": name, **(labels or {})}
    return Manifest({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(name, pod_labels),
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {
                "metadata": {"labels": pod_labels},
                "spec": _pod_spec(
                    name,
                    image,
                    command,
                    args=args,
                    env=env,
                    env_from=env_from,
                    resources=resources,
                    ports=ports,
                    volumes=volumes,
                    restart_policy="Always",
                ),
            },
        },
    })


def service(
    name: str,
    *,
    port: int,
    target_port: int | str | None = None,
    selector: Mapping[str, str] | None = None,
    type: str = "ClusterIP",
    labels: Mapping[str, str] | None = None,
) -> Manifest:
    """Build a Service: one stable name and port in front of the Pods it selects.

    Args:
        name: The Service's name, which is also its DNS name inside the cluster.
        port: The port clients connect to.
        target_port: The container port traffic goes to (default: `port`).
        selector: The Pod labels to select (default: ``{"app": name}``, as the workload
            builders label their Pods).
        type: ``ClusterIP`` (inside the cluster only) or ``NodePort``.
        labels: Labels of the Service itself.

    Examples:
        >>> service("web", port=80, target_port=8000)["spec"]["ports"]
        [{'port': 80, 'targetPort': 8000, 'protocol': 'TCP'}]
    """
    _check_name(name, "service", pattern=_DNS1035, limit=63)
    return Manifest({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(name, labels),
        "spec": {
            "type": type,
            "selector": dict(selector or {"app": name}),
            "ports": [{"port": port, "targetPort": target_port or port, "protocol": "TCP"}],
        },
    })


def _job_spec(
    name: str,
    image: str,
    command: Sequence[str] | None,
    *,
    pod_labels: dict[str, str],
    args: Sequence[str] | None,
    env: Mapping[str, object] | None,
    env_from: Sequence[str] | None,
    resources: Mapping[str, Mapping[str, str]] | None,
    volumes: Mapping[str, str] | None,
    backoff_limit: int,
    completions: int | None,
    parallelism: int | None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "backoffLimit": backoff_limit,
        "template": {
            "metadata": {"labels": pod_labels},
            "spec": _pod_spec(
                name,
                image,
                command,
                args=args,
                env=env,
                env_from=env_from,
                resources=resources,
                ports=None,
                volumes=volumes,
                restart_policy="Never",
            ),
        },
    }
    if completions is not None:
        spec["completions"] = completions
    if parallelism is not None:
        spec["parallelism"] = parallelism
    return spec


def job(
    name: str,
    image: str,
    command: Sequence[str] | None = None,
    *,
    args: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    env: Mapping[str, object] | None = None,
    env_from: Sequence[str] | None = None,
    resources: Mapping[str, Mapping[str, str]] | None = None,
    volumes: Mapping[str, str] | None = None,
    backoff_limit: int = 2,
    completions: int | None = None,
    parallelism: int | None = None,
) -> Manifest:
    """Build a Job: run a container to completion, retrying failed Pods.

    Args:
        name: The Job's name (at most 63 characters: Kubernetes copies it into a label).
        image: The container image.
        command: The program and its arguments.
        args: Arguments appended to the image's entrypoint.
        labels: Extra labels for the Job and its Pods (which also get `app: <name>`).
        env: Environment variables.
        env_from: ConfigMaps or Secrets to load as variables (see `pod`).
        resources: ``{"requests": {...}, "limits": {...}}``.
        volumes: Mount path to source (see `pod`).
        backoff_limit: Retries before the Job counts as failed.
        completions: How many Pods must succeed (default 1).
        parallelism: How many Pods run at once.

    Examples:
        >>> from kdsutils.manifests import PYTHON_DS_IMAGE
        >>> j = job("train", PYTHON_DS_IMAGE, ["python", "-c", "print('fit')"])
        >>> j["spec"]["template"]["spec"]["restartPolicy"]
        'Never'
    """
    _check_name(name, "job", pattern=_LABEL, limit=63)
    pod_labels = {"app": name, **(labels or {})}
    return Manifest({
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": _metadata(name, pod_labels),
        "spec": _job_spec(
            name,
            image,
            command,
            pod_labels=pod_labels,
            args=args,
            env=env,
            env_from=env_from,
            resources=resources,
            volumes=volumes,
            backoff_limit=backoff_limit,
            completions=completions,
            parallelism=parallelism,
        ),
    })


def cronjob(
    name: str,
    image: str,
    command: Sequence[str] | None = None,
    *,
    schedule: str,
    args: Sequence[str] | None = None,
    labels: Mapping[str, str] | None = None,
    env: Mapping[str, object] | None = None,
    env_from: Sequence[str] | None = None,
    resources: Mapping[str, Mapping[str, str]] | None = None,
    volumes: Mapping[str, str] | None = None,
    backoff_limit: int = 2,
) -> Manifest:
    """Build a CronJob: a Job started on a schedule.

    Args:
        name: The CronJob's name (at most 52 characters: Kubernetes appends a suffix).
        image: The container image.
        command: The program and its arguments.
        schedule: Cron syntax, ``"minute hour day-of-month month day-of-week"``
            (``"0 3 * * *"`` is 03:00 every day), or a macro such as ``"@hourly"``.
        args: Arguments appended to the image's entrypoint.
        labels: Extra labels for the CronJob, its Jobs and their Pods.
        env: Environment variables.
        env_from: ConfigMaps or Secrets to load as variables (see `pod`).
        resources: ``{"requests": {...}, "limits": {...}}``.
        volumes: Mount path to source (see `pod`).
        backoff_limit: Retries of each Job before it counts as failed.

    Examples:
        >>> from kdsutils.manifests import PYTHON_DS_IMAGE
        >>> cronjob("nightly", PYTHON_DS_IMAGE, ["python", "train.py"], schedule="0 3 * * *")["kind"]
        'CronJob'
    """
    _check_name(name, "cronjob", pattern=_LABEL, limit=52)
    if not (schedule.startswith("@") or len(schedule.split()) == 5):
        raise ManifestError(
            f"schedule {schedule!r} is not cron syntax: it needs five fields "
            "(minute hour day-of-month month day-of-week).",
            fix="for example '*/5 * * * *' (every five minutes) or '@daily'",
        )
    pod_labels = {"app": name, **(labels or {})}
    return Manifest({
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": _metadata(name, pod_labels),
        "spec": {
            "schedule": schedule,
            "jobTemplate": {
                "metadata": {"labels": pod_labels},
                "spec": _job_spec(
                    name,
                    image,
                    command,
                    pod_labels=pod_labels,
                    args=args,
                    env=env,
                    env_from=env_from,
                    resources=resources,
                    volumes=volumes,
                    backoff_limit=backoff_limit,
                    completions=None,
                    parallelism=None,
                ),
            },
        },
    })


def configmap(
    name: str, data: Mapping[str, object], *, labels: Mapping[str, str] | None = None
) -> Manifest:
    """Build a ConfigMap: settings, as text, that Pods read as variables or files.

    Args:
        name: The ConfigMap's name.
        data: Keys and values; numbers and booleans are written as text.
        labels: Labels of the ConfigMap.

    Examples:
        >>> configmap("settings", {"learning_rate": 0.01, "model": "ridge"})["data"]
        {'learning_rate': '0.01', 'model': 'ridge'}
    """
    _check_name(name, "configmap")
    return Manifest({
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": _metadata(name, labels),
        "data": {key: _string(value, f"data[{key!r}]") for key, value in data.items()},
    })


def secret(
    name: str, data: Mapping[str, object], *, labels: Mapping[str, str] | None = None
) -> Manifest:
    """Build an Opaque Secret. Values are base64-encoded, which hides nothing: it is not encryption.

    Args:
        name: The Secret's name.
        data: Keys and their plain-text values.
        labels: Labels of the Secret.

    Examples:
        >>> secret("db", {"password": "s3cret"})["data"]
        {'password': 'czNjcmV0'}
    """
    _check_name(name, "secret")
    return Manifest({
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": _metadata(name, labels),
        "data": {
            key: base64.b64encode(_string(value, f"data[{key!r}]").encode()).decode()
            for key, value in data.items()
        },
    })


def pvc(
    name: str,
    size: str = "1Gi",
    *,
    storage_class: str | None = None,
    access_modes: Sequence[str] = ("ReadWriteOnce",),
    labels: Mapping[str, str] | None = None,
) -> Manifest:
    """Build a PersistentVolumeClaim: a request for disk that outlives Pods.

    Args:
        name: The claim's name, which Pods mount as ``"pvc/<name>"``.
        size: How much storage, for example ``"1Gi"`` or ``"500Mi"``.
        storage_class: The StorageClass; None uses the cluster's default (``standard``).
        access_modes: ``ReadWriteOnce`` (one node at a time) is what the course clusters offer.
        labels: Labels of the claim.

    Examples:
        >>> pvc("results", "2Gi")["spec"]["resources"]
        {'requests': {'storage': '2Gi'}}
    """
    _check_name(name, "persistentvolumeclaim")
    spec: dict[str, Any] = {"accessModes": list(access_modes), "resources": {"requests": {"storage": size}}}
    if storage_class:
        spec["storageClassName"] = storage_class
    return Manifest({
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": _metadata(name, labels),
        "spec": spec,
    })


def namespace(name: str, *, labels: Mapping[str, str] | None = None) -> Manifest:
    """Build a Namespace.

    Args:
        name: The Namespace's name (at most 63 characters).
        labels: Labels of the Namespace.

    Examples:
        >>> namespace("lesson-pods", labels={"kds.course/lesson": "pods"})["metadata"]
        {'name': 'lesson-pods', 'labels': {'kds.course/lesson': 'pods'}}
    """
    _check_name(name, "namespace", pattern=_LABEL, limit=63)
    return Manifest({"apiVersion": "v1", "kind": "Namespace", "metadata": _metadata(name, labels)})
