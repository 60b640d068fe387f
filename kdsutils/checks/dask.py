"""Checks of the topic "dask" (lesson 23): Dask clusters from the course's dask-cluster chart.

Install a cluster for the team with your own values (``dask_ex1``), and find why a colleague's
workers never come (``dask_ex2``). Each check reads Helm's record of the release and the Pods
the Dask operator made for it (labels ``dask.org/cluster-name`` and ``dask.org/component``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml

from kdsutils.checks._kit import Item, checker, core, item, pod_ready, release_items, same_quantity
from kdsutils.kube import effective_namespace

CHART = "dask-cluster"


def _workers(cluster: str) -> list[Any]:
    selector = f"dask.org/cluster-name={cluster},dask.org/component=worker"
    return core().list_namespaced_pod(effective_namespace(), label_selector=selector).items


def _ready_workers(cluster: str, wanted: int) -> Item:
    pods = _workers(cluster)
    ready = sum(pod_ready(p) for p in pods)
    phases = sorted(p.status.phase for p in pods if not pod_ready(p))
    seen = f"{ready} of {len(pods)} are ready" + (f"; the others are {', '.join(phases)}" if phases else "")
    return item(ready == wanted and len(pods) == wanted, f"{wanted} worker Pods of {cluster} are ready", seen)


def _released_request(release: dict[str, Any]) -> str | None:
    """The workers' memory request in the DaskCluster the release's newest revision applied."""
    for doc in yaml.safe_load_all(release.get("manifest", "")):
        if doc and doc.get("kind") == "DaskCluster":
            container = doc["spec"]["worker"]["spec"]["containers"][0]
            return (container.get("resources") or {}).get("requests", {}).get("memory")
    return None


def _option(command: list[str], flag: str) -> str | None:
    """The value after `flag` in a container's command (None when it is not there)."""
    return command[command.index(flag) + 1] if flag in command[:-1] else None


@checker(
    "dask_ex1",
    hints=(
        "A chart is configured through its values: the number of workers, their threads and their memory "
        "are all there, nested as the chart's values.yaml nests them.",
        "Lesson 23, 'A cluster for the sweep': `helm show values kds/dask-cluster` names workers.replicas, "
        "workers.threads and workers.resources; write them in a values file and `helm install` with -f.",
        "A values file with workers: {replicas: 3, threads: 2, resources: {requests: {cpu: 100m, memory: 384Mi}, "
        "limits: {memory: 1Gi}}}, then `helm install team kds/dask-cluster --version 0.1.0 -f team-values.yaml "
        "-n $namespace`",
    ),
)
def dask_ex1() -> Iterator[Item]:
    """Check release `team` of kds/dask-cluster: 3 ready workers, 2 threads and a 1Gi limit each.

    Examples:
        >>> check("dask_ex1")  # doctest: +SKIP
        ✔ Well done: dask_ex1 passes.
    """
    release, about = release_items("team", CHART)
    yield from about
    if release is None:
        return
    yield _ready_workers("team", 3)
    pods = _workers("team")
    if not pods:
        return
    container = pods[0].spec.containers[0]
    threads = _option(list(container.command or []), "--nthreads")
    yield item(threads == "2", "each worker runs 2 threads", f"it runs {threads or 'the default number'}")
    limit = ((container.resources.limits or {}) if container.resources else {}).get("memory")
    yield item(same_quantity(limit, "1Gi"), "each worker's memory limit is 1Gi", f"it is {limit}")


@checker(
    "dask_ex2",
    hints=(
        "A cluster whose scheduler runs can still have no workers: each worker is a Pod, and a Pod waits until "
        "a node has room for what it asks.",
        "Lesson 17 (requests and Pending Pods) and lesson 23: `kubectl get pods -l dask.org/cluster-name=big`, "
        "`kubectl describe pod` for the reason, `helm get values big` for where it comes from; fix it with "
        "`helm upgrade`.",
        "`helm upgrade big kds/dask-cluster --version 0.1.0 --reuse-values --set "
        "workers.resources.requests.memory=512Mi --set workers.resources.limits.memory=1Gi -n $namespace`; the "
        "operator does not change running workers, so then `kubectl delete daskcluster big --cascade=foreground "
        "-n $namespace`, wait until daskworkergroup/big-default, deployment/big-scheduler and the workers' "
        "Deployments (-l dask.org/cluster-name=big) are gone, and run the same `helm upgrade` again, which makes "
        "it anew",
    ),
)
def dask_ex2() -> Iterator[Item]:
    """Check that release `big` was fixed through Helm and its two workers run.

    Examples:
        >>> check("dask_ex2")  # doctest: +SKIP
        ✘ Not yet: dask_ex2.
          ✘ 2 worker Pods of big are ready (0 of 2 are ready; the others are Pending, Pending)
    """
    release, about = release_items("big", CHART)
    yield from about
    if release is None:
        return
    yield _ready_workers("big", 2)
    pods = [p for p in _workers("big") if pod_ready(p)]
    if not pods:
        return
    running = ((pods[0].spec.containers[0].resources.requests or {}) if pods[0].spec.containers[0].resources
               else {}).get("memory")  # fmt: skip
    released = _released_request(release)
    yield item(released is not None and same_quantity(running, released),
               "the workers ask for the memory the release says (the fix is in the release)",
               f"they ask for {running}, the release for {released}: a change made beside Helm is undone by the "
               "next upgrade")  # fmt: skip
