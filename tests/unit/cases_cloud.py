"""Check cases of the exercises on the cloud (see check_cases.py)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod, typed

from kdsutils import manifests
from kdsutils.checks import _kit
from kdsutils.cluster import NODE

SERVE = ["python", "-m", "churn.serve"]
PROBE = {"httpGet": {"path": "/health", "port": 8000}, "periodSeconds": 2}
NODE_PORT = 31234


def _rolled_out(manifest: dict[str, Any], *, ready: int = 1) -> Any:
    """A Deployment of one replica, `ready` of them ready, as the controller reports it once it has seen the spec."""
    status = {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1, "readyReplicas": ready,
              "availableReplicas": ready}  # fmt: skip
    return typed(manifest, status=status, generation=1)


def _api() -> Any:
    manifest = manifests.deployment("churn-api", manifests.PYTHON_DS_IMAGE, SERVE, ports=[8000])
    manifest["spec"]["template"]["spec"]["containers"][0]["readinessProbe"] = PROBE
    return _rolled_out(manifest)


def _public(*, kind: str = "LoadBalancer", target_port: int = 8000, selector: str = "churn-api",
            address: str | None = None) -> Any:  # fmt: skip
    """The Service churn-api-public as the API server returns it: with its nodePort, and no address unless given."""
    manifest = manifests.service("churn-api-public", port=80, target_port=target_port, type=kind,
                                 selector={"app": selector})  # fmt: skip
    if kind != "ClusterIP":
        manifest["spec"]["ports"][0]["nodePort"] = NODE_PORT
    ingress = [{"ip": address}] if address else []
    return typed(manifest, status={"loadBalancer": {"ingress": ingress} if ingress else {}})


def _slice(service: str, ready: int) -> Any:
    endpoints = [{"addresses": [f"10.244.0.{i + 7}"], "conditions": {"ready": True}} for i in range(ready)]
    manifest = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                "metadata": {"name": f"{service}-m4x7q", "labels": {"kubernetes.io/service-name": service}},
                "endpoints": endpoints, "ports": [{"name": "", "port": 8000, "protocol": "TCP"}]}  # fmt: skip
    return typed(manifest)


# ---------------------------------------------------------------------------- cloud_ex1


@full("cloud_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_api(), _public(), _slice("churn-api-public", 1))
    return {"node_port": str(NODE_PORT)}  # as kubectl's jsonpath prints it


@half("cloud_ex1", says="there is a Deployment named churn-api")
def cloud_ex1_api_not_deployed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("deployment", "churn-api")
    return {}


@half("cloud_ex1", says="there is a Service named churn-api-public")
def cloud_ex1_no_service_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("service", "churn-api-public")
    return {"node_port": None}


@half("cloud_ex1", says="it is of type LoadBalancer (it is NodePort)")
def cloud_ex1_a_node_port_service(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_public(kind="NodePort"))
    return {}


@half("cloud_ex1", says="port 80 sends traffic to port 8000 of the Pods (it sends to 80)")
def cloud_ex1_target_port_left_out(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_public(target_port=80))
    return {}


@half("cloud_ex1", says="its selector picks the Pods of churn-api (it selects app=churn_api)")
def cloud_ex1_selects_nobody(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_public(selector="churn_api"), _slice("churn-api-public", 0))
    return {}


@half("cloud_ex1", says="it has ready endpoints, the churn API's Pods (it has none)")
def cloud_ex1_api_not_ready(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_slice("churn-api-public", 0))
    return {}


@half("cloud_ex1", says="its external address is pending")
def cloud_ex1_a_cluster_with_load_balancers(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_public(address="172.18.255.200"))
    return {}


@half("cloud_ex1", says="you passed the nodePort Kubernetes gave churn-api-public")
def cloud_ex1_no_node_port_passed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"node_port": None}


@half("cloud_ex1", says="the check expects a port number")
def cloud_ex1_the_whole_ports_column(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"node_port": f"80:{NODE_PORT}/TCP"}


@half("cloud_ex1", says="the node_port you passed is the one Kubernetes gave churn-api-public (it is not")
def cloud_ex1_the_service_port(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"node_port": 80}


# ---------------------------------------------------------------------------- cloud_ex2

SCORE = ["python", "-c", "import time\nfrom churn.score import main\nwhile True:\n    main(['--out', "
         "'/scores/latest.csv'])\n    time.sleep(60)"]  # fmt: skip
POOL = {"eks.amazonaws.com/nodegroup": "ml-pool"}


def _scorer(*, node_selector: dict[str, str] | None = None, volume: bool = True, ready: int = 1) -> Any:
    volumes = {"/scores": "pvc/scores"} if volume else None
    manifest = manifests.deployment("batch-scorer", manifests.PYTHON_DS_IMAGE, SCORE, volumes=volumes)
    if node_selector:
        manifest["spec"]["template"]["spec"]["nodeSelector"] = node_selector
    return _rolled_out(manifest, ready=ready)


def _scorer_pod(name: str, *, on: str | None = NODE, volume: bool = True) -> Any:
    """A Pod of batch-scorer: Running on node `on`, or Pending when None."""
    volumes = {"/scores": "pvc/scores"} if volume else None
    built = pod(name, SCORE, phase="Running" if on else "Pending", labels={"app": "batch-scorer"}, volumes=volumes)
    built.spec.node_name = on
    return built


def _claim(*, storage_class: str | None = None, phase: str = "Bound") -> Any:
    claim = typed(manifests.pvc("scores", "1Gi", storage_class=storage_class), status={"phase": phase})
    claim.spec.storage_class_name = storage_class or "standard"  # the API fills in the default class
    claim.spec.volume_name = "pvc-scores-4b1c" if phase == "Bound" else None
    return claim


@full("cloud_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_scorer(), _claim(), _scorer_pod("batch-scorer-6d9f8c7b5-q2w4r"))
    return {}


@half("cloud_ex2", says="there is a Deployment named batch-scorer")
def cloud_ex2_tutorial_not_applied(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("deployment", "batch-scorer")
    return {}


@half("cloud_ex2", says="a Pod of batch-scorer runs (it is Pending: find out why with kubectl)")
def cloud_ex2_as_the_tutorial_wrote_it(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_scorer(node_selector=POOL, ready=0), _claim(storage_class="gp3", phase="Pending"),
             _scorer_pod("batch-scorer-6d9f8c7b5-q2w4r", on=None))  # fmt: skip
    return {}


@half("cloud_ex2", says="a Pod of batch-scorer runs on kds-control-plane (it is Pending")
def cloud_ex2_claim_fixed_node_group_left(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_scorer(node_selector=POOL, ready=0), _claim(phase="Pending"),
             _scorer_pod("batch-scorer-6d9f8c7b5-q2w4r", on=None))  # fmt: skip
    return {}


@half("cloud_ex2", says="the claim scores is Bound (it is Pending")
def cloud_ex2_node_group_fixed_claim_left(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_scorer(ready=0), _claim(storage_class="gp3", phase="Pending"),
             _scorer_pod("batch-scorer-7f5b9d6c4-z8x2m", on=None))  # fmt: skip
    return {}


@half("cloud_ex2", says="there is a PersistentVolumeClaim named scores")
def cloud_ex2_claim_deleted_not_made_again(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("persistent_volume_claim", "scores")
    fake.add(_scorer(ready=0), _scorer_pod("batch-scorer-7f5b9d6c4-z8x2m", on=None))
    return {}


@half("cloud_ex2", says="batch-scorer's Pods still mount the claim scores")
def cloud_ex2_volume_taken_out(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_scorer(volume=False), _claim(storage_class="gp3", phase="Pending"),
             _scorer_pod("batch-scorer-5c8d7f9b6-k4n2p", volume=False))  # fmt: skip
    return {}


@half("cloud_ex2", says="no Pod of batch-scorer is Pending (batch-scorer-6d9f8c7b5-q2w4r is Pending)")
def cloud_ex2_a_pending_pod_left_over(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_scorer_pod("batch-scorer-6d9f8c7b5-q2w4r", on=None), _scorer_pod("batch-scorer-7f5b9d6c4-z8x2m"))
    return {}


@half("cloud_ex2", says="batch-scorer is rolled out (1 of 1 updated, 0 ready)")
def cloud_ex2_still_starting(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_scorer(ready=0))
    return {}


# ---------------------------------------------------------------------------- cloud_ex3

CLOUD = "arn:aws:eks:eu-west-1:123456789012:cluster/ml-prod"


def _folder() -> Path:
    """The test's own tmp_path: conftest's autouse fixture puts KDS_WORKSHOP_CONTEXTS there."""
    return Path(os.environ["KDS_WORKSHOP_CONTEXTS"]).parent


def _kubeconfig(path: Path, contexts: list[str], current: str) -> Path:
    """A kubeconfig with one made-up cluster and user per context, never contacted."""
    config = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {"name": name, "cluster": {"server": f"https://{i}.k8s.example.invalid"}} for i, name in enumerate(contexts)
        ],
        "users": [{"name": name, "user": {"token": "not-a-real-token"}} for name in contexts],
        "contexts": [{"name": name, "context": {"cluster": name, "user": name}} for name in contexts],
        "current-context": current,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(config))
    return path


def _no_cluster(api_class: type) -> None:
    raise AssertionError("cloud_ex3 reads files only: it must not reach the cluster")


@full("cloud_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    monkeypatch.setattr(_kit, "typed_api", _no_cluster)
    own = _kubeconfig(_folder() / "own" / "config", ["kds-local"], "kds-local")
    monkeypatch.setenv("KUBECONFIG", str(own))
    scratch = _kubeconfig(_folder() / "scratch" / "config", ["kds-local", CLOUD], CLOUD)
    return {"refused_context": CLOUD, "kubeconfig": scratch}


@half("cloud_ex3", says="no scratch kubeconfig yet")
def cloud_ex3_nothing_passed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"refused_context": None, "kubeconfig": None}


@half("cloud_ex3", says="the scratch kubeconfig file exists (there is no file at that path)")
def cloud_ex3_folder_removed_before_the_check(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"kubeconfig": str(_folder() / "removed" / "config")}


@half("cloud_ex3", says="the scratch file is a kubeconfig")
def cloud_ex3_not_yaml(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    broken = _folder() / "scratch" / "config"
    broken.write_text("clusters: [unclosed\n")
    return {"kubeconfig": broken}


@half("cloud_ex3", says="it holds at least two contexts, the course cluster's and a cloud-looking one (it holds 1)")
def cloud_ex3_only_the_cloud_context(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"kubeconfig": _kubeconfig(_folder() / "scratch" / "config", [CLOUD], CLOUD)}


@half("cloud_ex3", says="its current context is not a course cluster (it is kds-local")
def cloud_ex3_cloud_context_never_made_current(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"kubeconfig": _kubeconfig(_folder() / "scratch" / "config", ["kds-local", CLOUD], "kds-local")}


@half("cloud_ex3", says="refused_context names the context the helpers refused")
def cloud_ex3_no_context_passed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"refused_context": None}


@half("cloud_ex3", says="refused_context is that current context (you passed 'ml-prod'")
def cloud_ex3_the_cluster_name_only(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"refused_context": "ml-prod"}


@half("cloud_ex3", says="(KUBECONFIG still names it: put back the value you saved)")
def cloud_ex3_kubeconfig_not_restored(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    monkeypatch.setenv("KUBECONFIG", str(_folder() / "scratch" / "config"))
    return {}


@half("cloud_ex3", says="(it is the kubeconfig kubectl reads by default")
def cloud_ex3_written_over_the_real_kubeconfig(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    monkeypatch.delenv("KUBECONFIG")
    monkeypatch.setenv("HOME", str(_folder()))
    return {"kubeconfig": _kubeconfig(_folder() / ".kube" / "config", ["kds-local", CLOUD], CLOUD)}


@half("cloud_ex3", says="your own current context is a course cluster again (it is prod-eks)")
def cloud_ex3_own_kubeconfig_switched_elsewhere(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    own = _kubeconfig(_folder() / "own" / "config", ["kds-local", "prod-eks"], "prod-eks")
    monkeypatch.setenv("KUBECONFIG", str(own))
    return {}
