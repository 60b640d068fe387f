"""The running example as the team runs it, healthy: the pieces each lab breaks one way (pure).

Every function returns YAML text. A scenario takes the healthy pieces and changes the one
thing its colleague got wrong, so the rest of each manifest is the same in every lab.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import yaml

from kdsutils.manifests import PYTHON_DS_IMAGE

#: The model server's Deployment and Service.
API = "churn-api"
#: The port the model server listens on, and the Service's.
PORT = 8000
#: What the team's manifests label everything with.
TEAM = {"team": "growth"}
#: Enough for the server or the nightly scoring (pandas and scikit-learn take about 150 MiB).
RESOURCES: dict[str, dict[str, str]] = {
    "requests": {"cpu": "100m", "memory": "256Mi"},
    "limits": {"memory": "256Mi"},
}


class _NoAliases(yaml.SafeDumper):
    """Writes a dict used twice (labels in metadata and template) twice, not as ``&id001``/``*id001``."""

    def ignore_aliases(self, data: Any) -> bool:
        return True


def dump(*docs: Mapping[str, Any]) -> str:
    """Objects as one YAML text, in the order given (pure).

    Examples:
        >>> print(dump({"kind": "ConfigMap"}, {"kind": "Secret"}))
        kind: ConfigMap
        ---
        kind: Secret
        <BLANKLINE>
    """
    return yaml.dump_all([dict(doc) for doc in docs], Dumper=_NoAliases, sort_keys=False)


def container(
    name: str,
    command: list[str],
    *,
    image: str | None = None,
    env: Mapping[str, str | Mapping[str, Any]] | None = None,
    resources: Mapping[str, Mapping[str, str]] | None = None,
    **fields: Any,
) -> dict[str, Any]:
    """One container of the running example, with the team's resources (pure).

    `fields` adds any other container field as it is (``readinessProbe=...``). A value of `env`
    that is a mapping is the variable's ``valueFrom`` (``{"configMapKeyRef": {...}}``).

    Examples:
        >>> container("train", ["python", "-m", "churn.train"])["resources"]["limits"]
        {'memory': '256Mi'}
    """
    spec: dict[str, Any] = {
        "name": name,
        "image": image or PYTHON_DS_IMAGE,
        "imagePullPolicy": "IfNotPresent",
        "command": command,
    }
    if env:
        spec["env"] = [
            {"name": key, "valueFrom": dict(value)} if isinstance(value, Mapping) else {"name": key, "value": value}
            for key, value in env.items()
        ]
    spec["resources"] = {key: dict(value) for key, value in (resources or RESOURCES).items()}
    spec.update(fields)
    return spec


def probe(path: str = "/health", *, port: int = PORT, **timing: int) -> dict[str, Any]:
    """An HTTP GET probe (pure).

    Examples:
        >>> probe(periodSeconds=2)
        {'httpGet': {'path': '/health', 'port': 8000}, 'periodSeconds': 2}
    """
    return {"httpGet": {"path": path, "port": port}, **timing}


def churn_api(
    *,
    name: str = API,
    container_fields: Mapping[str, Any] | None = None,
    env: Mapping[str, str | Mapping[str, Any]] | None = None,
    image: str | None = None,
    replicas: int = 1,
    target_port: int | str = PORT,
    selector: Mapping[str, str] | None = None,
    pod_fields: Mapping[str, Any] | None = None,
) -> str:
    """The model server (``python -m churn.serve``) as a Deployment, and its Service (pure).

    Healthy by default: a readiness probe on ``/health``, the team's resources, and a Service
    that selects ``app: <name>`` and sends port 8000 to the container's 8000. Each argument
    changes one thing, the way a colleague might have.

    Args:
        name: The Deployment's and the Service's name.
        container_fields: Container fields to set or replace (``readinessProbe``, ``command``).
        env: The server's environment variables.
        image: The image (default: the course's python-ds).
        replicas: How many copies.
        target_port: The Service's ``targetPort``.
        selector: The Service's selector (default: ``app: <name>``).
        pod_fields: Pod spec fields to set (``volumes``).

    Examples:
        >>> text = churn_api(target_port=8080)
        >>> [doc["kind"] for doc in yaml.safe_load_all(text)]
        ['Deployment', 'Service']
    """
    labels = {"app": name, **TEAM}
    fields = {
        "ports": [{"containerPort": PORT, "name": "http"}],
        "readinessProbe": probe(periodSeconds=2),
        **(container_fields or {}),
    }
    server = container(name, ["python", "-m", "churn.serve"], image=image, env=env, **fields)
    deployment = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": {"app": name}},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [server], **(pod_fields or {})}},
        },
    }
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "selector": dict(selector or {"app": name}),
            "ports": [{"name": "http", "port": PORT, "targetPort": target_port}],
        },
    }
    return dump(deployment, service)


def job(
    name: str,
    command: list[str],
    *,
    backoff_limit: int = 2,
    pod_fields: Mapping[str, Any] | None = None,
    **container_options: Any,
) -> dict[str, Any]:
    """A Job of the running example (training, scoring), as a dict to change or `dump` (pure).

    `container_options` go to `container` (``env=``, ``resources=``, ``image=``, fields).

    Examples:
        >>> job("scoring", ["python", "-m", "churn.score"])["spec"]["backoffLimit"]
        2
    """
    labels = {"app": name, **TEAM}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": name, "labels": labels},
        "spec": {
            "backoffLimit": backoff_limit,
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "restartPolicy": "Never",
                    "containers": [container(name, command, **container_options)],
                    **(pod_fields or {}),
                },
            },
        },
    }
