"""Checks of the topic "resources" (lesson 17): memory for the churn training, a Guaranteed API, a scoring Job fixed."""

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
    quantity,
    read_or_none,
    rollout,
)
from kdsutils.kube import effective_namespace

#: How many customers the Job `crunch` of resources_ex1 trains on (``python -m churn.train --rows``).
CRUNCH_ROWS = 3_000_000
#: The largest memory limit resources_ex1 and resources_ex3 accept: enough for the job, not the whole node.
MAX_JOB_MEMORY = "2Gi"
#: The memory limit the scoring Job of resources_ex3 kept failing with.
SCORING_LIMIT = "80Mi"
#: The day the scoring Job of resources_ex3 scores, and what it prints once it has done so.
SCORING_DAY = "2026-12-01"
SCORED = re.compile(rf"^scored 200 customers for {SCORING_DAY}: \d+ likely to churn", re.MULTILINE)
#: The last line churn.train prints once the model is fitted and scored.
SCORES = re.compile(r"^c=\S+ accuracy=\d\.\d+ auc=\d\.\d+$", re.MULTILINE)


def memory_of(resources: client.V1ResourceRequirements | None, key: str, resource: str = "memory") -> str | None:
    """Return the quantity of `resource` under ``requests`` or ``limits``, or None when unset (pure).

    Examples:
        >>> memory_of(client.V1ResourceRequirements(limits={"memory": "1Gi"}), "limits")
        '1Gi'
        >>> memory_of(None, "requests") is None
        True
    """
    values = getattr(resources, key, None) or {}
    return values.get(resource)


def rows_of(container: client.V1Container) -> int | None:
    """Return the rows a churn.train container asks for (``--rows N``, ``--rows=N`` or ``$ROWS``), or None (pure).

    Examples:
        >>> rows_of(client.V1Container(name="t", command=["python", "-m", "churn.train", "--rows", "3000000"]))
        3000000
        >>> rows_of(client.V1Container(name="t", env=[client.V1EnvVar(name="ROWS", value="5000")]))
        5000
        >>> rows_of(client.V1Container(name="t", command=["python", "-m", "churn.train"])) is None
        True
    """
    words = [*(container.command or []), *(container.args or [])]
    text = " ".join(words).replace("=", " ")
    found = re.search(r"--rows\s+([\d_]+)", text)
    if found is None:
        found = next((re.fullmatch(r"[\d_]+", env.value or "") for env in container.env or [] if env.name == "ROWS"),
                     None)  # fmt: skip
        if found is None:
            return None
        return int(found.group(0))
    return int(found.group(1))


def termination_reasons(pods: list[client.V1Pod]) -> list[str]:
    """Return why the containers of `pods` last stopped, such as ``"OOMKilled (exit code 137)"`` (pure).

    Examples:
        >>> terminated = client.V1ContainerStateTerminated(exit_code=137, reason="OOMKilled")
        >>> status = client.V1ContainerStatus(
        ...     name="crunch", image="x", image_id="", ready=False, restart_count=0,
        ...     state=client.V1ContainerState(terminated=terminated))
        >>> termination_reasons([client.V1Pod(status=client.V1PodStatus(container_statuses=[status]))])
        ['OOMKilled (exit code 137)']
    """
    reasons = []
    for pod in pods:
        for status in (pod.status and pod.status.container_statuses) or []:
            for state in (status.state, status.last_state):
                stopped = state and state.terminated
                if stopped is not None:
                    reasons.append(f"{stopped.reason} (exit code {stopped.exit_code})")
                    break
    return reasons


def _memory_items(container: client.V1Container, *, equal: bool) -> Iterator[Item]:
    """Say whether the container has a memory limit and request, of at most MAX_JOB_MEMORY (and equal)."""
    limit, request = memory_of(container.resources, "limits"), memory_of(container.resources, "requests")
    yield limit is not None, f"its container has a memory limit ({limit or 'none yet'})"
    yield request is not None, f"its container has a memory request ({request or 'none yet'})"
    if limit is None or request is None:
        return
    if equal:
        same = quantity(limit) == quantity(request)
        yield item(same, "the memory request equals the limit", f"request {request}, limit {limit}")
    yield (
        quantity(limit) <= quantity(MAX_JOB_MEMORY),
        f"the limit asks for what the job needs, at most {MAX_JOB_MEMORY}, not the whole node",
    )


