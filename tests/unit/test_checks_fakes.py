"""A small fake of the Kubernetes API for the check tests, and tests that it answers as the API does.

Objects are built with the course's own manifest builders, then turned by `typed` into the
objects the Python client returns (``V1Pod``...). `FakeCluster.install` makes every typed
client of the checks' kit (``core()``, ``apps()``...) answer from one `FakeCluster`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from types import SimpleNamespace
from typing import Any

import pytest
from kubernetes import client
from kubernetes.client import ApiException

from kdsutils import kube, manifests
from kdsutils.checks import _kit

#: The namespace the fake exercises run in.
NS = "lesson-checks-ex"
_CLUSTER_WIDE = {"namespace", "node", "storage_class"}
_DESERIALIZER = client.ApiClient()


def typed(manifest: Mapping[str, Any], *, status: Mapping[str, Any] | None = None, **metadata: Any) -> Any:
    """Return the typed object the API would return for `manifest`, with `status` and extra metadata.

    Metadata keys are written as in YAML (``ownerReferences``, ``annotations``).
    """
    body = json.loads(json.dumps(dict(manifest)))
    body["metadata"].update(metadata)
    if status is not None:
        body["status"] = dict(status)
    return _DESERIALIZER.deserialize(SimpleNamespace(data=json.dumps(body)), f"V1{body['kind']}")


def pod(name: str, command: list[str] | None = None, *, phase: str = "Running", **options: Any) -> client.V1Pod:
    """A Pod of the course's Python image (or ``image=``) in `phase`; options go to `manifests.pod`."""
    image = options.pop("image", manifests.PYTHON_DS_IMAGE)
    status = {"phase": phase, **options.pop("status", {})}
    metadata = options.pop("metadata", {})
    return typed(manifests.pod(name, image, command, **options), status=status, **metadata)


def ran(container: str, started: str, finished: str) -> dict[str, Any]:
    """The status fields of a Pod whose container ran from `started` to `finished` (``HH:MM:SS``) and exited 0."""
    state = {"exitCode": 0, "startedAt": f"2026-12-01T{started}Z", "finishedAt": f"2026-12-01T{finished}Z"}
    status = {"name": container, "image": "x", "imageID": "", "ready": False, "restartCount": 0}
    return {"containerStatuses": [{**status, "state": {"terminated": state}}]}


def node(name: str = "kds", *, version: str = "v1.36.4", allocatable: str = "16318504Ki") -> client.V1Node:
    """A Node running kubelet `version`, offering `allocatable` memory to pods out of a little more."""
    info = dict.fromkeys(
        ("architecture", "bootID", "containerRuntimeVersion", "kernelVersion", "kubeProxyVersion", "machineID",
         "operatingSystem", "osImage", "systemUUID"),
        "x",
    )  # fmt: skip
    capacity = f"{int(allocatable.removesuffix('Ki')) + 1048576}Ki"
    manifest = {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}}
    status = {"nodeInfo": {**info, "kubeletVersion": version}, "allocatable": {"memory": allocatable}}
    return typed(manifest, status={**status, "capacity": {"memory": capacity}})


