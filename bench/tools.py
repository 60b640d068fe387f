"""Benchmark Part 2's tools; writes bench/results/tools.json (not a timed test).

Measures, in one run on this machine, on the running local engine:
- the app store: packaging and publishing every course chart (what `kds up` does each time);
- each tool chart of the app store (mlflow), installed from the repository as a learner
  does: `helm install` until its Deployment is ready and until its API answers, and the memory
  its Pods use once they answer (the working set the kubelet reports, from crictl);
- Dask as lesson 23 installs it: the operator's chart until its Deployment is ready, then a
  `dask-cluster` release until its two workers are connected to the scheduler (a real client
  asks), and the memory of the operator, the scheduler and the workers together;
- JupyterHub as lesson 21 installs it: until the hub answers through its proxy, then a user
  signed in and their server started until it is ready, and the memory of hub, proxy and that
  user's server together;
- the cold build of each tool image (recorded when it was built) and the size of its archive.

Goals from the issue: each tool ready within 60 s, a JupyterHub user's server within 30 s of the
request; all Part 2 tools together within 4 GiB; the
tool images built together within 10 min on 2 cores.

Run as root with the engine up (`kds up`): `.venv/bin/python bench/tools.py`.
"""

from __future__ import annotations

import json
import os
import platform
import tempfile
import time
import uuid
from pathlib import Path

from kdsutils import appstore
from kdsutils._run import run
from kdsutils.builder import load_image
from kdsutils.cluster import local
from kdsutils.cluster.local import images
from kdsutils.images import course_images
from kdsutils.versions import cache_dir

OUT = Path(__file__).parent / "results" / "tools.json"
#: Each tool chart: its image, how to ask it "are you up?" through the API server's proxy.
TOOLS = {"mlflow": {"image": "mlflow", "service_port": 5000, "probe": "/health"}}
GOAL_READY_S, GOAL_SERVER_S, GOAL_MEMORY_GIB, GOAL_BUILD_MIN = 60, 30, 4, 10


def _answers(namespace: str, service: str, port: int, path: str) -> bool:
    proxied = f"/api/v1/namespaces/{namespace}/services/{service}:{port}/proxy{path}"
    return run(["kubectl", "get", "--raw", proxied], check=False, timeout=15).returncode == 0


def _working_set_mib(namespace: str) -> float:
    """The memory the kubelet counts for every container of the namespace's Pods (crictl stats)."""
    out = local._crictl(local.run_dir(), "stats", "-o", "json", "--label", f"io.kubernetes.pod.namespace={namespace}")
    stats = json.loads(out.stdout).get("stats", [])
    return round(sum(int(s["memory"]["workingSetBytes"]["value"]) for s in stats) / 2**20, 1)


def measure_chart(name: str, spec: dict, env: dict[str, str]) -> dict:
    """Install `name` from the app store into a new namespace, time it, weigh it, remove it."""
    namespace = f"bench-{name}-{uuid.uuid4().hex[:6]}"
    load_image(spec["image"], progress=lambda line: None)
    run(["kubectl", "create", "namespace", namespace])
    try:
        start = time.monotonic()
        run(["helm", "install", name, f"{appstore.REPO_NAME}/{name}", "-n", namespace, "--set",
             "persistence.enabled=false"], env=env)  # fmt: skip
        installed = time.monotonic() - start
        deployment = f"deployment/{name}"
        run(["kubectl", "rollout", "status", deployment, "-n", namespace, "--timeout=300s"], timeout=310)
        ready = time.monotonic() - start
        while not _answers(namespace, name, spec["service_port"], spec["probe"]):
            if time.monotonic() - start > 300:
                raise TimeoutError(f"{name} did not answer within 300 s")
            time.sleep(0.5)
        answered = time.monotonic() - start
        time.sleep(10)  # let it settle before weighing it
        memory = _working_set_mib(namespace)
    finally:
        run(["kubectl", "delete", "namespace", namespace, "--wait=false"], check=False)
    return {"helm_install_returned_s": round(installed, 1), "deployment_ready_s": round(ready, 1),
            "api_answers_s": round(answered, 1), "memory_working_set_mib": memory,
            "ready_within_goal": answered <= GOAL_READY_S}  # fmt: skip


DASK_OPERATOR_VALUES = ["--set", "image.name=kds.invalid/dask", "--set", "image.tag=2026.8.0"]