def _completed_items(job: client.V1Job) -> Iterator[Item]:
    """Say whether the Job completed; when it did, end with the item of the Pod whose logs prove it."""
    name = job.metadata.name
    if not (job.status and job.status.succeeded):
        reasons = termination_reasons(job_pods(name))
        if job.status and job.status.failed:
            stopped = ", ".join(dict.fromkeys(reasons)) or "an error"
            yield False, f"the Job completed (it failed: its Pod stopped with {stopped}; `kubectl describe` shows why)"
        else:
            wait = f"kds.wait('job/{name}', for_='condition=Complete')"
            yield False, f"the Job completed (it is still running: wait with {wait})"
        return
    yield True, "the Job completed"


def _done_log(name: str) -> str | None:
    """Return what the Pod that completed the Job `name` printed, or None when that Pod is gone."""
    done = [pod for pod in job_pods(name) if pod.status.phase == "Succeeded"]
    return pod_log(done[0].metadata.name) if done else None


@checker(
    "resources_ex1",
    hints=(
        "The training was killed for using more memory than its limit allows: measure or estimate what it needs "
        "at this many rows, and ask for exactly that much, as request and as limit.",
        "Lesson 17, 'Measure first' and 'Enough memory': peak memory grows about in proportion to the rows; a "
        "Job's Pod template cannot change, so `delete` the Job, then create it again with resources= holding "
        "the same memory under requests and limits (at most 2Gi).",
        "`kubectl delete job crunch -n $namespace`, then kds.apply(kds.manifests.job('crunch', "
        "kds.manifests.PYTHON_DS_IMAGE, ['python', '-m', 'churn.train', '--rows', '3000000'], "
        "resources={'requests': {'memory': '1536Mi', 'cpu': '500m'}, 'limits': {'memory': '1536Mi'}}, "
        "backoff_limit=0)) "
        "and kds.wait('job/crunch', for_='condition=Complete', timeout=180)",
    ),
)
def resources_ex1() -> Iterator[Item]:
    """Check that the Job `crunch` trained the churn model on CRUNCH_ROWS rows, with memory request == limit.

    Examples:
        >>> check("resources_ex1")  # doctest: +SKIP
        ✔ Well done: resources_ex1 passes.
          ✔ there is a Job named crunch in lesson-resources-ex
    """
    job = read_or_none(batch().read_namespaced_job, "crunch")
    yield job is not None, f"there is a Job named crunch in {effective_namespace()}"
    if job is None:
        return
    container = job.spec.template.spec.containers[0]
    rows = rows_of(container)
    seen = f"it asks for {rows:,}" if rows else "no --rows found in its command"
    yield item(rows == CRUNCH_ROWS, f"it trains on {CRUNCH_ROWS:,} customers (--rows {CRUNCH_ROWS})", seen)
    memory = list(_memory_items(container, equal=True))
    yield from memory
    if not all(ok for ok, _ in memory):
        return
    done = list(_completed_items(job))
    yield from done
    if not done[-1][0]:
        return
    printed = _done_log("crunch")
    if printed is None:
        yield False, "the Pod that completed the Job is still there to show its logs (it is gone: run the Job again)"
        return
    trained = f"training on {CRUNCH_ROWS} customers"
    yield item(trained in printed, f"its logs say '{trained}'", "they do not: does it run python -m churn.train?")
    yield item(bool(SCORES.search(printed)), "its logs end with the model's scores (c=... accuracy=... auc=...)",
               "they do not: the training did not finish")  # fmt: skip