def _snake(kind: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", kind).lower()


class FakeCluster:
    """Answers the typed clients' ``read_*``, ``list_*``, pod-log and access-review calls from memory.

    Attributes:
        objects: The objects, by (kind as the client spells it, namespace or None, name).
        logs: What each Pod printed, by (namespace, name).
        rules: What each ServiceAccount may do, as (account, verb, resource or resource/subresource).
    """

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str | None, str], Any] = {}
        self.logs: dict[tuple[str, str], str] = {}
        self.rules: set[tuple[str, str, str]] = set()

    @classmethod
    def install(cls, monkeypatch: pytest.MonkeyPatch) -> FakeCluster:
        """Make every typed client of the kit this fake, and `NS` the exercise's namespace."""
        fake = cls()
        monkeypatch.setattr(_kit, "typed_api", lambda api_class: fake)
        kube.set_default_namespace(NS)
        return fake

    def add(self, *objects: Any, namespace: str = NS) -> None:
        """Store objects (in `namespace`, unless their kind is cluster-wide); one with the same name is replaced."""
        for obj in objects:
            kind = _snake(type(obj).__name__.removeprefix("V1"))
            self.objects[(kind, None if kind in _CLUSTER_WIDE else namespace, obj.metadata.name)] = obj

    def delete(self, kind: str, name: str, *, namespace: str = NS) -> None:
        """Remove an object, named by its kind as the client spells it (``pod``, ``endpoint_slice``)."""
        del self.objects[(kind, None if kind in _CLUSTER_WIDE else namespace, name)]

    def print(self, pod_name: str, text: str, *, namespace: str = NS) -> None:
        """Make the logs of a Pod read `text`."""
        self.logs[(namespace, pod_name)] = text

    def grant(self, account: str, verbs: Iterable[str], resources: Iterable[str]) -> None:
        """Let a ServiceAccount do `verbs` on `resources`, as one rule of a Role bound to it."""
        resources = list(resources)
        self.rules |= {(account, verb, resource) for verb in verbs for resource in resources}

    def read_namespaced_pod_log(self, name: str, namespace: str, **_: Any) -> SimpleNamespace:
        """The raw response the client returns with ``_preload_content=False``: bytes in ``.data``."""
        self._get("pod", namespace, name)
        return SimpleNamespace(data=self.logs.get((namespace, name), "").encode())

    def create_subject_access_review(self, body: client.V1SubjectAccessReview, **_: Any) -> Any:
        """Answer "may this ServiceAccount do that?" from `rules`."""
        account = body.spec.user.rpartition(":")[2]
        asked = body.spec.resource_attributes
        resource = asked.resource + (f"/{asked.subresource}" if asked.subresource else "")
        allowed = (account, asked.verb, resource) in self.rules
        return client.V1SubjectAccessReview(spec=body.spec, status=client.V1SubjectAccessReviewStatus(allowed=allowed))

    def _get(self, kind: str, namespace: str | None, name: str) -> Any:
        if (kind, namespace, name) not in self.objects:
            raise ApiException(status=404, reason="Not Found")
        return self.objects[(kind, namespace, name)]

    def __getattr__(self, method: str) -> Callable[..., Any]:
        verb, _, rest = method.partition("_")
        if verb not in ("read", "list"):
            raise AttributeError(method)
        namespaced = rest.startswith("namespaced_")
        kind = rest.removeprefix("namespaced_")

        def read(name: str, *where: str, **_: Any) -> Any:
            return self._get(kind, where[0] if namespaced else None, name)

        def listing(*where: str, label_selector: str = "", **_: Any) -> SimpleNamespace:
            wanted = dict(term.split("=", 1) for term in label_selector.split(",") if term)
            return SimpleNamespace(
                items=[
                    obj
                    for (k, namespace, _name), obj in self.objects.items()
                    if k == kind
                    and (not namespaced or namespace == where[0])
                    and all((obj.metadata.labels or {}).get(key) == value for key, value in wanted.items())
                ]
            )

        found = read if verb == "read" else listing
        found.__name__ = method
        return found


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeCluster:
    return FakeCluster.install(monkeypatch)


def test_a_missing_object_is_a_404_as_the_api_answers(fake: FakeCluster) -> None:
    fake.add(pod("web"), namespace="elsewhere")
    with pytest.raises(ApiException) as caught:
        fake.read_namespaced_pod("web", NS)
    assert caught.value.status == 404
    assert fake.read_namespaced_pod("web", "elsewhere").metadata.name == "web"


def test_lists_filter_by_namespace_and_labels(fake: FakeCluster) -> None:
    fake.add(pod("a", labels={"team": "ml"}), pod("b", labels={"team": "data-eng"}))
    fake.add(pod("c", labels={"team": "ml"}), namespace="elsewhere")
    chosen = fake.list_namespaced_pod(NS, label_selector="team=ml").items
    assert [p.metadata.name for p in chosen] == ["a"]
    assert len(fake.list_namespaced_pod(NS).items) == 2


def test_typed_objects_are_those_the_client_returns() -> None:
    built = pod("writer", ["python3", "-V"], phase="Succeeded", volumes={"/artifacts": "pvc/artifacts"},
                status=ran("writer", "10:00:00", "10:00:05"))  # fmt: skip
    assert isinstance(built, client.V1Pod)
    assert built.spec.volumes[0].persistent_volume_claim.claim_name == "artifacts"
    assert built.status.container_statuses[0].state.terminated.finished_at.second == 5


def test_install_routes_every_client_of_the_kit_to_the_fake(fake: FakeCluster) -> None:
    assert _kit.core() is fake and _kit.apps() is fake and _kit.batch() is fake
    assert _kit.discovery() is fake and _kit.authorization() is fake


def test_logs_come_back_as_bytes_like_the_raw_response(fake: FakeCluster) -> None:
    fake.add(pod("hello"))
    fake.print("hello", "hi\n")
    assert fake.read_namespaced_pod_log("hello", NS).data == b"hi\n"
