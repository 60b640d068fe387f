"""Checks for lesson 17, resources: a Job with enough memory to finish, and a Guaranteed Pod."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from kubernetes import client
from kubernetes.utils import parse_quantity

from kdsutils.checks import checker, read_or_none
from kdsutils.kube import api_client, effective_namespace

#: The largest memory limit resources_ex1 accepts: enough for the job, not the whole node.
MAX_JOB_MEMORY = "2Gi"


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


@checker(
    "resources_ex1",
    hint="read the peak memory the script prints, or start generous and come down; a Job's Pod "
    "template cannot be changed, so delete the Job (`kubectl delete job crunch`) and apply it again "
    "with resources={'requests': {'memory': ...}, 'limits': {'memory': ...}}",
)
def resources_ex1() -> Iterator[tuple[bool, str]]:
    """Check that the Job `crunch` has a sensible memory request and limit, and completed."""
    ns = effective_namespace()
    job = read_or_none(client.BatchV1Api(api_client()).read_namespaced_job, "crunch", ns)
    yield job is not None, f"there is a Job named crunch in {ns}"
    if job is None:
        return
    resources = job.spec.template.spec.containers[0].resources
    limit, request = memory_of(resources, "limits"), memory_of(resources, "requests")
    yield limit is not None, f"its container has a memory limit ({limit or 'none yet'})"
    yield request is not None, f"its container has a memory request ({request or 'none yet'})"
    if limit is None:
        return
    yield (
        Decimal(parse_quantity(limit)) <= Decimal(parse_quantity(MAX_JOB_MEMORY)),
        f"the limit asks for what the job needs, at most {MAX_JOB_MEMORY}, not the whole node",
    )
    if (job.status.succeeded or 0) >= 1:
        yield True, "the Job completed"
        return
    pods = client.CoreV1Api(api_client()).list_namespaced_pod(
        ns, label_selector="job-name=crunch", _request_timeout=15
    ).items
    reasons = termination_reasons(pods)
    if job.status.failed:
        yield False, f"the Job completed: it failed, its Pod stopped with {', '.join(reasons) or 'an error'}"
    else:
        yield False, "the Job completed: it is still running; wait with kds.wait('job', 'crunch', for_='complete')"


@checker(
    "resources_ex2",
    hint="Guaranteed needs, for every container, CPU and memory limits equal to the requests; "
    "the QoS class is set when the Pod is created, so delete and create the Pod again after a change",
)
def resources_ex2() -> Iterator[tuple[bool, str]]:
    """Check that the Pod `reserved` is running in the Guaranteed QoS class."""
    ns = effective_namespace()
    pod = read_or_none(client.CoreV1Api(api_client()).read_namespaced_pod, "reserved", ns)
    yield pod is not None, f"there is a Pod named reserved in {ns}"
    if pod is None:
        return
    qos, phase = pod.status.qos_class, pod.status.phase
    yield qos == "Guaranteed", "its QoS class is Guaranteed" + ("" if qos == "Guaranteed" else f" (it is {qos})")
    yield phase == "Running", "it is Running" + ("" if phase == "Running" else f" (it is {phase})")
