"""Every exercise checker against a fake cluster: a full answer passes, a half-done one is "Not yet".

`FULL` builds, for each exercise, a cluster (and answers) that should pass. Each `HALF` case
starts from that full answer and undoes one part of it, as a learner half-way through would
have it; the check must say "Not yet", name what is missing in a ✘ item, show the first tier
of help, and never crash.
"""

from __future__ import annotations

import base64
import importlib
import json
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from test_checks_fakes import NS, FakeCluster, node, pod, ran, typed

from kdsutils import manifests
from kdsutils.checks import check, hint
from kdsutils.checks._api import topics
from kdsutils.checks._kit import registry

Answers = dict[str, object]
Build = Callable[[FakeCluster, pytest.MonkeyPatch], Answers]

FULL: dict[str, Build] = {}


@dataclass(frozen=True)
class Half:
    """An answer that falls short: how it differs from the full one, and what the ✘ item must say."""

    exercise_id: str
    says: str
    falls_short: Build


HALF: list[Half] = []


def full(exercise_id: str) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        FULL[exercise_id] = build
        return build

    return register


def half(exercise_id: str, says: str) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        HALF.append(Half(exercise_id, says, build))
        return build

    return register


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeCluster:
    return FakeCluster.install(monkeypatch)


# ---------------------------------------------------------------------------- why, setup, cluster


