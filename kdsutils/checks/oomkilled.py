"""Checks of the topic "oomkilled" (lab 33): a nightly training and a model server given the memory they need."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubernetes import client

from kdsutils.checks._kit import (
    TIMEOUT,
    Item,
    apps,
    batch,
    checker,
    core,
    item,
    job_pods,
    pod_log,
    pod_ready,
    quantity,
    read_or_none,
    restarts,
    rollout,
)
from kdsutils.kube import effective_namespace
from kdsutils.labs._example import API
from kdsutils.labs.oomkilled import API_MEMORY, NIGHTLY, NIGHTLY_MEMORY, NIGHTLY_ROWS

#: The largest memory limit the checks accept: what the work needs, not the whole node.
MAX_MEMORY = "2Gi"
#: The last line churn.train prints once the model is fitted and scored.
SCORES = re.compile(r"^c=\S+ accuracy=\d\.\d+ auc=\d\.\d+$", re.MULTILINE)


def limit_of(container: client.V1Container) -> str | None:
    """The container's memory limit, or None (pure).

    Examples:
        >>> limit_of(client.V1Container(name="c", resources=client.V1ResourceRequirements(limits={"memory": "1Gi"})))
        '1Gi'
        >>> limit_of(client.V1Container(name="c")) is None
        True
    """
    return ((container.resources and container.resources.limits) or {}).get("memory")


def rows_of(container: client.V1Container) -> int | None:
    """The customers a churn program trains on: ``--rows N`` (or ``--rows=N``), else ``$ROWS``, or None (pure).

    Examples:
        >>> rows_of(client.V1Container(name="t", command=["python", "-m", "churn.train", "--rows", "1500000"]))
        1500000
        >>> rows_of(client.V1Container(name="s", env=[client.V1EnvVar(name="ROWS", value="1_000_000")]))
        1000000
    """
    text = " ".join([*(container.command or []), *(container.args or [])]).replace("=", " ")
    found = re.search(r"--rows\s+([\d_]+)", text)
    value = found.group(1) if found else next((env.value for env in container.env or [] if env.name == "ROWS"), None)
    return int(value) if value and re.fullmatch(r"[\d_]+", value) else None


def _limit_items(container: client.V1Container, broken: str) -> Iterator[Item]:
    """Say whether the memory limit is above the one it was killed at, and at most MAX_MEMORY."""
    limit = limit_of(container)
    raised = limit is not None and quantity(limit) > quantity(broken)
    yield item(raised, f"its memory limit is above the {broken} it was killed at", f"it is {limit or 'unset'}")
    if raised:
        yield (
            quantity(limit) <= quantity(MAX_MEMORY),
            f"the limit is what the work needs, at most {MAX_MEMORY}, not the whole node (it is {limit})",
        )


@checker(
    "oomkilled_ex1",
    hints=(
        "When a program's logs end without an error, the reason it stopped is not in the logs: Kubernetes "
        "records it in the state of the container that stopped.",
        "Lab 33, 'How we found it': "
        "`kubectl describe pod -l job-name=nightly-train` (State, Reason, Exit Code, Limits); lesson 17 measured "
        "what churn.train needs per million rows. A Job's template cannot change: delete it and create it again.",
        "`kubectl delete job nightly-train -n $namespace`, then apply the same Job with "
        "resources={'requests': {'cpu': '500m', 'memory': '1Gi'}, 'limits': {'memory': '1Gi'}} and "
        "kds.wait('job/nightly-train', for_='condition=Complete', timeout=300)",
    ),
)
def oomkilled_ex1() -> Iterator[Item]:
    """Check that the nightly training ran to completion on all its customers with a memory limit that fits.

    Examples:
        >>> check("oomkilled_ex1")  # doctest: +SKIP
        ✔ Well done: oomkilled_ex1 passes.
          ✔ there is a Job named nightly-train in lesson-oomkilled
    """
    job = read_or_none(batch().read_namespaced_job, NIGHTLY)
    yield job is not None, f"there is a Job named {NIGHTLY} in {effective_namespace()}"
    if job is None:
        return
    container = job.spec.template.spec.containers[0]
    limit = limit_of(container)
    if limit is not None and quantity(limit) == quantity(NIGHTLY_MEMORY):
        yield False, f"{NIGHTLY} completed (it is still the Job that failed: find out why with kubectl)"
        return
    rows = rows_of(container)
    yield item(rows == NIGHTLY_ROWS, f"it still trains on all {NIGHTLY_ROWS:,} customers",
               f"it asks for {rows:,}" if rows else "no --rows in its command")  # fmt: skip
    yield from _limit_items(container, NIGHTLY_MEMORY)
    status = job.status
    if not (status and status.succeeded):
        gave_up = bool(status and status.failed and not status.active)
        seen = "it failed: `kubectl describe pod -l job-name=nightly-train` says how" if gave_up else "not yet: wait"
        yield False, f"the Job completed ({seen})"
        return
    yield True, "the Job completed"
    done = [pod for pod in job_pods(NIGHTLY) if pod.status.phase == "Succeeded"]
    printed = pod_log(done[0].metadata.name) if done else ""
    yield item(bool(SCORES.search(printed)), "its logs end with the model's scores (c=... accuracy=... auc=...)",
               "they do not")  # fmt: skip


@checker(
    "oomkilled_ex2",
    hints=(
        "A container that restarts without an error in its logs may have been stopped from outside: why it "
        "stopped last time is recorded in its status, not in the logs.",
        "Lab 33, 'How we found it': "
        "`kubectl describe pod` shows it under Last State (`lastState` in `-o yaml`); a Deployment's resources "
        "change with `kubectl set resources`, and the new Pods replace the old ones by themselves.",
        "`kubectl set resources deployment/churn-api -n $namespace --limits=memory=256Mi "
        "--requests=memory=256Mi`, then `kubectl rollout status deployment/churn-api -n $namespace`",
    ),
)
def oomkilled_ex2() -> Iterator[Item]:
    """Check that churn-api is ready and serving, without restarts, within a memory limit that fits.

    Examples:
        >>> check("oomkilled_ex2")  # doctest: +SKIP
        ✔ Well done: oomkilled_ex2 passes.
          ✔ there is a Deployment named churn-api in lesson-oomkilled-ex
    """
    deploy = read_or_none(apps().read_namespaced_deployment, API)
    yield deploy is not None, f"there is a Deployment named {API} in {effective_namespace()}"
    if deploy is None:
        return
    container = deploy.spec.template.spec.containers[0]
    limit = limit_of(container)
    pods = core().list_namespaced_pod(effective_namespace(), label_selector=f"app={API}", _request_timeout=TIMEOUT)
    if limit is not None and quantity(limit) == quantity(API_MEMORY):
        yield False, "the server is ready (its Pod keeps restarting: find out why with kubectl)"
        return
    yield from _limit_items(container, API_MEMORY)
    done, seen = rollout(deploy)
    yield item(done, "the rollout finished: every replica runs the newest template and is ready", seen)
    serving = [pod for pod in pods.items if pod_ready(pod)]
    if not done or not serving:
        return
    again = sum(restarts(pod) for pod in serving)
    yield item(again == 0, "the server has not restarted since the change", f"it restarted {again} times")
    serving_line = "serving on port"
    yield item(serving_line in pod_log(serving[0].metadata.name), f"its logs say '{serving_line} ...'", "they do not")
