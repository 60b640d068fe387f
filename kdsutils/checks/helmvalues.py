"""Checks of the topic "helmvalues" (lab 38): a Helm release with bad values, put right through Helm.

The release ``status-page`` runs the copies its values ask for, because the values now say so
where the chart reads them (``helmvalues_ex1``); the broken upgrade is rolled back to the last
good revision (``helmvalues_ex2``). MLflow's release ``tracking`` gets the 2 GB limit its values
meant, written with a unit (``helmvalues_ex3``). Helm's record of the release (its Secrets) says what was
asked; the Deployment says what runs. Each check reads both, so a `kubectl scale` that Helm does
not know about is not yet the fix.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kdsutils.checks._kit import (
    TIMEOUT,
    Item,
    apps,
    checker,
    core,
    item,
    quantity,
    read_or_none,
    release_items,
    releases,
    rollout,
)
from kdsutils.kube import effective_namespace
from kdsutils.labs.helmvalues import (
    CHART,
    COPIES,
    DEPLOYMENT,
    MEANT_MEMORY,
    MESSAGES,
    MISSING_TAG,
    RELEASE,
    TAG,
    TRACKER_CHART,
    TRACKING,
    TRACKING_DEPLOYMENT,
)


def _message(deploy: Any) -> str | None:
    """The page's text, as the Deployment's container gets it (its MESSAGE variable)."""
    env = deploy.spec.template.spec.containers[0].env or []
    return next((e.value for e in env if e.name == "MESSAGE"), None)


def _rolled_out(deploy: Any, wanted: int) -> Item:
    """Whether the Deployment runs `wanted` ready copies of its newest template, and nothing else."""
    status = deploy.status
    counts = (status.replicas or 0, status.updated_replicas or 0, status.ready_replicas or 0)
    done = rollout(deploy)[0] and deploy.spec.replicas == wanted
    return item(done, f"{deploy.metadata.name} runs {wanted} ready copies of its newest template, and no other",
                f"Pods: {counts[0]}, up to date: {counts[1]}, ready: {counts[2]}")  # fmt: skip


@checker(
    "helmvalues_ex1",
    hints=(
        "Kubernetes did what it was told; the question is what Helm told it. Compare the values Priya gave with "
        "the values the chart reads: the indentation of a YAML file decides which key a value belongs to.",
        "Lab 38, 'How we found it': `helm get values`, `helm show values kds/hello` and `helm get manifest` "
        "side by side; then a corrected values file, previewed with `helm template ... | kubectl diff -f -`, and "
        "`helm upgrade -f`.",
        "`kubectl get configmap status-page-values -n $namespace -o jsonpath='{.data.values\\.yaml}' > "
        "values.yaml`, move `replicaCount: 3` to the top level (no indentation), then `helm upgrade status-page "
        "kds/hello --version 0.1.0 -f values.yaml -n $namespace`",
    ),
)
def helmvalues_ex1() -> Iterator[Item]:
    """Check release status-page: replicaCount 3 where the chart reads it, Priya's message kept, 3 copies ready.

    Examples:
        >>> check("helmvalues_ex1")  # doctest: +SKIP
        ✔ Well done: helmvalues_ex1 passes.
          ✔ there is a Helm release named status-page in lesson-helmvalues
    """
    newest, items = release_items(RELEASE, CHART)
    yield from items
    if newest is None:
        return
    config = newest.get("config") or {}
    deploy = read_or_none(apps().read_namespaced_deployment, DEPLOYMENT)
    given = config.get("replicaCount")
    if newest["version"] == 1 and given is None and (deploy is None or deploy.spec.replicas == 1):
        yield False, f"{COPIES} copies of the page run (not yet: the release is as Priya left it)"
        return
    scaled = deploy is not None and deploy.spec.replicas == COPIES
    yield item(given == COPIES, f"its values set replicaCount to {COPIES} at the top level, where the chart reads it",
               f"they set {given!r}" if given is not None
               else "they set none: the Deployment was scaled behind Helm's back, and the next `helm upgrade` "
               "puts it back to 1" if scaled else "they set none")  # fmt: skip
    stray = (config.get("image") or {}).get("replicaCount")
    yield item(stray is None, "its values no longer carry image.replicaCount, which the chart ignores",
               f"image.replicaCount: {stray!r} is still there")  # fmt: skip
    yield item(deploy is not None, f"there is a Deployment named {DEPLOYMENT}", "the release made none")
    if deploy is None:
        return
    message = _message(deploy)
    yield item(message == MESSAGES[0], f"the page still shows Priya's text, {MESSAGES[0]!r}",
               f"it shows {message!r}: an upgrade starts again from the chart's defaults plus what you pass, so "
               "pass her whole file with -f")  # fmt: skip
    yield _rolled_out(deploy, COPIES)


def _rollback_items(history: list[dict[str, Any]]) -> Iterator[Item]:
    """Say whether the newest revision is a rollback, and to the revision before the bad upgrade."""
    newest = history[-1]
    described = newest["info"].get("description", "")
    yield item(described.startswith("Rollback to"), "its newest revision is a rollback (`helm history` says so)",
               f"its description is {described!r}")  # fmt: skip
    config = newest.get("config") or {}
    message, tag = config.get("message"), (config.get("image") or {}).get("tag")
    seen = (
        f"its values have the image tag {tag}, the one that was never built"
        if tag == MISSING_TAG
        else f"it shows {message!r}"
        + (": that is revision 1's, and this morning's was revision 2" if message == MESSAGES[0] else "")
    )
    yield item(message == MESSAGES[1] and tag == TAG,
               f"the page is back to this morning's text, {MESSAGES[1]!r}, on image tag {TAG}", seen)  # fmt: skip


@checker(
    "helmvalues_ex2",
    hints=(
        "Helm remembers every revision of a release, with its values: you do not have to rewrite the good ones "
        "from memory. Find the last revision that worked, and go back to it.",
        "Lab 38's exercise: `helm history` lists the revisions, `helm get values --revision N` shows each one's "
        "values; `helm rollback` deploys an old revision again, as a new one. Sam wants this morning's page.",
        "`helm history status-page -n $namespace`, then `helm rollback status-page 2 -n $namespace` and "
        "`kubectl rollout status deployment/status-page-hello -n $namespace`",
    ),
)
def helmvalues_ex2() -> Iterator[Item]:
    """Check release status-page: rolled back to revision 2's values, deployed, its Pods all ready.

    Examples:
        >>> check("helmvalues_ex2")  # doctest: +SKIP
        ✔ Well done: helmvalues_ex2 passes.
          ✔ there is a Helm release named status-page in lesson-helmvalues-ex
    """
    newest, items = release_items(RELEASE, CHART)
    yield from items
    if newest is None:
        return
    if newest["version"] == 3 and ((newest.get("config") or {}).get("image") or {}).get("tag") == MISSING_TAG:
        yield False, "the page is back the way it was this morning (not yet: the release is as Sam left it)"
        return
    yield from _rollback_items(releases(RELEASE))
    deploy = read_or_none(apps().read_namespaced_deployment, DEPLOYMENT)
    yield item(deploy is not None, f"there is a Deployment named {DEPLOYMENT}", "the release made none")
    if deploy is None:
        return
    yield _rolled_out(deploy, deploy.spec.replicas or 1)
    pods = core().list_namespaced_pod(effective_namespace(), label_selector=f"app.kubernetes.io/instance={RELEASE}",
                                      _request_timeout=TIMEOUT).items  # fmt: skip
    stuck = [p.metadata.name for p in pods if p.spec.containers[0].image.endswith(f":{MISSING_TAG}")
             and p.metadata.deletion_timestamp is None]  # fmt: skip
    yield item(not stuck, f"no Pod of the release still waits for the image tag {MISSING_TAG}",
               f"{', '.join(stuck)} still does")  # fmt: skip


def _two_gb(value: object) -> bool:
    """Whether `value` is a memory quantity written with a unit, between 2G and 2Gi."""
    low, high = (quantity(q) for q in MEANT_MEMORY)
    return isinstance(value, str) and any(c.isalpha() for c in value) and low <= quantity(value) <= high


@checker(
    "helmvalues_ex3",
    hints=(
        "Kubernetes refused the upgrade because of a number, not because of MLflow. Ask what unit a memory "
        "quantity has when it is written without one.",
        "Lab 38's exercise 2: `helm history` shows the failed revision and why; `helm get values --revision N` "
        "shows what Jo wrote. Lesson 17 on how Kubernetes writes memory: Mi, Gi, and a bare number.",
        "`kubectl get configmap tracking-values -n $namespace -o jsonpath='{.data.values\\.yaml}' > values.yaml`, "
        "write `memory: 2Gi` in it, then `helm upgrade tracking kds/mlflow --version 0.1.0 -f values.yaml -n "
        "$namespace` and `kubectl rollout status deployment/tracking-mlflow -n $namespace`",
    ),
)
def helmvalues_ex3() -> Iterator[Item]:
    """Check release tracking: deployed, its values give a 2 GB memory limit with a unit, MLflow runs with it.

    Examples:
        >>> check("helmvalues_ex3")  # doctest: +SKIP
        ✔ Well done: helmvalues_ex3 passes.
          ✔ there is a Helm release named tracking in lesson-helmvalues-ex
    """
    newest, items = release_items(TRACKING, TRACKER_CHART)
    yield from items
    if newest is None:
        return
    limit = (((newest.get("config") or {}).get("resources") or {}).get("limits") or {}).get("memory")
    if newest["version"] == 2 and newest["info"]["status"] == "failed" and not isinstance(limit, str):
        yield False, "MLflow has the 2 GB Jo asked for (not yet: the release is as Jo left it)"
        return
    bare = isinstance(limit, int | float) and not isinstance(limit, bool)
    yield item(_two_gb(limit), "its values set resources.limits.memory to 2 GB, with a unit",
               f"they set {limit!r}" + (": a number without a unit is bytes" if bare else ""))  # fmt: skip
    deploy = read_or_none(apps().read_namespaced_deployment, TRACKING_DEPLOYMENT)
    yield item(deploy is not None, f"there is a Deployment named {TRACKING_DEPLOYMENT}", "the release made none")
    if deploy is None:
        return
    running = (deploy.spec.template.spec.containers[0].resources.limits or {}).get("memory")
    yield item(_two_gb(running), "its Deployment gives MLflow a memory limit of 2 GB", f"it gives {running}")
    yield _rolled_out(deploy, 1)
