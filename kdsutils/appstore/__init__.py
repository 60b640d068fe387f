"""The course app store: a Helm chart repository that the course cluster serves, offline.

`kds up` deploys it into the ``kds-system`` namespace and publishes the course's charts
(``charts/*``) into it; its charts live on a PersistentVolumeClaim, so they outlive
``kds down`` / ``kds up`` on the local engine (kind's ``kds down`` deletes the cluster, and the
next ``kds up`` publishes the course charts again). Helm talks to it as to any public
repository::

    helm repo add kds http://localhost:30080
    helm search repo kds/
    helm install tracking kds/mlflow --version 0.1.0

Why a classic ``index.yaml`` repository and not an OCI registry: ``helm search repo``, ``helm
repo add`` and ``helm show`` work only against the classic kind, and that is what most public
charts a data scientist meets are published in. The server is ``server.py`` beside this file
(standard library and PyYAML), run on the course's Python image with the file mounted from a
ConfigMap; its upload API is ChartMuseum's, so ``curl --data-binary @chart.tgz
URL/api/charts`` publishes a chart the same way a team's own repository takes it.
"""

from __future__ import annotations

import importlib.metadata
import json
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import yaml

from kdsutils import images
from kdsutils._run import run
from kdsutils.cluster import APPSTORE_NODE_PORT, Progress
from kdsutils.errors import KdsError
from kdsutils.manifests import Manifest, configmap, deployment, namespace, pvc, service

NAMESPACE = "kds-system"
NAME = "appstore"
#: The name the lessons give the repository in `helm repo add`.
REPO_NAME = "kds"
#: Where the repository answers on the learner's machine (a NodePort on both backends).
URL = f"http://localhost:{APPSTORE_NODE_PORT}"
#: Where it answers inside the cluster (for Pods and Jobs).
CLUSTER_URL = f"http://{NAME}.{NAMESPACE}.svc.cluster.local:8080"
CHARTS_DIR = images.REPO_ROOT / "charts"
#: Charts that upstream ships inside a Python package the course installs (requirements.txt):
#: used from the installed package, and published with the package's version.
PACKAGED_CHARTS = {
    "dask-kubernetes-operator": (
        "dask-kubernetes", "dask_kubernetes/operator/deployment/helm/dask-kubernetes-operator"
    ),
}
#: The CRDs the Dask operator's chart installs, which `helm uninstall` leaves (lesson 23).
DASK_CRDS = tuple(f"dask{kind}.kubernetes.dask.org" for kind in ("autoscalers", "clusters", "jobs", "workergroups"))
SERVER = Path(__file__).with_name("server.py")


def manifests(server_code: str) -> list[Manifest]:
    """The app store's objects, in the order they are applied (pure).

    Args:
        server_code: The text of ``server.py``, which the Pod runs from a ConfigMap.

    Examples:
        >>> [m["kind"] for m in manifests("print('hi')")]
        ['Namespace', 'ConfigMap', 'PersistentVolumeClaim', 'Deployment', 'Service']
        >>> manifests("")[-1]["spec"]["ports"][0]["nodePort"]
        30080
    """
    labels = {"app.kubernetes.io/part-of": "kds"}
    server = deployment(
        NAME,
        images.reference("python-ds"),
        ["python3", "/app/server.py", "--charts", "/charts", "--port", "8080"],
        labels=labels,
        ports=[8080],
        resources={"requests": {"cpu": "10m", "memory": "48Mi"}, "limits": {"memory": "128Mi"}},
        volumes={"/app": f"configmap/{NAME}-server", "/charts": f"pvc/{NAME}-charts"},
    )
    pod_spec = server["spec"]["template"]["spec"]
    pod_spec["containers"][0]["readinessProbe"] = {
        "httpGet": {"path": "/health", "port": 8080}, "periodSeconds": 2, "failureThreshold": 3}
    # One writer for the chart folder: the old Pod stops before a new one starts.
    server["spec"]["strategy"] = {"type": "Recreate"}
    front = service(NAME, port=8080, type="NodePort", labels=labels)
    front["spec"]["ports"][0]["nodePort"] = APPSTORE_NODE_PORT
    objects = [
        namespace(NAMESPACE, labels=labels),
        configmap(f"{NAME}-server", {"server.py": server_code}, labels=labels),
        pvc(f"{NAME}-charts", "1Gi", labels=labels),
        server,
        front,
    ]
    for obj in objects[1:]:
        obj["metadata"]["namespace"] = NAMESPACE
    return objects


