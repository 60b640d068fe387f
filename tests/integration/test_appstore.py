"""The course app store and its charts, used as a learner uses them: Helm against the live cluster."""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kdsutils import appstore
from kdsutils._run import run
from kdsutils.builder import load_image
from kdsutils.errors import KdsError
from kdsutils.jupyter import hub_version, run_code, sign_in, start_server, stop_server
from kdsutils.manifests import job
from kdsutils.resources import apply, port_forward

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(600)]


@pytest.fixture
def helm_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """Helm's configuration and cache in a folder of the test's own, with the course repository added."""
    env = {f"HELM_{kind}_HOME": str(tmp_path / kind.lower()) for kind in ("CONFIG", "CACHE", "DATA")}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    run(["helm", "repo", "add", appstore.REPO_NAME, appstore.URL])
    yield env


def _helm_json(*args: str) -> object:
    return json.loads(run(["helm", *args, "-o", "json"]).stdout)


def test_the_store_serves_the_course_charts_as_a_helm_repository(helm_home: dict[str, str], tmp_path: Path) -> None:
    found = _helm_json("search", "repo", f"{appstore.REPO_NAME}/")
    names = {entry["name"]: entry["version"] for entry in found}
    assert names["kds/mlflow"] == "0.1.0" and "kds/hello" in names
    assert "extraAllowedHosts" in run(["helm", "show", "values", "kds/mlflow", "--version", "0.1.0"]).stdout
    run(["helm", "pull", "kds/mlflow", "--version", "0.1.0", "--destination", str(tmp_path)])
    assert (tmp_path / "mlflow-0.1.0.tgz").is_file()
    missing = run(["helm", "show", "chart", "kds/mlflow", "--version", "9.9.9"], check=False)
    assert missing.returncode != 0 and "9.9.9" in missing.stderr