def measure_dask(env: dict[str, str]) -> dict:
    """Install the Dask operator and a two-worker cluster as lesson 23 does; time them, weigh them."""
    from distributed import Client

    from kdsutils.resources import port_forward

    namespace = f"bench-dask-{uuid.uuid4().hex[:6]}"
    load_image("dask", progress=lambda line: None)
    run(["kubectl", "create", "namespace", namespace])
    helm = ["helm", "--namespace", namespace]
    try:
        start = time.monotonic()
        run([*helm, "install", "dask-operator", f"{appstore.REPO_NAME}/dask-kubernetes-operator",
             *DASK_OPERATOR_VALUES], env=env)  # fmt: skip
        run(["kubectl", "rollout", "status", "deployment/dask-operator-dask-kubernetes-operator", "-n", namespace,
             "--timeout=300s"], timeout=310)  # fmt: skip
        operator_ready = time.monotonic() - start
        start = time.monotonic()
        run([*helm, "install", "sweep", f"{appstore.REPO_NAME}/dask-cluster"], env=env)
        run(["kubectl", "wait", "deployment/sweep-scheduler", "--for=create", "-n", namespace, "--timeout=120s"],
            timeout=130)  # fmt: skip
        run(["kubectl", "rollout", "status", "deployment/sweep-scheduler", "-n", namespace, "--timeout=300s"],
            timeout=310)  # fmt: skip
        scheduler_ready = time.monotonic() - start
        with port_forward("service/sweep-scheduler", 8786, namespace=namespace) as url:
            with Client(url.replace("http://", "tcp://")) as client:
                client.wait_for_workers(2, timeout=300)
                workers_connected = time.monotonic() - start
        time.sleep(10)  # let it settle before weighing it
        memory = _working_set_mib(namespace)
    finally:
        run([*helm, "uninstall", "sweep", "--wait"], check=False, timeout=300)
        run([*helm, "uninstall", "dask-operator", "--wait"], check=False, timeout=300)
        run(["kubectl", "delete", "crds", *appstore.DASK_CRDS, "--ignore-not-found"], check=False)
        run(["kubectl", "delete", "namespace", namespace, "--wait=false"], check=False)
    return {"operator_ready_s": round(operator_ready, 1), "scheduler_ready_s": round(scheduler_ready, 1),
            "two_workers_connected_s": round(workers_connected, 1), "memory_working_set_mib": memory,
            "ready_within_goal": max(operator_ready, workers_connected) <= GOAL_READY_S}  # fmt: skip


def measure_jupyterhub(env: dict[str, str]) -> dict:
    """Install the hub as lesson 21 does, then sign a user in and start their server; time it, weigh it."""
    from kdsutils.jupyter import hub_version, sign_in, start_server
    from kdsutils.resources import port_forward

    namespace = f"bench-jupyterhub-{uuid.uuid4().hex[:6]}"
    load_image("jupyterhub", progress=lambda line: None)
    run(["kubectl", "create", "namespace", namespace])
    try:
        start = time.monotonic()
        run(["helm", "install", "team", f"{appstore.REPO_NAME}/jupyterhub", "-n", namespace, "--set",
             "auth.password=bench-password"], env=env)  # fmt: skip
        for part in ("hub", "proxy"):
            run(["kubectl", "rollout", "status", f"deployment/team-jupyterhub-{part}", "-n", namespace,
                 "--timeout=300s"], timeout=310)  # fmt: skip
        with port_forward("service/team-jupyterhub", 80, namespace=namespace) as url:
            hub_version(url, timeout=300)
            hub_answers = time.monotonic() - start
            token = sign_in(url, "alice", "bench-password", progress=lambda line: None)
            server_ready = start_server(url, token, "alice", timeout=300, progress=lambda line: None)
        time.sleep(10)  # let it settle before weighing it
        memory = _working_set_mib(namespace)
    finally:
        run(["helm", "uninstall", "team", "-n", namespace, "--wait"], check=False, timeout=300)
        run(["kubectl", "delete", "namespace", namespace, "--wait=false"], check=False)
    return {"hub_answers_s": round(hub_answers, 1), "user_server_ready_after_request_s": round(server_ready, 1),
            "memory_working_set_mib": memory,
            "ready_within_goal": hub_answers <= GOAL_READY_S and server_ready <= GOAL_SERVER_S}  # fmt: skip


def main() -> None:
    result: dict = {"machine": {"cpus": os.cpu_count(), "system": platform.platform()},
                    "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}  # fmt: skip
    with tempfile.TemporaryDirectory() as helm_home:
        env = {f"HELM_{kind}_HOME": f"{helm_home}/{kind.lower()}" for kind in ("CONFIG", "CACHE", "DATA")}
        start = time.monotonic()
        published = appstore.publish_course_charts(progress=lambda line: None)
        result["appstore"] = {"publish_course_charts_s": round(time.monotonic() - start, 2), "charts": published,
                              "url": appstore.URL}  # fmt: skip
        run(["helm", "repo", "add", appstore.REPO_NAME, appstore.URL], env=env)
        # The API server's proxy needs the Service name to be the release name: releases named as the chart.
        result["charts"] = {name: measure_chart(name, spec, env) for name, spec in TOOLS.items()}
        result["charts"]["dask"] = measure_dask(env)
        result["charts"]["jupyterhub"] = measure_jupyterhub(env)
    total = sum(c["memory_working_set_mib"] for c in result["charts"].values())
    result["all_tools_memory_mib"] = round(total, 1)
    result["all_tools_within_goal"] = total <= GOAL_MEMORY_GIB * 1024
    builds = {}
    for image in course_images():
        if image.on_demand:
            seconds = cache_dir() / "images" / f"{image.name}.seconds"
            archive = images.archive(image.name)
            builds[image.name] = {
                "cold_build_s": int(seconds.read_text()) if seconds.is_file() else None,
                "archive_mib": round(archive.stat().st_size / 2**20) if archive.is_file() else None,
            }
    result["tool_images"] = builds
    known = [b["cold_build_s"] for b in builds.values() if b["cold_build_s"] is not None]
    result["tool_images_build_s"] = sum(known)
    result["tool_images_within_goal"] = sum(known) <= GOAL_BUILD_MIN * 60
    result["goals"] = {"ready_s": GOAL_READY_S, "user_server_s": GOAL_SERVER_S, "all_tools_memory_gib": GOAL_MEMORY_GIB,
                       "tool_images_build_min": GOAL_BUILD_MIN}  # fmt: skip
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