@full("why_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    monkeypatch.setattr("kdsutils.checks.why._client_version", lambda: "v1.36.0")
    return {"answer": "v1.36.0"}


@half("why_ex1", says="no answer yet")
def why_ex1_no_answer(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": None}


@half("why_ex1", says="is not the version of your kubectl")
def why_ex1_the_server_version(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "v1.35.2"}


@full("why_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": ["Airflow", "a shared JupyterLab"]}


@half("why_ex2", says="the list is empty")
def why_ex2_an_empty_list(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": []}


@half("why_ex2", says="every item of the list should be a tool's name")
def why_ex2_a_number_in_the_list(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": ["Airflow", 3]}


@full("setup_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(node(version="v1.36.4"))
    return {"answer": "v1.36.4"}


@half("setup_ex1", says="is not the Kubernetes version the node reports")
def setup_ex1_only_the_minor_version(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "v1.36"}


@full("setup_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    monkeypatch.setattr("kdsutils.checks.setup.current_context", lambda: "kind-kds")
    return {"answer": "kind-kds"}


@half("setup_ex2", says="is not the current context")
def setup_ex2_the_cluster_name(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "kds"}


SYSTEM_PODS = ("coredns-7db6d8ff4d-x2k9q", "etcd-kds", "kube-apiserver-kds")


@full("cluster_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(*(pod(name) for name in SYSTEM_PODS), namespace="kube-system")
    fake.add(pod("not-a-system-pod"))
    return {"answer": [f"pod/{name}" for name in SYSTEM_PODS]}


@half("cluster_ex1", says="1 of the 3 pods in kube-system are missing")
def cluster_ex1_one_pod_missing(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": list(SYSTEM_PODS[:2])}


@full("cluster_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(node(allocatable="16318504Ki"))
    return {"answer": "15.56Gi"}


@half("cluster_ex2", says="is the capacity, the whole machine")
def cluster_ex2_the_capacity(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": fake.read_node("kds").status.capacity["memory"]}


# ---------------------------------------------------------------------------- pods, yaml


@full("pods_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    pandas = importlib.import_module("kdsutils.checks.pods")._pinned("pandas") or "2.2.3"
    command = ["python3", "-c", "import pandas; print(pandas.__version__)"]
    fake.add(pod("pandas-version", command, phase="Succeeded", restart_policy="Never"))
    fake.print("pandas-version", f"{pandas}\n")
    return {}


@half("pods_ex1", says="it runs once and stops (restartPolicy is Always)")
def pods_ex1_restarts_for_ever(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("pandas-version", ["python3", "-c", "import pandas"], phase="Running"))
    return {}


def _exec_answers(version: str) -> Callable[..., subprocess.CompletedProcess[str]]:
    def run(args: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        assert args[:2] == ["kubectl", "--context"] and "exec" in args and "toolbox" in args
        return subprocess.CompletedProcess(args, 0, stdout=f"{version}\n", stderr="")

    return run


@full("pods_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    monkeypatch.setattr("kdsutils.checks.pods.require_course_context", lambda: "kds-local")
    monkeypatch.setattr("kdsutils.checks.pods.run", _exec_answers("1.6.1"))
    fake.add(pod("toolbox", ["sleep", "3600"]))
    return {"answer": "1.6.1"}


@half("pods_ex2", says="it is running, so you can exec into it (its phase is Pending)")
def pods_ex2_not_running_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("toolbox", ["sleep", "3600"], phase="Pending"))
    return {}


@half("pods_ex2", says="'1.5.0' is not the scikit-learn version installed in toolbox")
def pods_ex2_a_version_from_elsewhere(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "1.5.0"}


LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def _applied_pod(name: str, team: str, *, in_file: str | None = None) -> Any:
    """A Pod created with `kubectl apply -f`, labelled `team`; its file may say another team."""
    manifest = manifests.pod(name, manifests.BUSYBOX_IMAGE, ["sleep", "3600"], labels={"team": team})
    kept = manifests.pod(name, manifests.BUSYBOX_IMAGE, ["sleep", "3600"], labels={"team": in_file or team})
    return typed(manifest, status={"phase": "Running"}, annotations={LAST_APPLIED: json.dumps(kept)})


@full("yaml_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_applied_pod("ingest", "data-eng"), _applied_pod("clean", "data-eng"), _applied_pod("train", "ml"))
    return {}


@half("yaml_ex1", says="Pod train was created from a file with `kubectl apply -f`")
def yaml_ex1_one_pod_made_with_run(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("train", ["sleep", "3600"], labels={"team": "ml"}))
    return {}


@half("yaml_ex1", says="Pod clean has the label team=data-eng (it has team=ml)")
def yaml_ex1_a_pod_in_the_wrong_team(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_applied_pod("clean", "ml"))
    return {}


@full("yaml_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    FULL["yaml_ex1"](fake, monkeypatch)
    return {"answer": "pod/ingest pod/clean"}


@half("yaml_ex2", says="your answer names exactly those Pods (missing clean)")
def yaml_ex2_one_name_missing(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": ["ingest"]}


@full("yaml_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    FULL["yaml_ex1"](fake, monkeypatch)
    fake.add(_applied_pod("clean", "ml"))
    return {}


@half("yaml_ex3", says="the file you last applied says team: data-eng")
def yaml_ex3_relabelled_without_the_file(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_applied_pod("clean", "ml", in_file="data-eng"))
    return {}


# ---------------------------------------------------------------------------- deployments, services


def _deployment(name: str, replicas: int, *, ready: int | None = None, env: dict[str, str] | None = None,
                revision: int = 1) -> Any:  # fmt: skip
    manifest = manifests.deployment(name, manifests.PYTHON_DS_IMAGE, ["python3", "-m", "http.server", "8000"],
                                    replicas=replicas, env=env)  # fmt: skip
    ready = replicas if ready is None else ready
    status = {"observedGeneration": revision, "replicas": replicas, "updatedReplicas": replicas,
              "readyReplicas": ready, "availableReplicas": ready}  # fmt: skip
    annotations = {"deployment.kubernetes.io/revision": str(revision)}
    return typed(manifest, status=status, generation=revision, annotations=annotations)


def _replica_set(owner: str, name: str, env: dict[str, str] | None) -> Any:
    manifest = dict(manifests.deployment(owner, manifests.PYTHON_DS_IMAGE, ["python3"], env=env))
    manifest["kind"], manifest["metadata"] = "ReplicaSet", {"name": name}
    reference = {"apiVersion": "apps/v1", "kind": "Deployment", "name": owner, "uid": "1"}
    return typed(manifest, ownerReferences=[reference])


@full("deployments_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("api", 3))
    return {}


@half("deployments_ex1", says="it asks for 3 replicas (spec.replicas is 1)")
def deployments_ex1_not_scaled_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("api", 1))
    return {}


@half("deployments_ex1", says="3 of its Pods are ready (2 are")
def deployments_ex1_one_pod_not_ready(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("api", 3, ready=2))
    return {}


@full("deployments_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("api", 3, revision=3))
    fake.add(_replica_set("api", "api-5d4f", None), _replica_set("api", "api-7c9b", {"MODEL_VERSION": "v2"}))
    fake.add(_replica_set("other", "other-1a2b", None))
    return {}


@half("deployments_ex2", says="it still sets MODEL_VERSION=v2: roll it back")
def deployments_ex2_not_rolled_back(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("api", 3, env={"MODEL_VERSION": "v2"}, revision=2))
    return {}


@half("deployments_ex2", says="a change setting MODEL_VERSION=v2 was rolled out")
def deployments_ex2_no_change_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("replica_set", "api-7c9b")
    return {}


def _service(selector: dict[str, str]) -> Any:
    return typed(manifests.service("web", port=80, target_port=8000, selector=selector))


def _endpoints(ready: int) -> Any:
    endpoints = [{"addresses": [f"10.244.0.{i}"], "conditions": {"ready": True}} for i in range(ready)]
    manifest = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "addressType": "IPv4",
                "metadata": {"name": "web-x7k2p", "labels": {"kubernetes.io/service-name": "web"}},
                "endpoints": endpoints}  # fmt: skip
    return typed(manifest)


@full("services_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("web", 2), _service({"app": "web"}), _endpoints(2))
    return {}


@half("services_ex1", says="Deployment web has 2 ready replicas (it has 1)")
def services_ex1_one_replica(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_deployment("web", 1), _endpoints(1))
    return {}


@half("services_ex1", says="matches the labels of web's Pods")
def services_ex1_selects_no_pods(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_service({"app": "api"}), _endpoints(0))
    return {}


@half("services_ex1", says="there is a Service named web")
def services_ex1_no_service_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("service", "web")
    return {}


@full("services_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    command = ["wget", "-qO-", "http://web/"]
    fake.add(pod("client", command, phase="Succeeded", image=manifests.BUSYBOX_IMAGE, restart_policy="Never"))
    fake.print("client", "<!DOCTYPE HTML>\n<title>Directory listing for /</title>\n")
    return {}


@half("services_ex2", says="client calls the Service by its name, web (not an IP)")
def services_ex2_by_ip(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    command = ["wget", "-qO-", "http://10.96.12.7/"]
    fake.add(pod("client", command, phase="Succeeded", image=manifests.BUSYBOX_IMAGE, restart_policy="Never"))
    return {}


@half("services_ex2", says="client ran and exited successfully (its phase is Failed)")
def services_ex2_failed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    command = ["wget", "-qO-", "http://web:8000/"]
    fake.add(pod("client", command, phase="Failed", image=manifests.BUSYBOX_IMAGE, restart_policy="Never"))
    return {}


@full("services_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": f"web.{NS}.svc.cluster.local."}


@half("services_ex3", says="is the full DNS name of the Service web")
def services_ex3_no_namespace(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": "web.svc.cluster.local"}


# ---------------------------------------------------------------------------- config, jobs


@full("config_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.configmap("model-config", {"THRESHOLD": 0.7})))
    script = "import os; print(os.environ['THRESHOLD'])"
    fake.add(pod("scorer", ["python3", "-c", script], phase="Succeeded", env_from=["configmap/model-config"]))
    fake.print("scorer", "0.7\n")
    return {}


@half("config_ex1", says="scorer gets THRESHOLD from the ConfigMap model-config")
def config_ex1_threshold_written_in(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    script = "import os; print(os.environ['THRESHOLD'])"
    fake.add(pod("scorer", ["python3", "-c", script], phase="Succeeded", env={"THRESHOLD": "0.7"}))
    return {}


@half("config_ex1", says="model-config sets THRESHOLD to 0.7 (it sets '0.5')")
def config_ex1_another_threshold(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.configmap("model-config", {"THRESHOLD": 0.5})))
    return {}


PASSWORD = "correct-horse"


@full("config_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.secret("db", {"password": PASSWORD})))
    script = "print(len(open('/etc/db/password').read()))"
    fake.add(pod("app", ["python3", "-c", script], phase="Succeeded", volumes={"/etc/db": "secret/db"}))
    fake.print("app", f"{len(PASSWORD)}\n")
    return {}


@half("config_ex2", says="app's logs do not show the password itself")
def config_ex2_prints_the_password(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print("app", f"{PASSWORD} has {len(PASSWORD)} characters\n")
    return {}


@half("config_ex2", says="app mounts the Secret db at /etc/db")
def config_ex2_mounted_elsewhere(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    script = "print(len(open('/secrets/password').read()))"
    fake.add(pod("app", ["python3", "-c", script], phase="Succeeded", volumes={"/secrets": "secret/db"}))
    return {}


TOKEN = "tok-8f14e45f-ceea-467a"


@full("config_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.secret("legacy-api", {"token": TOKEN})))
    return {"answer": TOKEN}


@half("config_ex3", says="that is the token still base64-encoded")
def config_ex3_not_decoded(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": base64.b64encode(TOKEN.encode()).decode()}


SWEEP = {10: 0.937, 50: 0.958, 200: 0.961}


def _finished_job(name: str, *, labels: dict[str, str] | None = None, env: dict[str, object] | None = None,
                  owner: str | None = None, **options: Any) -> Any:  # fmt: skip
    manifest = manifests.job(name, manifests.PYTHON_DS_IMAGE, ["python3", "-c", "..."], labels=labels, env=env,
                             **options)  # fmt: skip
    references = [{"apiVersion": "batch/v1", "kind": "CronJob", "name": owner, "uid": "1"}] if owner else []
    return typed(manifest, status={"succeeded": 1}, ownerReferences=references)


@full("jobs_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    for trees, accuracy in SWEEP.items():
        name = f"trees-{trees}"
        fake.add(_finished_job(name, labels={"sweep": "trees"}, env={"N_ESTIMATORS": trees}))
        fake.add(pod(f"{name}-x1", phase="Succeeded", labels={"job-name": name}))
        fake.print(f"{name}-x1", f"n_estimators={trees} accuracy={accuracy:.3f}\n")
    return {"answer": max(SWEEP.values())}


@half("jobs_ex1", says="there are three Jobs labelled sweep=trees (there are 2)")
def jobs_ex1_two_jobs(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("job", "trees-200")
    return {"answer": 0.958}


@half("jobs_ex1", says="is the best accuracy of the sweep")
def jobs_ex1_not_the_best(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": 0.937}


@full("jobs_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    cron = manifests.cronjob("nightly-score", manifests.PYTHON_DS_IMAGE, ["python3", "-c", "1"], schedule="30 2  * * *")
    fake.add(typed(cron), _finished_job("nightly-score-now", owner="nightly-score"), _finished_job("unrelated"))
    return {}


@half("jobs_ex2", says="a Job created from it has completed (no Job was created from it yet)")
def jobs_ex2_never_run(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("job", "nightly-score-now")
    return {}


@half("jobs_ex2", says="it runs every day at 02:30 (its schedule is '30 14 * * *')")
def jobs_ex2_in_the_afternoon(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    cron = manifests.cronjob("nightly-score", manifests.PYTHON_DS_IMAGE, ["python3", "-c", "1"], schedule="30 14 * * *")
    fake.add(typed(cron))
    return {}


# ---------------------------------------------------------------------------- resources


CRUNCH_LOG = "building 16,000,000 rows of sales\nsummarised 50,000 customers\npeak memory: 871 MiB\n"


def _crunch(command: str = "CRUNCH", *, rows: int = 16_000_000, memory: dict[str, str] | None = None,
            phase: str = "Succeeded", printed: str = CRUNCH_LOG) -> Callable[[FakeCluster], None]:  # fmt: skip
    """Put the Job crunch, run with `command` (the exercise's script by default), and its Pod."""
    memory = {"requests": "1Gi", "limits": "1Gi"} if memory is None else memory
    resources = {key: {"memory": value} for key, value in memory.items()}

    def put(fake: FakeCluster) -> None:
        job = manifests.job("crunch", manifests.PYTHON_DS_IMAGE, ["python3", "-c", command], env={"ROWS": rows},
                            resources=resources, backoff_limit=0)  # fmt: skip
        status = {"succeeded": 1} if phase == "Succeeded" else {"failed": 1}
        fake.add(typed(job, status=status))
        fake.add(pod("crunch-h7x2m", phase=phase, labels={"job-name": "crunch"}))
        fake.print("crunch-h7x2m", printed)

    return put


@full("resources_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch()(fake)
    return {}


@half("resources_ex1", says="its logs say 'building 16,000,000 rows'")
def resources_ex1_a_job_that_does_nothing(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch("pass", printed="")(fake)
    return {}


@half("resources_ex1", says="its logs show the result, 'summarised 50,000 customers'")
def resources_ex1_stops_after_building(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(printed="building 16,000,000 rows of sales\n")(fake)
    return {}


@half("resources_ex1", says="it builds the exercise's 16,000,000 rows (its ROWS variable is 1000)")
def resources_ex1_fewer_rows(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(rows=1000, printed="building 1,000 rows of sales\nsummarised 1,000 customers\npeak memory: 90 MiB\n")(fake)
    return {}


@half("resources_ex1", says="at most 2Gi, not the whole node")
def resources_ex1_the_whole_node(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(memory={"requests": "8Gi", "limits": "8Gi"})(fake)
    return {}


@half("resources_ex1", says="its container has a memory request (none yet)")
def resources_ex1_no_request(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(memory={"limits": "1Gi"})(fake)
    return {}


@half("resources_ex1", says="the Job completed: it failed")
def resources_ex1_still_too_little(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(memory={"requests": "512Mi", "limits": "512Mi"}, phase="Failed", printed="building")(fake)
    return {}


@full("resources_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("reserved", ["sleep", "3600"], status={"qosClass": "Guaranteed"}))
    return {}


@half("resources_ex2", says="its QoS class is Guaranteed (it is Burstable)")
def resources_ex2_burstable(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("reserved", ["sleep", "3600"], status={"qosClass": "Burstable"}))
    return {}


# ---------------------------------------------------------------------------- namespaces


SANDBOX = "lesson-namespaces-sandbox"


def _quota(**hard: str) -> Any:
    manifest = {"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": "team-quota"}}
    return typed({**manifest, "spec": {"hard": hard}})


def _account(name: str) -> Any:
    return typed({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": name}})


@full("namespaces_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.namespace(SANDBOX)))
    fake.add(_quota(pods="5", **{"requests.cpu": "2000m", "requests.memory": "4096Mi"}), namespace=SANDBOX)
    return {}


@half("namespaces_ex1", says="it limits pods to 5 (it is 10)")
def namespaces_ex1_a_loose_quota(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_quota(pods="10", **{"requests.cpu": "2", "requests.memory": "4Gi"}), namespace=SANDBOX)
    return {}


@half("namespaces_ex1", says=f"there is a ResourceQuota named team-quota in {SANDBOX}")
def namespaces_ex1_quota_in_the_lesson_namespace(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("resource_quota", "team-quota", namespace=SANDBOX)
    fake.add(_quota(pods="5", **{"requests.cpu": "2", "requests.memory": "4Gi"}))
    return {}


@full("namespaces_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_account("dashboard"))
    fake.grant("dashboard", ("get", "list", "watch"), ("pods", "pods/log"))
    return {}


@half("namespaces_ex2", says="dashboard may list pods")
def namespaces_ex2_no_role_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.rules.clear()
    return {}


@half("namespaces_ex2", says="dashboard may not delete pods")
def namespaces_ex2_too_much(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.grant("dashboard", ("delete",), ("pods",))
    return {}


CI_BOT_MAY = ["list pods", "read pod logs", "create jobs", "delete jobs"]


@full("namespaces_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_account("ci-bot"))
    fake.grant("ci-bot", ("create", "get", "list", "watch", "delete"), ("jobs",))
    fake.grant("ci-bot", ("get", "list", "watch"), ("pods", "pods/log"))
    return {"answer": CI_BOT_MAY}


@half("namespaces_ex3", says="your list names the actions ci-bot may do (it is empty")
def namespaces_ex3_an_empty_list(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": []}


@half("namespaces_ex3", says="ci-bot may do some of the actions (it may do none")
def namespaces_ex3_setup_cell_only_half_run(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.rules.clear()
    return {"answer": ["list pods"]}


@half("namespaces_ex3", says="you found every action ci-bot may do (1 missing)")
def namespaces_ex3_one_action_missing(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": CI_BOT_MAY[:3]}


@half("namespaces_ex3", says="every action you listed is allowed (1 is not)")
def namespaces_ex3_one_action_too_many(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"answer": [*CI_BOT_MAY, "read secrets"]}


# ---------------------------------------------------------------------------- storage


def _claim(name: str, size: str, phase: str = "Bound") -> Any:
    status = {"phase": phase}
    claim = typed(manifests.pvc(name, size), status=status)
    claim.spec.volume_name = f"pvc-{name}-1b2c" if phase == "Bound" else None
    return claim


@full("storage_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("datasets", "500Mi"))
    return {}


@half("storage_ex1", says="it is Bound (it is Pending")
def storage_ex1_waiting_for_a_pod(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("datasets", "500Mi", phase="Pending"))
    return {}


@half("storage_ex1", says="it asks for 500Mi of storage (it asks for 1Gi)")
def storage_ex1_the_default_size(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("datasets", "1Gi"))
    return {}


WRITE = "import joblib; joblib.dump(model, '/artifacts/model.joblib'); print('saved')"
READ = "import joblib; model = joblib.load('{}'); print('loaded', type(model).__name__)"


def _storage_pod(name: str, script: str, claim: str, started: str, finished: str) -> Any:
    return pod(name, ["python3", "-c", script], phase="Succeeded", restart_policy="Never",
               volumes={"/artifacts": f"pvc/{claim}"}, status=ran(name, started, finished))  # fmt: skip


@full("storage_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_claim("artifacts", "200Mi"))
    fake.add(_storage_pod("writer", WRITE, "artifacts", "10:00:00", "10:00:05"))
    fake.add(_storage_pod("reader", READ.format("/artifacts/model.joblib"), "artifacts", "10:00:07", "10:00:09"))
    fake.print("reader", "loaded DecisionTreeClassifier\n")
    return {}


@half("storage_ex2", says="reader mounts the claim artifacts")
def storage_ex2_reader_on_another_claim(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_storage_pod("reader", READ.format("/artifacts/model.joblib"), "scratch", "10:00:07", "10:00:09"))
    return {}


@half("storage_ex2", says="reader loads from /artifacts, on the claim")
def storage_ex2_reader_loads_from_tmp(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_storage_pod("reader", READ.format("/tmp/model.joblib"), "artifacts", "10:00:07", "10:00:09"))
    return {}


@half("storage_ex2", says="reader loads the file writer saved (writer saves model.joblib, reader loads old.joblib)")
def storage_ex2_reader_loads_another_file(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_storage_pod("reader", READ.format("/artifacts/old.joblib"), "artifacts", "10:00:07", "10:00:09"))
    return {}


@half("storage_ex2", says="reader started after writer had finished")
def storage_ex2_reader_did_not_wait(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_storage_pod("reader", READ.format("/artifacts/model.joblib"), "artifacts", "10:00:01", "10:00:03"))
    return {}


@half("storage_ex2", says="reader printed 'loaded <the model's class name>'")
def storage_ex2_reader_prints_nothing(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print("reader", "")
    return {}


@half("storage_ex2", says="there is a Pod named reader")
def storage_ex2_no_reader_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("pod", "reader")
    return {}


# ---------------------------------------------------------------------------- the tests


def _all_exercise_ids() -> set[str]:
    for topic in topics():
        importlib.import_module(f"kdsutils.checks.{topic}")
    return {exercise_id for exercise_id, found in registry.items() if found.func.__module__.startswith("kdsutils.")}


def test_every_checker_has_a_full_answer_and_a_half_done_one() -> None:
    known = _all_exercise_ids()
    assert set(FULL) == known
    assert {case.exercise_id for case in HALF} == known


@pytest.mark.parametrize("exercise_id", sorted(FULL))
def test_a_full_answer_passes(exercise_id: str, fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    result = check(exercise_id, **FULL[exercise_id](fake, monkeypatch))
    assert result.passed, str(result)
    assert "Hint" not in str(result)


@pytest.mark.parametrize("case", HALF, ids=[case.falls_short.__name__ for case in HALF])
def test_a_half_done_answer_is_not_yet_with_a_nudge(
    case: Half, fake: FakeCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = {**FULL[case.exercise_id](fake, monkeypatch), **case.falls_short(fake, monkeypatch)}
    result = check(case.exercise_id, **answers)
    assert not result.passed, str(result)
    missing = [text for ok, text in result.items if not ok]
    assert any(case.says in text for text in missing), str(result)
    assert not any(text.startswith("could not check everything") for text in missing), str(result)
    shown = str(result)
    assert f"  Hint: {hint(case.exercise_id, 1).text}\n  More help: " in shown
    assert hint(case.exercise_id, 3).text not in shown