@checker(
    "resources_ex2",
    hints=(
        "A Pod is in the Guaranteed class when every container asks for exactly what it may use, for CPU and "
        "for memory alike; changing a Deployment's template replaces its Pods.",
        "Lesson 17, 'QoS classes': requests and limits for cpu and memory, each limit equal to its request; in a "
        "terminal, the `set resources` verb changes them on a Deployment, and `rollout status` waits for the new "
        "Pods.",
        "`kubectl set resources deployment/churn-api -n $namespace --requests=cpu=250m,memory=300Mi "
        "--limits=cpu=250m,memory=300Mi`, then `kubectl rollout status deployment/churn-api -n $namespace` "
        "and `kubectl get pods -n $namespace -o custom-columns=NAME:.metadata.name,QOS:.status.qosClass`",
    ),
)
def resources_ex2() -> Iterator[Item]:
    """Check that the Deployment `churn-api` asks for CPU and memory with limits equal to requests, and runs Guaranteed.

    Examples:
        >>> check("resources_ex2")  # doctest: +SKIP
        ✔ Well done: resources_ex2 passes.
          ✔ there is a Deployment named churn-api in lesson-resources-ex
    """
    deploy = read_or_none(apps().read_namespaced_deployment, "churn-api")
    yield deploy is not None, f"there is a Deployment named churn-api in {effective_namespace()}"
    if deploy is None:
        return
    container = deploy.spec.template.spec.containers[0]
    for resource in ("cpu", "memory"):
        request = memory_of(container.resources, "requests", resource)
        limit = memory_of(container.resources, "limits", resource)
        yield item(
            request is not None and limit is not None and quantity(request) == quantity(limit),
            f"its template asks for {resource} with a limit equal to the request",
            f"request {request or 'none'}, limit {limit or 'none'}",
        )
    done, seen = rollout(deploy)
    pods = core().list_namespaced_pod(effective_namespace(), label_selector="app=churn-api", _request_timeout=TIMEOUT)
    if not done:
        reasons = termination_reasons(pods.items)
        seen += f"; its Pods stopped with {', '.join(dict.fromkeys(reasons))}" if reasons else ""
    yield item(done, "the rollout finished: every replica runs the new template and is ready", seen)
    if not done:
        return
    running = [pod for pod in pods.items if pod.status.phase == "Running" and not pod.metadata.deletion_timestamp]
    classes = sorted({pod.status.qos_class or "unknown" for pod in running})
    yield item(bool(running) and classes == ["Guaranteed"], "its running Pods are in the QoS class Guaranteed",
               f"they are {', '.join(classes) or 'not running'}")  # fmt: skip


@checker(
    "resources_ex3",
    hints=(
        "When a program's logs say nothing, Kubernetes still records why its container stopped: in the state "
        "of the container, for every attempt.",
        "Lesson 17, 'pandas at its memory limit': `describe` the Job's Pods (State, Reason, Exit Code, Limits); "
        "a Job's Pod template cannot change, so fix the YAML, delete the Job and apply the fixed YAML.",
        "`kubectl describe pod -l job-name=scoring -n $namespace` shows OOMKilled; raise the memory limit and "
        "request in the SCORING YAML (for example to 256Mi), then `kubectl delete job scoring -n $namespace`, "
        "kds.apply(SCORING) and kds.wait('job/scoring', for_='condition=Complete', timeout=120)",
    ),
)
def resources_ex3() -> Iterator[Item]:
    """Check that the Job `scoring` completed its scoring run with more memory than it failed with.

    Until the Job is changed, the check says only that it fails: finding why is the exercise.

    Examples:
        >>> check("resources_ex3")  # doctest: +SKIP
        ✔ Well done: resources_ex3 passes.
          ✔ there is a Job named scoring in lesson-resources-ex
    """
    job = read_or_none(batch().read_namespaced_job, "scoring")
    yield job is not None, f"there is a Job named scoring in {effective_namespace()}"
    if job is None:
        return
    limit = memory_of(job.spec.template.spec.containers[0].resources, "limits")
    raised = limit is not None and quantity(limit) > quantity(SCORING_LIMIT)
    if not raised and job.status and job.status.failed and not job.status.succeeded:
        yield False, "the Job completed (it still fails as it did: find out why with kubectl)"
        return
    done = list(_completed_items(job))
    yield from done
    yield item(raised, "its memory limit is higher than the one it kept failing with", f"it is {limit or 'unset'}")
    if limit is not None:
        yield (
            quantity(limit) <= quantity(MAX_JOB_MEMORY),
            f"the limit asks for what the job needs, at most {MAX_JOB_MEMORY}, not the whole node",
        )
    if not done[-1][0]:
        return
    printed = _done_log("scoring")
    if printed is None:
        yield False, "the Pod that completed the Job is still there to show its logs (it is gone: run the Job again)"
        return
    scored = f"its logs show the day's scores ('scored 200 customers for {SCORING_DAY}: ...')"
    yield item(bool(SCORED.search(printed)), scored, "they do not: does it still run python -m churn.score?")
