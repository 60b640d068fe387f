"""The kind cluster on this machine, from the node image assembled here (tests/kind/run.sh made it)."""

from __future__ import annotations

import json
from collections.abc import Callable

from kdsutils._run import run
from kdsutils.cluster import NODE, kind
from kdsutils.images import course_image
from kdsutils.versions import versions

from .conftest import KIND, LOCAL, answers, kubectl, node, run_pod

NewNamespace = Callable[[str], str]


def test_the_cluster_boots_from_the_node_image_assembled_here() -> None:
    assert kind.CLUSTER in kind.parse_clusters(run(["kind", "get", "clusters"]).stdout)
    image = run(["docker", "inspect", "--format", "{{.Config.Image}}", NODE]).stdout.strip()
    assert image == kind.LOCAL_NODE
    label = run(["docker", "image", "inspect", "--format", '{{index .Config.Labels "kds.recipe"}}', image])
    assert len(label.stdout.strip()) == 12  # the recipe hash of kdsutils/cluster/kind/node/build.sh


def test_its_node_is_the_course_node_at_the_pinned_versions() -> None:
    item = node(KIND)
    assert item["metadata"]["name"] == NODE
    ready = next(c for c in item["status"]["conditions"] if c["type"] == "Ready")
    assert ready["status"] == "True", ready
    info = item["status"]["nodeInfo"]
    assert info["kubeletVersion"] == versions()["kubernetes"]
    assert info["containerRuntimeVersion"] == f"containerd://{versions()['containerd'].removeprefix('v')}"
    assert run(["kubectl", "config", "current-context"]).stdout.strip() == KIND


def test_a_claim_of_the_default_storage_class_standard_binds_and_keeps_a_file(namespaces: NewNamespace) -> None:
    classes = json.loads(kubectl(KIND, "get", "storageclass", "-o", "json"))["items"]
    default = [c["metadata"]["name"] for c in classes
               if c["metadata"].get("annotations", {}).get("storageclass.kubernetes.io/is-default-class") == "true"]
    assert default == ["standard"]
    ns = namespaces(KIND)
    claim = {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
             "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "10Mi"}}}}
    busybox = course_image("busybox").ref
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "writer"}, "spec": {
        "restartPolicy": "Never",
        "containers": [{"name": "c", "image": busybox, "imagePullPolicy": "Never",
                        "command": ["sh", "-c", "echo kept > /data/f && cat /data/f"],
                        "volumeMounts": [{"name": "d", "mountPath": "/data"}]}],
        "volumes": [{"name": "d", "persistentVolumeClaim": {"claimName": "data"}}]}}  # fmt: skip
    kubectl(KIND, "apply", "-n", ns, "-f", "-", input=json.dumps({"apiVersion": "v1", "kind": "List",
                                                                   "items": [claim, pod]}))  # fmt: skip
    kubectl(KIND, "wait", "-n", ns, "pod/writer", "--for=jsonpath={.status.phase}=Succeeded", "--timeout=120s",
            timeout=150)  # fmt: skip
    assert kubectl(KIND, "logs", "-n", ns, "writer").strip() == "kept"
    assert kubectl(KIND, "get", "pvc", "data", "-n", ns, "-o", "jsonpath={.status.phase}") == "Bound"


def test_the_course_images_are_in_the_node_and_run_without_a_pull(namespaces: NewNamespace) -> None:
    ns = namespaces(KIND)
    python = course_image("python-ds").ref
    out = run_pod(KIND, ns, python, "python", "-c", "import pandas, sklearn; print('ok')", timeout=180)
    assert out.strip() == "ok"


def test_dns_answers_for_services_and_for_names_outside_the_cluster(namespaces: NewNamespace) -> None:
    """CoreDNS forwards to Docker's DNS server through the node's own address (the node's entrypoint)."""
    ns = namespaces(KIND)
    busybox = course_image("busybox").ref
    out = run_pod(KIND, ns, busybox, "sh", "-c",
                  "nslookup kubernetes.default.svc.cluster.local && nslookup kds-control-plane.")  # fmt: skip
    assert "Address: 10.96.0.1" in out, out
    assert "Name:\tkds-control-plane" in out, out  # answered by Docker's DNS server, through CoreDNS


def test_the_local_engine_refuses_to_start_beside_it_and_keeps_its_data() -> None:
    proc = run(["kds", "up", "--backend", "local"], check=False, timeout=120)
    assert proc.returncode == 1
    assert "The kind cluster runs already" in proc.stderr and "kds down --backend kind" in proc.stderr
    assert not answers(LOCAL) and answers(KIND)
