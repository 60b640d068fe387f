"""Checks of the topic "resources" (lesson 17): a Job with enough memory to finish, and a Guaranteed Pod."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubernetes import client

from kdsutils.checks._kit import (
    Item,
    batch,
    checker,
    core,
    item,
    job_pods,
    pod_log,
    quantity,
    read_or_none,
)
from kdsutils.kube import effective_namespace

#: The largest memory limit resources_ex1 accepts: enough for the job, not the whole node.
MAX_JOB_MEMORY = "2Gi"
#: How many rows of sales the exercise's Job builds (its ROWS variable).
CRUNCH_ROWS = 16_000_000
#: The result the exercise's script prints once it has done the work: every customer, summarised.
SUMMARISED = "summarised 50,000 customers"
_PEAK = re.compile(r"^peak memory: (\d+) MiB", re.MULTILINE)


def memory_of(resources: client.V1ResourceRequirements | None, key: str) -> str | None:
    """Return the memory quantity of ``requests`` or ``limits``, or None when unset (pure).

    Examples:
        >>> memory_of(client.V1ResourceRequirements(limits={"memory": "1Gi"}), "limits")
        '1Gi'
        >>> memory_of(None, "requests") is None
        True
    """
    values = getattr(resources, key, None) or {}
    return values.get("memory")


def rows_of(container: client.V1Container) -> int | None:
    """Return the container's ROWS variable as a number, or None when it is unset or not a number (pure).

    Examples:
        >>> rows_of(client.V1Container(name="crunch", env=[client.V1EnvVar(name="ROWS", value="16_000_000")]))
        16000000
        >>> rows_of(client.V1Container(name="crunch")) is None
        True
    """
    for env in container.env or []:
        if env.name == "ROWS":
            try:
                return int(env.value)
            except (TypeError, ValueError):
                return None
    return None


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
            state = status.state and status.state.terminated
            if state is not None:
                reasons.append(f"{state.reason} (exit code {state.exit_code})")
    return reasons


def _result_items(printed: str) -> Iterator[Item]:
    """Say whether the logs of the Job's Pod show that it did the exercise's work."""
    built = f"building {CRUNCH_ROWS:,} rows"
    yield item(built in printed, f"its logs say '{built}'", "they do not: does it run the exercise's CRUNCH script?")
    yield item(SUMMARISED in printed, f"its logs show the result, '{SUMMARISED}'", "they do not")
    peak = _PEAK.search(printed)
    yield peak is not None, "its logs show the peak memory it used" + (f" ({peak.group(1)} MiB)" if peak else "")


@checker(
    "resources_ex1",
    hints=(
        "The Job was killed for using more memory than its limit allows: give it a limit that fits its real "
        "peak, and a request to go with it.",
        "Lesson 17, 'pandas at its memory limit': the script prints its peak memory once it finishes; a Job's "
        "Pod template cannot change, so `delete` the Job, then create it again with resources= holding "
        "requests and limits for memory (a limit of at most 2Gi).",
        "`kubectl delete job crunch -n $namespace`, then kds.apply(kds.manifests.job('crunch', "
        "kds.manifests.PYTHON_DS_IMAGE, ['python3', '-c', CRUNCH], env={'ROWS': 16_000_000}, "
        "resources={'requests': {'memory': '1Gi', 'cpu': '250m'}, 'limits': {'memory': '1Gi'}}, "
        "backoff_limit=0)) and kds.wait('job/crunch', for_='condition=Complete', timeout=180)",
    ),
)
def resources_ex1() -> Iterator[Item]:
    """Check that the Job `crunch` ran the exercise's script to the end, with a sensible memory request and limit.

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
    seen = f"its ROWS variable is {rows or 'not set'}"
    yield item(rows == CRUNCH_ROWS, f"it builds the exercise's {CRUNCH_ROWS:,} rows", seen)
    limit, request = memory_of(container.resources, "limits"), memory_of(container.resources, "requests")
    yield limit is not None, f"its container has a memory limit ({limit or 'none yet'})"
    yield request is not None, f"its container has a memory request ({request or 'none yet'})"
    if limit is None:
        return
    yield (
        quantity(limit) <= quantity(MAX_JOB_MEMORY),
        f"the limit asks for what the job needs, at most {MAX_JOB_MEMORY}, not the whole node",
    )
    if not job.status.succeeded:
        reasons = termination_reasons(job_pods("crunch"))
        if job.status.failed:
            yield False, f"the Job completed: it failed, its Pod stopped with {', '.join(reasons) or 'an error'}"
        else:
            wait = "kds.wait('job/crunch', for_='condition=Complete')"
            yield False, f"the Job completed: it is still running; wait for it with {wait}"
        return
    yield True, "the Job completed"
    done = [pod for pod in job_pods("crunch") if pod.status.phase == "Succeeded"]
    if not done:
        yield False, "the Pod that completed the Job is still there to show its logs (it is gone: run the Job again)"
        return
    yield from _result_items(pod_log(done[0].metadata.name))


@checker(
    "resources_ex2",
    hints=(
        "The Guaranteed class is for Pods whose every container asks for exactly what it may use, for both "
        "CPU and memory.",
        "Lesson 17, 'QoS classes: who goes first when memory runs out': requests and limits for cpu and "
        "memory, each limit equal to its request; the class is fixed when the Pod is created (status.qosClass "
        "shows it), so `delete` and create the Pod again after a change.",
        "kds.apply(kds.manifests.pod('reserved', kds.manifests.BUSYBOX_IMAGE, ['sleep', '3600'], "
        "resources={'requests': {'cpu': '100m', 'memory': '32Mi'}, 'limits': {'cpu': '100m', 'memory': '32Mi'}})), "
        "then `kubectl get pod reserved -o jsonpath='{.status.qosClass}' -n $namespace`",
    ),
)
def resources_ex2() -> Iterator[Item]:
    """Check that the Pod `reserved` is running in the Guaranteed QoS class.

    Examples:
        >>> check("resources_ex2")  # doctest: +SKIP
        ✔ Well done: resources_ex2 passes.
          ✔ its QoS class is Guaranteed
    """
    pod = read_or_none(core().read_namespaced_pod, "reserved")
    yield pod is not None, f"there is a Pod named reserved in {effective_namespace()}"
    if pod is None:
        return
    qos, phase = pod.status.qos_class, pod.status.phase
    yield qos == "Guaranteed", "its QoS class is Guaranteed" + ("" if qos == "Guaranteed" else f" (it is {qos})")
    yield phase == "Running", "it is Running" + ("" if phase == "Running" else f" (it is {phase})")
