"""The local engine's smoke suite: each test is something a lesson relies on."""

from __future__ import annotations

import errno
import socket
import subprocess
import urllib.request
from pathlib import Path

from kdsutils._run import find_tool
from kdsutils.cluster import CONTEXTS
from kdsutils.images import reference
from tests.engine.conftest import get_json, kubectl, wait_for

PY = reference("python-ds")
BUSYBOX = reference("busybox")
REPO = Path(__file__).resolve().parents[2]


def apply(ns: str, manifest: str) -> None:
    kubectl("-n", ns, "apply", "-f", "-", input=manifest)


def pod(name: str, image: str, command: str, *, extra: str = "", restart: str = "Never") -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: {name}, labels: {{app: {name}}}}}
spec:
  restartPolicy: {restart}
  containers:
    - name: main
      image: {image}
      imagePullPolicy: IfNotPresent
      command: ["sh", "-c", {command!r}]
{extra}
"""


def container_state(ns: str, name: str) -> dict:
    statuses = get_json("-n", ns, "pod", name).get("status", {}).get("containerStatuses") or [{}]
    return statuses[0]


def test_node_is_ready_with_the_pinned_version(cluster: str) -> None:
    node = get_json("node", "kds-control-plane")
    ready = {c["type"]: c["status"] for c in node["status"]["conditions"]}["Ready"]
    assert ready == "True"
    assert node["status"]["nodeInfo"]["kubeletVersion"] == "v1.36.4"
    assert node["metadata"]["labels"]["node-role.kubernetes.io/control-plane"] == ""
    assert "v1.36.4" in kubectl("version")


def test_default_storage_class_is_standard(cluster: str) -> None:
    sc = get_json("storageclass", "standard")
    assert sc["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"


def test_kubectl_top_reads_metrics_server(cluster: str) -> None:
    kubectl("wait", "apiservice/v1beta1.metrics.k8s.io", "--for=condition=Available", "--timeout=120s")
    def sampled() -> str | None:
        out = kubectl("top", "node", "--no-headers", check=False)
        return out if out.startswith("kds-control-plane") else None  # else: "metrics not available yet"

    top = wait_for(sampled, timeout=120, what="a first sample of the node from metrics-server")
    name, cpu, _, memory, _ = top.split()
    assert name == "kds-control-plane" and cpu.endswith("m") and memory.endswith("Mi")
    pods = kubectl("top", "pod", "-n", "kube-system", "-l", "app=metrics-server", "--no-headers")
    assert pods.startswith("metrics-server-")


def test_deployment_rolls_out_and_updates(ns: str) -> None:
    kubectl("-n", ns, "create", "deployment", "web", f"--image={BUSYBOX}", "--replicas=3",
            "--", "sleep", "3600")
    kubectl("-n", ns, "rollout", "status", "deployment/web", "--timeout=120s")
    assert get_json("-n", ns, "deployment", "web")["status"]["readyReplicas"] == 3
    kubectl("-n", ns, "set", "env", "deployment/web", "VERSION=2")
    kubectl("-n", ns, "rollout", "status", "deployment/web", "--timeout=120s")
    pods = get_json("-n", ns, "pods", "-l", "app=web")["items"]
    live = [p for p in pods if not p["metadata"].get("deletionTimestamp")]
    assert len(live) == 3
    assert all({"name": "VERSION", "value": "2"} in p["spec"]["containers"][0]["env"] for p in live)
    assert kubectl("-n", ns, "rollout", "history", "deployment/web").count("\n") >= 3


def test_service_is_reachable_by_dns_from_another_pod(ns: str) -> None:
    apply(ns, pod("server", PY, "echo ok > index.html && python3 -m http.server 8000", restart="Always"))
    kubectl("-n", ns, "expose", "pod", "server", "--name=model-api", "--port=80", "--target-port=8000")
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/server", "--timeout=120s")
    apply(ns, pod("client", BUSYBOX,
                  f"for i in $(seq 30); do wget -qO- http://model-api.{ns}.svc.cluster.local && exit 0; "
                  "sleep 1; done; exit 1"))
    wait_for(lambda: get_json("-n", ns, "pod", "client")["status"]["phase"] in ("Succeeded", "Failed"),
             what="client pod finished")
    assert get_json("-n", ns, "pod", "client")["status"]["phase"] == "Succeeded"
    logs = kubectl("-n", ns, "logs", "client")
    assert logs.splitlines()[-1] == "ok"
    assert "server returned error" not in logs, "until kube-proxy has the Service, nothing else may answer"


def test_a_service_ip_without_rules_is_refused_on_the_node(ns: str) -> None:
    # 10.96.255.254 belongs to no Service: the guard rule refuses it instead of routing it away.
    apply(ns, pod("probe", BUSYBOX, "wget -qO- http://10.96.255.254/ 2>&1; true"))
    wait_for(lambda: get_json("-n", ns, "pod", "probe")["status"]["phase"] == "Succeeded", what="probe finished")
    assert "Connection refused" in kubectl("-n", ns, "logs", "probe")
    with socket.socket() as s:
        s.settimeout(5)
        assert s.connect_ex(("10.96.255.254", 80)) == errno.ECONNREFUSED


def test_job_runs_python_and_its_logs_read_back(ns: str) -> None:
    script = ("from sklearn.datasets import load_iris; from sklearn.linear_model import LogisticRegression; "
              "X, y = load_iris(return_X_y=True); "
              "print('accuracy', round(LogisticRegression(max_iter=500).fit(X, y).score(X, y), 2))")
    kubectl("-n", ns, "create", "job", "train", f"--image={PY}", "--", "python3", "-c", script)
    kubectl("-n", ns, "wait", "--for=condition=Complete", "job/train", "--timeout=180s")
    assert kubectl("-n", ns, "logs", "job/train").strip() == "accuracy 0.97"


def test_exec_and_port_forward_from_the_host(ns: str) -> None:
    apply(ns, pod("web", PY, "echo forwarded > index.html && python3 -m http.server 8000", restart="Always"))
    kubectl("-n", ns, "wait", "--for=condition=Ready", "pod/web", "--timeout=120s")
    assert kubectl("-n", ns, "exec", "web", "--", "python3", "-c", "import pandas; print('ok')").strip() == "ok"
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    forward = subprocess.Popen(
        [find_tool("kubectl"), "--context", CONTEXTS["local"], "-n", ns, "port-forward", "pod/web", f"{port}:8000"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert "Forwarding from" in (forward.stdout.readline() if forward.stdout else "")

        def fetch() -> str | None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=3) as resp:
                    return resp.read().decode()
            except OSError:
                return None

        assert wait_for(fetch, 20, "port-forward answer").strip() == "forwarded"
    finally:
        forward.terminate()
        forward.wait(10)


def test_pvc_binds_and_data_survives_a_new_pod(ns: str) -> None:
    apply(ns, """
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: models}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 100Mi}}
""")
    volume = """      volumeMounts: [{name: models, mountPath: /models}]
  volumes: [{name: models, persistentVolumeClaim: {claimName: models}}]"""
    apply(ns, pod("writer", BUSYBOX, "echo model-v1 > /models/model.txt", extra=volume))
    wait_for(lambda: get_json("-n", ns, "pod", "writer")["status"]["phase"] == "Succeeded", 120, "writer done")
    assert get_json("-n", ns, "pvc", "models")["status"]["phase"] == "Bound"
    kubectl("-n", ns, "delete", "pod", "writer")
    apply(ns, pod("reader", BUSYBOX, "cat /models/model.txt", extra=volume))
    wait_for(lambda: get_json("-n", ns, "pod", "reader")["status"]["phase"] == "Succeeded", 120, "reader done")
    assert kubectl("-n", ns, "logs", "reader").strip() == "model-v1"


def test_memory_limit_gives_oomkilled(ns: str) -> None:
    extra = "      resources: {limits: {memory: 64Mi}}"
    apply(ns, pod("hog", PY, "python3 -c \"x = bytearray(300 * 1024 * 1024); print(len(x))\"", extra=extra))
    terminated = wait_for(lambda: container_state(ns, "hog").get("state", {}).get("terminated"), 120,
                          "hog terminated")
    assert terminated["reason"] == "OOMKilled"
    assert terminated["exitCode"] == 137


def test_missing_image_gives_imagepullbackoff(ns: str) -> None:
    apply(ns, pod("typo", PY.replace("python-ds", "pyhton-ds"), "true"))
    reason = wait_for(lambda: container_state(ns, "typo").get("state", {}).get("waiting", {}).get("reason")
                      in ("ImagePullBackOff", "ErrImagePull") and
                      container_state(ns, "typo")["state"]["waiting"]["reason"], 120, "pull failure")
    assert reason in ("ImagePullBackOff", "ErrImagePull")
    wait_for(lambda: container_state(ns, "typo").get("state", {}).get("waiting", {}).get("reason")
             == "ImagePullBackOff", 120, "ImagePullBackOff")


def test_crashing_command_gives_crashloopbackoff(ns: str) -> None:
    # Kubernetes 1.36 requeues a crashing pod exactly when its back-off ends, so the API shows
    # `waiting: CrashLoopBackOff` only when another sync falls inside the back-off window; the
    # signature that is always there is the kubelet's BackOff event and a climbing restart count.
    apply(ns, pod("crash", PY, "python3 -c 'raise SystemExit(3)'", restart="Always"))
    wait_for(lambda: [e for e in get_json("-n", ns, "events")["items"]
                      if e["reason"] == "BackOff" and "restarting failed container" in e["message"]],
             120, "BackOff event")
    status = wait_for(lambda: (s := container_state(ns, "crash")).get("restartCount", 0) >= 2 and s, 120,
                      "two restarts")
    assert status["lastState"]["terminated"]["exitCode"] == 3


def test_oversized_cpu_request_stays_pending(ns: str) -> None:
    apply(ns, pod("big", BUSYBOX, "true", extra="      resources: {requests: {cpu: '64'}}"))
    events = wait_for(lambda: [e for e in get_json("-n", ns, "events")["items"]
                               if e["reason"] == "FailedScheduling"], 60, "FailedScheduling event")
    assert "Insufficient cpu" in events[0]["message"]
    assert get_json("-n", ns, "pod", "big")["status"]["phase"] == "Pending"


def test_configmap_and_secret_mount(ns: str) -> None:
    kubectl("-n", ns, "create", "configmap", "settings", "--from-literal=threshold=0.7")
    kubectl("-n", ns, "create", "secret", "generic", "db", "--from-literal=password=s3cret")
    extra = """      env: [{name: THRESHOLD, valueFrom: {configMapKeyRef: {name: settings, key: threshold}}}]
      volumeMounts: [{name: db, mountPath: /etc/db, readOnly: true}]
  volumes: [{name: db, secret: {secretName: db}}]"""
    apply(ns, pod("reader", BUSYBOX, 'echo "$THRESHOLD $(cat /etc/db/password)"', extra=extra))
    wait_for(lambda: get_json("-n", ns, "pod", "reader")["status"]["phase"] == "Succeeded", 90, "reader done")
    assert kubectl("-n", ns, "logs", "reader").strip() == "0.7 s3cret"


def test_serviceaccount_without_rights_is_denied(ns: str) -> None:
    kubectl("-n", ns, "create", "serviceaccount", "intern")
    who = f"--as=system:serviceaccount:{ns}:intern"
    assert kubectl("-n", ns, "auth", "can-i", "list", "pods", who, check=False).strip().startswith("no")
    kubectl("-n", ns, "create", "rolebinding", "intern-view", "--clusterrole=view",
            f"--serviceaccount={ns}:intern")
    assert kubectl("-n", ns, "auth", "can-i", "list", "pods", who).strip() == "yes"
    assert kubectl("-n", ns, "auth", "can-i", "delete", "pods", who, check=False).strip().startswith("no")


def test_helm_installs_a_local_chart(ns: str) -> None:
    from kdsutils._run import run

    run(["helm", "--kube-context", CONTEXTS["local"], "-n", ns, "install", "greeter", str(REPO / "charts" / "hello"),
         "--set", "message=hi from helm", "--wait", "--timeout", "120s"])
    status = run(["helm", "--kube-context", CONTEXTS["local"], "-n", ns, "status", "greeter"]).stdout
    assert "STATUS: deployed" in status
    # kube-proxy routes the Service about a second after its Pod is ready: a call sooner is refused.
    apply(ns, pod("client", BUSYBOX, "wget -qO- http://greeter-hello:8000", restart="OnFailure"))
    wait_for(lambda: get_json("-n", ns, "pod", "client")["status"]["phase"] == "Succeeded", 90, "client done")
    assert kubectl("-n", ns, "logs", "client").strip() == "hi from helm"
    run(["helm", "--kube-context", CONTEXTS["local"], "-n", ns, "uninstall", "greeter", "--wait"])
