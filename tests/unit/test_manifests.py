"""The manifest builders: pure functions, checked without a cluster."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from kubernetes import client

from kdsutils import manifests as m
from kdsutils.errors import ManifestError
from kdsutils.images import IMAGES_DIR, REGISTRY

MODEL_TYPES = {
    "Pod": "V1Pod",
    "Deployment": "V1Deployment",
    "Service": "V1Service",
    "Job": "V1Job",
    "CronJob": "V1CronJob",
    "ConfigMap": "V1ConfigMap",
    "Secret": "V1Secret",
    "PersistentVolumeClaim": "V1PersistentVolumeClaim",
    "Namespace": "V1Namespace",
}


class _Response:
    def __init__(self, obj: dict[str, Any]) -> None:
        self.data = json.dumps(obj)


def _roundtrip(obj: dict[str, Any]) -> dict[str, Any]:
    """Load the dict into the official client's typed model and back: unknown or misspelt
    fields (which the API server would silently drop) disappear on the way."""
    api = client.ApiClient()
    model = api.deserialize(_Response(obj), MODEL_TYPES[obj["kind"]])
    return api.sanitize_for_serialization(model)


EVERY_BUILDER = [
    m.pod(
        "hello",
        m.BUSYBOX_IMAGE,
        ["sh", "-c", "echo hi"],
        args=["--verbose"],
        labels={"tier": "demo"},
        env={"ROWS": 1000, "DEBUG": True, "NAME": "x"},
        env_from=["configmap/settings", "secret/db"],
        resources={"requests": {"cpu": "100m", "memory": "64Mi"}, "limits": {"memory": "64Mi"}},
        ports=[8000],
        volumes={
            "/data": "pvc/results",
            "/etc/app": "configmap/settings",
            "/creds": "secret/db",
            "/tmp/x": "emptydir",
        },
        restart_policy="Never",
    ),
    m.deployment("web", m.PYTHON_DS_IMAGE, ["python", "-m", "http.server"], replicas=3, ports=[8000]),
    m.service("web", port=80, target_port=8000, type="NodePort"),
    m.job("train", m.PYTHON_DS_IMAGE, ["python", "-c", "print(1)"], completions=4, parallelism=2),
    m.cronjob("nightly", m.PYTHON_DS_IMAGE, ["python", "-c", "print(1)"], schedule="0 3 * * *"),
    m.configmap("settings", {"learning_rate": 0.01}),
    m.secret("db", {"password": "s3cret"}),
    m.pvc("results", "2Gi", storage_class="standard"),
    m.namespace("lesson-pods", labels={"kds.course/lesson": "pods"}),
]


@pytest.mark.parametrize("manifest", EVERY_BUILDER, ids=lambda obj: obj["kind"])
def test_builders_use_only_real_kubernetes_fields(manifest: dict[str, Any]) -> None:
    assert _roundtrip(manifest) == manifest


def _containers(obj: dict[str, Any]) -> list[dict[str, Any]]:
    spec = obj["spec"]
    if obj["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    if obj["kind"] != "Pod":
        spec = spec["template"]["spec"]
    return spec["containers"]


@pytest.mark.parametrize(
    "manifest",
    [obj for obj in EVERY_BUILDER if obj["kind"] in ("Pod", "Deployment", "Job", "CronJob")],
    ids=lambda obj: obj["kind"],
)
def test_course_images_are_never_pulled(manifest: dict[str, Any]) -> None:
    assert [c["imagePullPolicy"] for c in _containers(manifest)] == ["IfNotPresent"]


def test_pod_spells_out_options_the_kubernetes_way() -> None:
    container = EVERY_BUILDER[0]["spec"]["containers"][0]
    assert container["command"] == ["sh", "-c", "echo hi"]
    assert container["env"] == [
        {"name": "ROWS", "value": "1000"},
        {"name": "DEBUG", "value": "true"},
        {"name": "NAME", "value": "x"},
    ]
    assert container["envFrom"] == [{"configMapRef": {"name": "settings"}}, {"secretRef": {"name": "db"}}]
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    volumes = {vol["name"]: vol for vol in EVERY_BUILDER[0]["spec"]["volumes"]}
    assert volumes[mounts["/data"]]["persistentVolumeClaim"] == {"claimName": "results"}
    assert volumes[mounts["/etc/app"]]["configMap"] == {"name": "settings"}
    assert volumes[mounts["/creds"]]["secret"] == {"secretName": "db"}
    assert volumes[mounts["/tmp/x"]]["emptyDir"] == {}
    assert EVERY_BUILDER[0]["metadata"]["labels"] == {"app": "hello", "tier": "demo"}


def test_deployment_selects_exactly_its_own_pods() -> None:
    deploy = m.deployment("web", m.PYTHON_DS_IMAGE, labels={"tier": "front"})
    selector = deploy["spec"]["selector"]["matchLabels"]
    template_labels = deploy["spec"]["template"]["metadata"]["labels"]
    assert selector == {"app": "web"}
    assert selector.items() <= template_labels.items()
    assert template_labels["tier"] == "front"


def test_service_selects_the_pods_of_the_deployment_of_the_same_name() -> None:
    deploy = m.deployment("web", m.PYTHON_DS_IMAGE)
    svc = m.service("web", port=80)
    assert svc["spec"]["selector"].items() <= deploy["spec"]["template"]["metadata"]["labels"].items()
    assert svc["spec"]["ports"] == [{"port": 80, "targetPort": 80, "protocol": "TCP"}]


def test_job_pods_never_restart_in_place() -> None:
    spec = m.job("train", m.PYTHON_DS_IMAGE, backoff_limit=0)["spec"]
    assert spec["template"]["spec"]["restartPolicy"] == "Never"
    assert spec["backoffLimit"] == 0
    assert "completions" not in spec


def test_cronjob_needs_a_cron_schedule() -> None:
    assert m.cronjob("hourly", m.BUSYBOX_IMAGE, schedule="@hourly")["spec"]["schedule"] == "@hourly"
    with pytest.raises(ManifestError, match="five fields"):
        m.cronjob("nightly", m.BUSYBOX_IMAGE, schedule="every night")


def test_configmap_values_become_text_and_structures_are_refused() -> None:
    assert m.configmap("c", {"n": 3, "on": False})["data"] == {"n": "3", "on": "false"}
    with pytest.raises(ManifestError, match=r"json\.dumps"):
        m.configmap("c", {"grid": [1, 2]})


def test_secret_is_only_base64_encoded() -> None:
    data = m.secret("db", {"password": "s3cret"})["data"]
    assert base64.b64decode(data["password"]).decode() == "s3cret"


def test_pvc_uses_the_default_storage_class_unless_told() -> None:
    claim = m.pvc("results")
    assert "storageClassName" not in claim["spec"]
    assert claim["spec"]["resources"] == {"requests": {"storage": "1Gi"}}
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]


@pytest.mark.parametrize(
    ("build", "suggestion"),
    [
        (lambda: m.pod("My_Pod", m.BUSYBOX_IMAGE), "'my-pod'"),
        (lambda: m.namespace("lesson-Data Prep"), "'lesson-data-prep'"),
        (lambda: m.service("2web", port=80), "start"),
        (lambda: m.job("x" * 64, m.BUSYBOX_IMAGE), "63"),
    ],
)
def test_invalid_names_are_caught_early_with_a_suggestion(build: Any, suggestion: str) -> None:
    with pytest.raises(ManifestError) as caught:
        build()
    assert "not a valid" in str(caught.value)
    assert suggestion in str(caught.value)


def test_resources_must_name_requests_or_limits() -> None:
    with pytest.raises(ManifestError, match="'requests'"):
        m.pod("p", m.BUSYBOX_IMAGE, resources={"cpu": "1"})  # type: ignore[dict-item]


def test_command_given_as_one_string_is_refused() -> None:
    with pytest.raises(ManifestError, match="lists of strings"):
        m.pod("p", m.BUSYBOX_IMAGE, "echo hi")  # type: ignore[arg-type]


def test_bad_volume_source_is_explained() -> None:
    with pytest.raises(ManifestError, match="'pvc/<name>'"):
        m.pod("p", m.BUSYBOX_IMAGE, volumes={"/data": "results"})


def test_python_ds_image_matches_the_repository_tag() -> None:
    tag = (IMAGES_DIR / "python-ds" / "TAG").read_text().strip()
    assert m.PYTHON_DS_IMAGE == f"{REGISTRY}/python-ds:{tag}"
    assert m.BUSYBOX_IMAGE == f"{REGISTRY}/busybox:{(IMAGES_DIR / 'busybox' / 'TAG').read_text().strip()}"
