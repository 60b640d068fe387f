"""Every helper against the live course cluster: what a learner would see happen."""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path
from typing import Any

import pytest

from kdsutils import kube
from kdsutils._run import run
from kdsutils.checks import check
from kdsutils.errors import CommandError, KdsError, ManifestError, WaitTimeout
from kdsutils.lesson import LESSON_LABEL, lesson
from kdsutils.manifests import (
    BUSYBOX_IMAGE,
    PYTHON_DS_IMAGE,
    configmap,
    deployment,
    job,
    pod,
    secret,
    service,
)
from kdsutils.resources import (
    apply,
    delete,
    events,
    exec,
    get,
    helm,
    kubectl,
    logs,
    port_forward,
    rollout_status,
    wait,
)
from kdsutils.widgets import _LiveView, watch

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]

# PID 1 ignores SIGTERM unless it traps it: without the trap every delete takes 30 s.
SLEEP = ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"]


def _kubectl_json(*args: str) -> dict[str, Any]:
    return json.loads(run(["kubectl", *args, "-o", "json"]).stdout)


def _exists(kind: str, name: str, ns: str) -> bool:
    return run(["kubectl", "get", kind, name, "-n", ns], check=False).returncode == 0


def _sleeper(ns: str, name: str = "sleeper", **options: Any) -> str:
    apply(pod(name, BUSYBOX_IMAGE, SLEEP, **options), namespace=ns)
    wait("pod", name, for_="condition=Ready", namespace=ns, timeout=90)
    return name


# --------------------------------------------------------------------------- apply

EVERY_GROUP = """\
apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
data:
  learning_rate: "0.01"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 0
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - {name: web, image: kds.invalid/busybox:1.35, imagePullPolicy: IfNotPresent}
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: nightly
spec:
  schedule: "0 3 * * *"
  suspend: true
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: Never
          containers:
          - {name: run, image: kds.invalid/busybox:1.35, imagePullPolicy: IfNotPresent}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata:
  name: reader
rules:
- apiGroups: [""]
  resources: [pods]
  verbs: [get, list]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: results
spec:
  accessModes: [ReadWriteOnce]
  resources:
    requests: {storage: 10Mi}
"""


def test_apply_creates_objects_of_every_api_group_and_is_idempotent(ns: str) -> None:
    report = apply(EVERY_GROUP, namespace=ns)
    assert report.splitlines() == [
        "configmap/settings created",
        "deployment.apps/web created",
        "cronjob.batch/nightly created",
        "role.rbac.authorization.k8s.io/reader created",
        "persistentvolumeclaim/results created",
    ]
    for kind, name in [
        ("configmap", "settings"),
        ("deploy", "web"),
        ("cronjob", "nightly"),
        ("role", "reader"),
    ]:
        assert _exists(kind, name, ns)
    assert apply(EVERY_GROUP, namespace=ns).splitlines()[0] == "configmap/settings unchanged"


def test_apply_creates_cluster_scoped_storage_objects() -> None:
    name = f"kds-test-{uuid.uuid4().hex[:8]}"
    storage_class = {
        "apiVersion": "storage.k8s.io/v1",
        "kind": "StorageClass",
        "metadata": {"name": name},
        "provisioner": "kubernetes.io/no-provisioner",
        "volumeBindingMode": "WaitForFirstConsumer",
    }
    try:
        assert apply(storage_class) == f"storageclass.storage.k8s.io/{name} created"
        assert _kubectl_json("get", "storageclass", name)["provisioner"] == "kubernetes.io/no-provisioner"
    finally:
        delete("storageclass", name, ignore_not_found=True)
    assert not _exists("storageclass", name, "default")


def test_apply_takes_files_dicts_and_lists_and_updates_in_place(ns: str, tmp_path: Path) -> None:
    path = tmp_path / "settings.yaml"
    path.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-file\ndata:\n  a: '1'\n")
    assert apply(path, namespace=ns) == "configmap/from-file created"
    assert apply([configmap("one", {"k": 1}), secret("two", {"p": "x"})], namespace=ns).splitlines() == [
        "configmap/one created",
        "secret/two created",
    ]
    assert apply(configmap("one", {"k": 2}), namespace=ns) == "configmap/one configured"
    assert _kubectl_json("get", "configmap", "one", "-n", ns)["data"] == {"k": "2"}