@pytest.mark.serial  # the store's list of charts, which lessons show, changes meanwhile
def test_a_learner_publishes_a_chart_and_a_second_copy_is_refused(
    helm_home: dict[str, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"test-chart-{uuid.uuid4().hex[:6]}"
    run(["helm", "create", str(tmp_path / name)])
    archive = appstore.package(tmp_path / name, tmp_path)
    try:
        assert appstore.push(archive) == {"saved": True, "name": name, "version": "0.1.0"}
        assert f"$ curl --data-binary @{archive} {appstore.URL}/api/charts" in capsys.readouterr().out
        with pytest.raises(KdsError, match=r"raise `version` in Chart\.yaml"):
            appstore.push(archive)
        run(["helm", "repo", "update", appstore.REPO_NAME])
        assert [e["name"] for e in _helm_json("search", "repo", f"kds/{name}")] == [f"kds/{name}"]
    finally:
        appstore._request("DELETE", f"/api/charts/{name}/0.1.0")
    assert name not in appstore.charts()


def _tracking_job(ns: str, name: str, uri: str, code: str) -> str:
    apply(job(name, load_image("mlflow"), ["python", "-c", code], env={"MLFLOW_TRACKING_URI": uri},
              backoff_limit=0), namespace=ns)  # fmt: skip
    run(["kubectl", "wait", f"job/{name}", "-n", ns, "--for=condition=Complete", "--timeout=180s"], timeout=200)
    return run(["kubectl", "logs", f"job/{name}", "-n", ns]).stdout


def test_mlflow_installs_from_the_store_tracks_runs_upgrades_rolls_back_and_keeps_its_data(
    ns: str, helm_home: dict[str, str]
) -> None:
    release, uri = "tracking", f"http://tracking-mlflow.{ns}.svc.cluster.local:5000"
    load_image("mlflow")
    run(["helm", "install", release, "kds/mlflow", "--version", "0.1.0", "-n", ns, "--wait", "--timeout", "180s"],
        timeout=200)  # fmt: skip
    logged = _tracking_job(ns, "log-run", uri, (
        "import mlflow\n"
        "mlflow.set_experiment('churn')\n"
        "with mlflow.start_run(run_name='C=1.0'):\n"
        "    mlflow.log_param('C', 1.0); mlflow.log_metric('auc', 0.81)\n"
        "print(mlflow.search_runs(experiment_names=['churn'])[['params.C', 'metrics.auc']].to_csv(index=False))"))
    assert "1.0,0.81" in logged

    run(["helm", "upgrade", release, "kds/mlflow", "--version", "0.1.0", "-n", ns, "--reuse-values",
         "--set", "resources.limits.memory=1536Mi", "--wait", "--timeout", "180s"], timeout=200)  # fmt: skip
    limits = ["kubectl", "get", "deployment/tracking-mlflow", "-n", ns, "-o",
              "jsonpath={.spec.template.spec.containers[0].resources.limits.memory}"]  # fmt: skip
    assert run(limits).stdout == "1536Mi"
    run(["helm", "rollback", release, "1", "-n", ns, "--wait", "--timeout", "180s"], timeout=200)
    assert run(limits).stdout == "1Gi"
    assert [r["revision"] for r in _helm_json("history", release, "-n", ns)] == [1, 2, 3]
    # The run logged before the upgrade is still there: it lives on the claim, not in the Pod.
    again = _tracking_job(ns, "read-runs", uri, (
        "import mlflow\nprint(len(mlflow.search_runs(experiment_names=['churn'])))"))
    assert again.strip() == "1"

    run(["helm", "uninstall", release, "-n", ns, "--wait"], timeout=200)
    left = run(["kubectl", "get", "deployments,services,pvc", "-n", ns, "-o", "name"]).stdout.split()
    assert left == ["persistentvolumeclaim/tracking-mlflow"]


def test_a_wrong_value_fails_at_install_with_the_key_named(ns: str, helm_home: dict[str, str]) -> None:
    failed = run(["helm", "install", "typo", "kds/mlflow", "-n", ns, "--set", "persistence.sise=2Gi"], check=False)
    assert failed.returncode != 0 and "sise" in failed.stderr and "not allowed" in failed.stderr
    assert run(["helm", "list", "-n", ns, "-q"]).stdout.strip() == ""


@pytest.mark.serial  # the store is away for a moment
def test_the_store_keeps_its_charts_when_its_pod_is_replaced(helm_home: dict[str, str]) -> None:
    before = appstore.charts()
    run(["kubectl", "delete", "pod", "-n", appstore.NAMESPACE, "-l", "app=appstore", "--wait"])
    run(["kubectl", "rollout", "status", "deployment/appstore", "-n", appstore.NAMESPACE, "--timeout=60s"],
        timeout=70)  # fmt: skip
    deadline = time.monotonic() + 30
    while not appstore.answering():
        assert time.monotonic() < deadline, "the app store did not answer within 30 s of its new Pod being ready"
        time.sleep(0.5)
    assert appstore.charts() == before


def _connected_workers(ns: str, expected: int) -> int:
    """Connect to the scheduler of the cluster `sweep`; wait for exactly `expected` workers."""
    from distributed import Client

    with port_forward("service/sweep-scheduler", 8786, namespace=ns) as url:
        with Client(url.replace("http://", "tcp://")) as client:
            deadline = time.monotonic() + 180
            while len(client.scheduler_info()["workers"]) != expected and time.monotonic() < deadline:
                time.sleep(1)
            workers = len(client.scheduler_info()["workers"])
            # Computed on the workers: squares of 0..999 summed there, the hosts being the worker Pods.
            squares = client.map(lambda x: x * x, range(1000))
            total = client.submit(sum, squares).result()
            hosts = set(client.run(lambda: __import__("socket").gethostname()).values())
    assert total == 332833500
    assert all(host.startswith("sweep-default-worker-") for host in hosts), hosts
    return workers


@pytest.mark.serial  # a cluster-wide operator, and the Dask CRDs lesson 23 counts
def test_dask_operator_and_a_cluster_install_from_the_store_compute_and_scale(
    ns: str, helm_home: dict[str, str]
) -> None:
    load_image("dask")
    operator_values = ["--set", "image.name=kds.invalid/dask", "--set", "image.tag=2026.8.0"]
    try:
        # The operator's chart comes from the dask-kubernetes wheel, published with its version.
        run(["helm", "install", "dask-operator", "kds/dask-kubernetes-operator", "--version", "2026.3.0", "-n", ns,
             *operator_values, "--wait", "--timeout", "180s"], timeout=200)  # fmt: skip
        run(["helm", "install", "sweep", "kds/dask-cluster", "--version", "0.1.0", "-n", ns], timeout=60)
        run(["kubectl", "wait", "deployment/sweep-scheduler", "--for=create", "-n", ns, "--timeout=60s"], timeout=70)
        run(["kubectl", "rollout", "status", "deployment/sweep-scheduler", "-n", ns, "--timeout=180s"], timeout=190)
        assert _connected_workers(ns, 2) == 2

        run(["helm", "upgrade", "sweep", "kds/dask-cluster", "--version", "0.1.0", "-n", ns, "--reuse-values",
             "--set", "workers.replicas=3"], timeout=60)  # fmt: skip
        assert _connected_workers(ns, 3) == 3

        wrong = run(["helm", "upgrade", "sweep", "kds/dask-cluster", "--version", "0.1.0", "-n", ns,
                     "--reuse-values", "--set", "workers.replica=3"], check=False)  # fmt: skip
        assert wrong.returncode != 0 and "replica" in wrong.stderr and "not allowed" in wrong.stderr

        run(["helm", "uninstall", "sweep", "-n", ns, "--wait"], timeout=200)
        # The DaskCluster's owner references take the rest with it.
        for gone in ["daskworkergroup/sweep-default", "deployment/sweep-scheduler", "service/sweep-scheduler"]:
            run(["kubectl", "wait", gone, "--for=delete", "-n", ns, "--timeout=120s"], timeout=130)
        assert run(["kubectl", "get", "daskclusters,daskworkergroups", "-n", ns, "-o", "name"]).stdout == ""
    finally:
        run(["helm", "uninstall", "sweep", "-n", ns, "--ignore-not-found", "--wait"], check=False, timeout=200)
        run(["helm", "uninstall", "dask-operator", "-n", ns, "--ignore-not-found", "--wait"], check=False,
            timeout=200)  # fmt: skip
        run(["kubectl", "delete", "crds", *appstore.DASK_CRDS, "--ignore-not-found"], check=False)
    assert "dask" not in run(["kubectl", "get", "clusterroles", "-o", "name"]).stdout, "uninstall removes its role"


def _kubectl_json(ns: str, ref: str) -> dict:
    return json.loads(run(["kubectl", "get", ref, "-n", ns, "-o", "json"]).stdout)


def _secret(ns: str, name: str, key: str) -> str:
    return base64.b64decode(_kubectl_json(ns, f"secret/{name}")["data"][key]).decode()


def test_jupyterhub_signs_in_spawns_a_server_that_runs_code_and_keeps_its_files(
    ns: str, helm_home: dict[str, str]
) -> None:
    load_image("jupyterhub")
    run(["helm", "install", "team", "kds/jupyterhub", "--version", "0.1.0", "-n", ns, "--wait", "--timeout", "180s"],
        timeout=200)  # fmt: skip
    password = _secret(ns, "team-jupyterhub", "password")
    assert len(password) == 32, "the chart generates a password when none is given"
    with port_forward("svc/team-jupyterhub", 80, namespace=ns) as url:
        assert hub_version(url) == "6.1.1"
        token = sign_in(url, "alice", password)
        with pytest.raises(KdsError, match="did not sign in"):
            sign_in(url, "alice", "not-the-password")

        assert start_server(url, token, "alice") < 60
        code = "import socket, pathlib\npathlib.Path('notes.txt').write_text('kept')\nprint(socket.gethostname())"
        assert run_code(url, token, "alice", code) == "jupyter-alice\n"
        pod = _kubectl_json(ns, "pod/jupyter-alice")
        assert pod["spec"]["containers"][0]["resources"]["limits"]["memory"] in ("1G", "1073741824")

        # An upgrade keeps the generated password, restarts the hub, and servers start with the new limit.
        more = ["--set", "singleuser.resources.limits.memory=2Gi"]
        run(["helm", "upgrade", "team", "kds/jupyterhub", "--version", "0.1.0", "-n", ns, "--reuse-values", *more,
             "--wait", "--timeout", "180s"], timeout=200)  # fmt: skip
        assert _secret(ns, "team-jupyterhub", "password") == password
        hub_version(url)
        stop_server(url, token, "alice")
        run(["kubectl", "wait", "pod/jupyter-alice", "--for=delete", "-n", ns, "--timeout=60s"], timeout=70)
        assert start_server(url, token, "alice") < 60
        assert run_code(url, token, "alice", "print(open('notes.txt').read())") == "kept\n", "her claim kept the file"
        pod = _kubectl_json(ns, "pod/jupyter-alice")
        assert pod["spec"]["containers"][0]["resources"]["limits"]["memory"] in ("2G", "2147483648")

    wrong = run(["helm", "upgrade", "team", "kds/jupyterhub", "--version", "0.1.0", "-n", ns, "--reuse-values",
                 "--set", "auth.password=short"], check=False)  # fmt: skip
    assert wrong.returncode != 0 and "/auth/password': minLength: got 5, want 8" in wrong.stderr
    run(["helm", "rollback", "team", "1", "-n", ns, "--wait", "--timeout", "180s"], timeout=200)
    run(["kubectl", "delete", "pod/jupyter-alice", "-n", ns, "--wait"], timeout=70)
    run(["helm", "uninstall", "team", "-n", ns, "--wait"], timeout=200)
    left = run(["kubectl", "get", "pvc", "-n", ns, "-o", "name"]).stdout.split()
    assert left == ["persistentvolumeclaim/claim-alice"], "the hub's claim goes with the release; users' claims stay"