def _request(method: str, path: str, data: bytes | None = None, timeout: float = 30) -> tuple[int, bytes]:
    req = urllib.request.Request(f"{URL}{path}", data=data, method=method)
    if data is not None:
        req.add_header("Content-Type", "application/gzip")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
    except (urllib.error.URLError, OSError) as exc:
        raise KdsError(
            f"The course app store does not answer at {URL} ({exc}).",
            fix="start the cluster with `kds up` (it starts the app store too); `kds status` shows it",
        ) from None


def index() -> dict[str, Any]:
    """The repository's index, as Helm reads it (``GET /index.yaml``)."""
    status, body = _request("GET", "/index.yaml")
    if status != 200:
        raise KdsError(f"The app store answered {status} for /index.yaml.", fix="run `kds up` to repair it")
    return yaml.safe_load(body)


def charts() -> dict[str, list[str]]:
    """Each chart in the app store and its versions, newest first.

    Examples:
        >>> charts()  # doctest: +SKIP
        {'mlflow': ['0.1.0']}
    """
    return {name: [str(v["version"]) for v in versions] for name, versions in index()["entries"].items()}


def package(chart_dir: Path, out: Path, *, version: str | None = None) -> Path:
    """Run ``helm package`` on a chart folder; return the ``.tgz`` it wrote into `out`.

    Args:
        chart_dir: The chart's folder.
        out: Where the archive goes.
        version: Package it as this version (chart and app), instead of its Chart.yaml's.
    """
    pinned = ["--version", version, "--app-version", version] if version else []
    result = run(["helm", "package", str(chart_dir), "--destination", str(out), *pinned],
                 fix=f"run `helm lint {chart_dir}`: it names what is wrong with the chart")  # fmt: skip
    return Path(result.stdout.strip().rsplit(" ", 1)[-1])


def push(archive: str | Path, *, force: bool = False) -> dict[str, Any]:
    """Publish a packaged chart (``helm package`` made it) to the app store.

    Prints the command that does the same from a terminal.

    Args:
        archive: The ``NAME-VERSION.tgz`` file.
        force: Replace the same version when it is already there.

    Raises:
        KdsError: the file is missing, the version is already published, or the server
            refuses the archive (its reason is shown).

    Examples:
        >>> push("churn-api-0.1.0.tgz")  # doctest: +SKIP
        $ curl --data-binary @churn-api-0.1.0.tgz http://localhost:30080/api/charts
        {'saved': True, 'name': 'churn-api', 'version': '0.1.0'}
    """
    path = Path(archive)
    if not path.is_file():
        raise KdsError(f"There is no file {path} (in {Path.cwd()}).",
                       fix="package the chart first: helm package CHART_DIR")
    query = "?force=true" if force else ""
    print(f"$ curl --data-binary @{path} {URL}/api/charts{query}")
    status, body = _request("POST", f"/api/charts{query}", path.read_bytes())
    answer = json.loads(body or b"{}")
    if status != 201:
        raise KdsError(
            f"The app store refused {path.name}: {answer.get('error', body.decode(errors='replace'))}",
            fix="raise `version` in Chart.yaml and package again" if status == 409 else "fix the chart, then "
            "`helm lint` and `helm package` it again",
        )
    return answer


def delete(name: str, version: str) -> None:
    """Remove one version of a chart from the app store; print the command that does the same.

    Releases installed from it keep running: Helm stored the chart with each release.

    Raises:
        KdsError: that version is not in the app store (the versions there are named).

    Examples:
        >>> delete("churn-api", "0.1.0")  # doctest: +SKIP
        $ curl -X DELETE http://localhost:30080/api/charts/churn-api/0.1.0
    """
    print(f"$ curl -X DELETE {URL}/api/charts/{name}/{version}")
    if _request("DELETE", f"/api/charts/{name}/{version}")[0] != 200:
        held = charts().get(name, [])
        raise KdsError(f"The app store has no {name} {version} (it holds: {', '.join(held) or 'no version of it'}).",
                       fix=f"`helm search repo {REPO_NAME}/{name} --versions` lists the versions")  # fmt: skip