def test_apply_shows_the_servers_reason_for_a_rejected_object(ns: str) -> None:
    broken = deployment("web", BUSYBOX_IMAGE)
    broken["spec"]["selector"]["matchLabels"] = {"app": "other"}
    with pytest.raises(CommandError, match="selector` does not match template `labels`"):
        apply(broken, namespace=ns)


def test_malformed_yaml_never_reaches_the_cluster(ns: str) -> None:
    with pytest.raises(ManifestError, match="line 4, column 10"):
        apply("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x: y\n", namespace=ns)


# ---------------------------------------------------------------------- get, delete


def test_get_shows_kubectls_table_or_a_dataframe(ns: str) -> None:
    assert get("pods", namespace=ns) == f"No resources found in {ns} namespace."
    assert get("pods", namespace=ns, as_frame=True).empty
    _sleeper(ns, "alpha", labels={"tier": "a"})
    _sleeper(ns, "beta", labels={"tier": "b"})
    table = get("pods", namespace=ns)
    assert table.splitlines()[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert [line.split()[0] for line in table.splitlines()[1:]] == ["alpha", "beta"]
    frame = get("pods", namespace=ns, selector="tier=b", as_frame=True)
    assert frame["NAME"].tolist() == ["beta"]
    assert frame.loc[0, "STATUS"] == "Running"
    assert frame.loc[0, "RESTARTS"] == 0
    assert get("pod", "alpha", namespace=ns).splitlines()[1].startswith("alpha ")
    with pytest.raises(CommandError, match='pods "gamma" not found'):
        get("pod", "gamma", namespace=ns)


def test_delete_waits_until_the_object_is_gone(ns: str) -> None:
    _sleeper(ns)
    assert delete("pod", "sleeper", namespace=ns) == f'pod "sleeper" deleted from {ns} namespace'
    assert not _exists("pod", "sleeper", ns)
    with pytest.raises(CommandError, match="NotFound"):
        delete("pod", "sleeper", namespace=ns)
    assert delete("pod", "sleeper", namespace=ns, ignore_not_found=True) == ""


def test_delete_without_wait_returns_while_the_pod_terminates(ns: str) -> None:
    slow = pod("slow", BUSYBOX_IMAGE, ["sleep", "3600"])  # ignores SIGTERM
    slow["spec"]["terminationGracePeriodSeconds"] = 15
    apply(slow, namespace=ns)
    wait("pod", "slow", for_="condition=Ready", namespace=ns, timeout=90)
    started = time.monotonic()
    delete("pod", "slow", namespace=ns, wait=False)
    assert time.monotonic() - started < 10
    assert _kubectl_json("get", "pod", "slow", "-n", ns)["metadata"].get("deletionTimestamp")


# ---------------------------------------------------------------------------- wait


def test_wait_for_ready_phase_and_jsonpath(ns: str) -> None:
    apply(pod("sleeper", BUSYBOX_IMAGE, SLEEP), namespace=ns)
    assert wait("pod", "sleeper", for_="condition=Ready", namespace=ns, timeout=90) == "pod/sleeper condition met"
    assert _kubectl_json("get", "pod", "sleeper", "-n", ns)["status"]["phase"] == "Running"
    assert wait("pods/sleeper", for_="jsonpath={.status.phase}=Running", namespace=ns, timeout=10) == (
        "pod/sleeper condition met"
    )
    assert wait("po", "sleeper", for_="jsonpath={.status.podIP}", namespace=ns, timeout=10)


def test_wait_follows_an_object_that_does_not_exist_yet(ns: str) -> None:
    timer = threading.Timer(2, apply, args=(configmap("later", {}),), kwargs={"namespace": ns})
    started = time.monotonic()
    timer.start()
    try:
        assert wait("configmap", "later", for_="create", namespace=ns, timeout=30) == "configmap/later condition met"
    finally:
        timer.join()
    assert time.monotonic() - started >= 2


def test_wait_timeout_reports_status_and_events(ns: str) -> None:
    missing = pod("missing", "kds.invalid/not-built:0.0", SLEEP)
    missing["spec"]["containers"][0]["imagePullPolicy"] = "Never"
    apply(missing, namespace=ns)
    started = time.monotonic()
    with pytest.raises(WaitTimeout) as caught:
        wait("pod", "missing", for_="condition=Ready", namespace=ns, timeout=15)
    assert 15 <= time.monotonic() - started < 45
    message = str(caught.value)
    assert f"Timed out after 15 s waiting for pod/missing -n {ns} to reach condition=Ready" in message
    assert "phase=Pending" in message
    assert "ErrImageNeverPull" in message
    assert "Last events:" in message and "Pod/missing" in message
    assert f"kubectl describe pod missing -n {ns}" in message


def test_wait_complete_for_jobs_and_a_failed_job_stops_the_wait_at_once(ns: str) -> None:
    apply(job("ok", BUSYBOX_IMAGE, ["echo", "done"]), namespace=ns)
    assert wait("job", "ok", for_="condition=Complete", namespace=ns, timeout=90) == "job.batch/ok condition met"
    apply(job("broken", BUSYBOX_IMAGE, ["sh", "-c", "exit 3"], backoff_limit=0), namespace=ns)
    started = time.monotonic()
    with pytest.raises(KdsError, match="Job broken failed: BackoffLimitExceeded"):
        wait("job/broken", for_="condition=Complete", namespace=ns, timeout=120)
    assert time.monotonic() - started < 60


def test_wait_for_a_phase_stops_when_the_pod_ended_in_the_other(ns: str) -> None:
    apply(pod("fails", BUSYBOX_IMAGE, ["sh", "-c", "echo cannot reach the model; exit 3"],
              restart_policy="Never"), namespace=ns)
    started = time.monotonic()
    with pytest.raises(KdsError) as caught:
        wait("pod/fails", for_="jsonpath={.status.phase}=Succeeded", namespace=ns, timeout=120)
    assert time.monotonic() - started < 60
    message = str(caught.value)
    assert "Pod fails ended Failed, so it will never be Succeeded" in message, message
    assert "container fails exited with code 3 (Error)" in message, message
    assert "Its log ends with:\n  cannot reach the model" in message, message
    assert f"kubectl logs fails -n {ns}" in message, message
    # The phase it ended in is met; a wait for any phase at all is met too.
    assert wait("pod/fails", for_="jsonpath={.status.phase}=Failed", namespace=ns, timeout=10)
    assert wait("pod/fails", for_="jsonpath={.status.phase}", namespace=ns, timeout=10)


def test_wait_rollout_waits_for_every_replica(ns: str) -> None:
    apply(deployment("web", BUSYBOX_IMAGE, SLEEP, replicas=2), namespace=ns)
    assert rollout_status("deploy/web", namespace=ns, timeout=120) == 'deployment "web" successfully rolled out'
    assert _kubectl_json("get", "deployment", "web", "-n", ns)["status"]["readyReplicas"] == 2
    frame = get("pods", namespace=ns, selector="app=web", as_frame=True)
    assert frame["READY"].tolist() == ["1/1", "1/1"]


# ------------------------------------------------------------ logs, events, exec


def test_logs_whole_tail_and_container(ns: str) -> None:
    chatty = pod("chatty", BUSYBOX_IMAGE, ["sh", "-c", "echo line 1; echo line 2; echo line 3; " + SLEEP[2]])
    chatty["spec"]["containers"].append(
        {
            "name": "side",
            "image": BUSYBOX_IMAGE,
            "imagePullPolicy": "IfNotPresent",
            "command": ["sh", "-c", "echo from side; " + SLEEP[2]],
        }
    )
    apply(chatty, namespace=ns)
    wait("pod", "chatty", for_="condition=Ready", namespace=ns, timeout=90)
    # Ready means started: on a busy node a container's first lines may reach its log a moment later.
    for container, last in (("chatty", "line 3"), ("side", "from side")):
        deadline = time.monotonic() + 30
        while last not in run(["kubectl", "logs", "chatty", "-c", container, "-n", ns]).stdout:
            assert time.monotonic() < deadline, f"{container} logged nothing in 30 s"
            time.sleep(0.5)
    assert logs("chatty", namespace=ns, container="chatty") == "line 1\nline 2\nline 3"
    assert logs("chatty", namespace=ns, container="chatty", tail=1) == "line 3"
    assert logs("chatty", namespace=ns, container="side") == "from side"


def test_logs_previous_shows_the_run_before_a_crash(ns: str) -> None:
    script = (
        "n=$(( $(cat /state/n 2>/dev/null || echo 0) + 1 )); echo $n > /state/n; echo run $n; "
        "[ $n -gt 1 ] || exit 1; " + SLEEP[2]
    )
    apply(pod("crashy", BUSYBOX_IMAGE, ["sh", "-c", script], volumes={"/state": "emptydir"}), namespace=ns)
    restarted = "jsonpath={.status.containerStatuses[0].restartCount}=1"
    wait("pod", "crashy", for_=restarted, namespace=ns, timeout=120)
    wait("pod", "crashy", for_="condition=Ready", namespace=ns, timeout=60)
    deadline = time.monotonic() + 30  # ready means started: the shell may not have echoed yet
    while (current := logs("crashy", namespace=ns)) == "":
        assert time.monotonic() < deadline, "run 2 printed nothing in 30 s"
        time.sleep(0.2)
    assert current == "run 2"
    assert logs("crashy", namespace=ns, previous=True) == "run 1"


def test_logs_of_a_container_that_never_started_explain_why(ns: str) -> None:
    missing = pod("missing", "kds.invalid/not-built:0.0", SLEEP)
    missing["spec"]["containers"][0]["imagePullPolicy"] = "Never"
    apply(missing, namespace=ns)
    wait(
        "pod",
        "missing",
        for_="jsonpath={.status.containerStatuses[0].state.waiting.reason}=ErrImageNeverPull",
        namespace=ns,
        timeout=60,
    )
    with pytest.raises(CommandError, match="waiting to start") as caught:
        logs("missing", namespace=ns)
    assert f"kubectl events -n {ns} --for pod/missing" in str(caught.value)


def test_events_of_the_namespace_or_of_one_object(ns: str) -> None:
    assert events(namespace=ns) == f"No events found in {ns} namespace."
    _sleeper(ns, "alpha")
    _sleeper(ns, "beta")
    table = events(namespace=ns)
    assert table.splitlines()[0].split()[:3] == ["LAST", "SEEN", "TYPE"]
    assert "Scheduled" in table and "Pod/alpha" in table and "Pod/beta" in table
    only_alpha = events(namespace=ns, for_="pod/alpha")
    assert "Pod/alpha" in only_alpha and "Pod/beta" not in only_alpha


def test_exec_runs_inside_the_container_and_reports_failure(ns: str) -> None:
    _sleeper(ns)
    assert exec("sleeper", ["cat", "/etc/hostname"], namespace=ns) == "sleeper"
    with pytest.raises(CommandError) as caught:
        exec("sleeper", ["sh", "-c", "echo oops >&2; exit 3"], namespace=ns)
    assert caught.value.returncode == 3
    assert "oops" in str(caught.value)


# -------------------------------------------------------------------- port-forward

SERVE = [
    "sh",
    "-c",
    "trap 'exit 0' TERM; mkdir -p /srv && echo hello from the pod > /srv/index.html && "
    "cd /srv && python3 -m http.server 8000 & wait",
]


def _fetch(url: str, deadline: float) -> str:
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.read().decode()
        except (urllib.error.URLError, ConnectionError):
            if time.monotonic() > deadline:
                raise
            time.sleep(0.5)  # the server inside the pod may still be starting


def test_port_forward_reaches_a_service_and_closes_after_the_block(ns: str) -> None:
    apply(
        [deployment("web", PYTHON_DS_IMAGE, SERVE, ports=[8000]), service("web", port=80, target_port=8000)],
        namespace=ns,
    )
    rollout_status("deployment/web", namespace=ns, timeout=120)
    with port_forward("svc/web", 80, namespace=ns) as url:
        assert url.startswith("http://127.0.0.1:")
        assert _fetch(url + "/index.html", time.monotonic() + 30) == "hello from the pod\n"
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(url, timeout=5)


def test_port_forward_keeps_working_while_the_server_is_still_starting(ns: str) -> None:
    late = "trap 'exit 0' TERM; (sleep 6; cd /tmp && echo late > index.html && exec python3 -m http.server 8000) & wait"
    apply(pod("late", PYTHON_DS_IMAGE, ["sh", "-c", late]), namespace=ns)
    wait("pod", "late", for_="condition=Ready", namespace=ns, timeout=90)
    with port_forward("late", 8000, namespace=ns) as url:
        # The first requests find nothing listening, which makes kubectl itself exit.
        assert _fetch(url + "/index.html", time.monotonic() + 40) == "late\n"


def test_port_forward_to_something_missing_fails_with_kubectls_reason(ns: str) -> None:
    with pytest.raises(CommandError, match='pods "ghost" not found'), port_forward("ghost", 80, namespace=ns):
        pass


# ---------------------------------------------------------------- kubectl and helm


def test_kubectl_echoes_the_command_and_returns_its_output(ns: str, capsys: pytest.CaptureFixture[str]) -> None:
    _sleeper(ns)
    kube.set_default_namespace(ns)
    capsys.readouterr()  # what setting the Pod up printed
    out = kubectl("get", "pods")
    assert capsys.readouterr().out == f"$ kubectl get pods -n {ns}\n"
    assert out.splitlines()[1].split()[:3] == ["sleeper", "1/1", "Running"]
    kubectl("label", "pod", "sleeper", "checked=yes")
    assert _kubectl_json("get", "pod", "sleeper", "-n", ns)["metadata"]["labels"]["checked"] == "yes"


def test_helm_runs_the_real_cli(ns: str, capsys: pytest.CaptureFixture[str]) -> None:
    out = helm("list", "-n", ns)
    assert capsys.readouterr().out == f"$ helm list -n {ns}\n"
    assert out.split()[:3] == ["NAME", "NAMESPACE", "REVISION"]


# ------------------------------------------------------------ lesson, watch, checks


def test_lesson_gives_a_fresh_labelled_default_namespace_and_cleans_up(cluster: str) -> None:
    name = f"it-{uuid.uuid4().hex[:6]}"
    first = lesson(name)
    try:
        assert first.namespace == f"lesson-{name}"
        assert _kubectl_json("get", "namespace", first.namespace)["metadata"]["labels"][LESSON_LABEL] == name
        apply(configmap("leftover", {}))
        assert _exists("configmap", "leftover", first.namespace)
        second = lesson(name)
        assert not _exists("configmap", "leftover", second.namespace)
        assert _exists("serviceaccount", "default", second.namespace)
        assert kube.default_namespace() == second.namespace
        second.cleanup()
        phase = run(["kubectl", "get", "namespace", second.namespace, "--ignore-not-found",
                     "-o", "jsonpath={.status.phase}"]).stdout
        assert phase in ("", "Terminating"), "cleanup starts the deletion"
        assert kube.default_namespace() is None
        third = lesson(name)
        assert _kubectl_json("get", "namespace", third.namespace)["status"]["phase"] == "Active"
    finally:
        first.cleanup(wait=True)
    assert not _exists("namespace", first.namespace, "default")
    assert kube.default_namespace() is None


def test_watch_prints_a_snapshot_without_a_widget_frontend(ns: str, capsys: pytest.CaptureFixture[str]) -> None:
    apply(deployment("web", BUSYBOX_IMAGE, SLEEP), namespace=ns)
    rollout_status("deployment/web", namespace=ns, timeout=120)
    capsys.readouterr()  # the kubectl commands apply and rollout_status printed
    watch(ns)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert lines[1].startswith("pod/web-") and lines[1].split()[1:3] == ["1/1", "Running"]
    assert lines[-1].split()[:4] == ["deployment.apps/web", "1/1", "1", "1"]


def test_live_view_follows_changes_as_they_happen_and_stops(ns: str) -> None:
    apply(deployment("old", BUSYBOX_IMAGE, SLEEP, replicas=0), namespace=ns)
    view = _LiveView(ns, seconds=8)
    follower = threading.Thread(target=view.run)
    follower.start()
    deadline = time.monotonic() + 5
    while "deployment.apps/old" not in view.widget.value:  # the watch has listed what exists
        assert time.monotonic() < deadline, view.widget.value
        time.sleep(0.1)
    delete("deployment", "old", namespace=ns)
    apply(deployment("new", BUSYBOX_IMAGE, SLEEP, replicas=0), namespace=ns)
    follower.join(timeout=30)
    assert not follower.is_alive()
    assert "deployment.apps/new" in view.widget.value
    assert "deployment.apps/old" not in view.widget.value
    assert "stopped after 8 s" in view.widget.value
    assert "Stopped watching" not in view.widget.value


def test_setup_checks_against_the_live_cluster(cluster: str) -> None:
    node_version = _kubectl_json("get", "nodes")["items"][0]["status"]["nodeInfo"]["kubeletVersion"]
    assert check("setup_ex1", answer=node_version).passed
    assert not check("setup_ex1", answer="v0.0.1").passed
    assert check("setup_ex2", answer=cluster).passed
    assert not check("setup_ex2", answer="prod-eks").passed