def course_charts() -> set[str]:
    """The names of the charts the course publishes: its own (``charts/*``) and `PACKAGED_CHARTS`."""
    return {p.parent.name for p in CHARTS_DIR.glob("*/Chart.yaml")} | set(PACKAGED_CHARTS)


def _chart_sources() -> list[tuple[Path, str | None]]:
    """Each chart folder to publish, with the version to package it as (None: its own)."""
    own: list[tuple[Path, str | None]] = [(p.parent, None) for p in sorted(CHARTS_DIR.glob("*/Chart.yaml"))]
    packaged = []
    for name, (distribution, folder) in sorted(PACKAGED_CHARTS.items()):
        try:
            packaged.append((Path(str(importlib.metadata.distribution(distribution).locate_file(folder))),
                             importlib.metadata.version(distribution)))  # fmt: skip
        except importlib.metadata.PackageNotFoundError:
            raise KdsError(f"The chart {name} comes with the Python package {distribution}, which is not installed.",
                           fix="run `make venv` (it installs requirements.txt)") from None  # fmt: skip
    return own + packaged


def remove_learner_charts() -> list[str]:
    """Remove every chart a learner published (`kds reset`); return their ``NAME-VERSION`` names."""
    removed = []
    for name, versions in charts().items():
        if name in course_charts():
            continue
        for version in versions:
            _request("DELETE", f"/api/charts/{name}/{version}")
            removed.append(f"{name}-{version}")
    return removed


def publish_course_charts(*, progress: Progress = print) -> list[str]:
    """Package every course chart (`course_charts`) and put it in the app store (replacing the same version)."""
    published = []
    with tempfile.TemporaryDirectory() as tmp:
        for chart_dir, version in _chart_sources():
            archive = package(chart_dir, Path(tmp), version=version)
            status, body = _request("POST", "/api/charts?force=true", archive.read_bytes())
            if status != 201:
                raise KdsError(f"The app store refused the course chart {chart_dir.name}: {body.decode()}",
                               fix=f"run `helm lint {chart_dir}`")  # fmt: skip
            published.append(archive.name.removesuffix(".tgz"))
    progress(f"App store: {URL} holds {', '.join(published) or 'no charts'}")
    return published


def answering() -> bool:
    """Whether the app store answers now (its ``/health``)."""
    try:
        return _request("GET", "/health", timeout=3)[0] == 200
    except KdsError:
        return False


def up(context: str, *, progress: Progress = print, timeout: float = 120) -> None:
    """Deploy the app store into the cluster of `context` (idempotent), then publish the course charts."""
    progress(f"Starting the app store (namespace {NAMESPACE}, {URL})")
    text = "".join(f"---\n{obj.to_yaml()}" for obj in manifests(SERVER.read_text()))
    kubectl = ["kubectl", "--context", context]
    run([*kubectl, "apply", "-f", "-"], input=text, fix="`kds status` shows whether the cluster runs")
    run([*kubectl, "rollout", "status", f"deployment/{NAME}", "-n", NAMESPACE, f"--timeout={int(timeout)}s"],
        timeout=timeout + 10, fix=f"kubectl describe pods -n {NAMESPACE} shows why it does not start")  # fmt: skip
    deadline = time.monotonic() + 30
    while not answering():
        if time.monotonic() > deadline:
            raise KdsError(f"The app store runs but does not answer at {URL}.",
                           fix=f"kubectl logs deployment/{NAME} -n {NAMESPACE}")  # fmt: skip
        time.sleep(0.5)
    publish_course_charts(progress=progress)


def status() -> str:
    """One line for `kds status`: where the app store answers and what it holds."""
    try:
        found = charts()
    except KdsError:
        return f"not answering at {URL} (`kds up` starts it)"
    listing = ", ".join(f"{name} {versions[0]}" for name, versions in found.items())
    return f"{URL} ({listing or 'no charts'})"
