"""Checks of the topic "imagepull" (lab 31): Pods that waited for an image, running on one the cluster has.

The churn API on the right tag (``imagepull_ex1``), on the image the cluster already holds
without downloading it again (``imagepull_ex2``), and Sam's training Job on an image the node
has (``imagepull_ex3``).
"""

from __future__ import annotations

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
    read_or_none,
    rollout,
)
from kdsutils.checks.resources import SCORES
from kdsutils.kube import effective_namespace
from kdsutils.labs.imagepull import SAMS_IMAGE, TRAIN, TYPO_IMAGE
from kdsutils.manifests import PYTHON_DS_IMAGE

#: The Deployment of the churn API in imagepull_ex1 and imagepull_ex2.
API = "churn-api"
#: What a container waiting for its image says.
PULL_REASONS = frozenset({"ErrImagePull", "ImagePullBackOff", "ErrImageNeverPull", "InvalidImageName"})


def waiting_reasons(pods: list[client.V1Pod]) -> list[str]:
    """Why the containers of `pods` (those not being deleted) wait to start, such as ``"ImagePullBackOff"`` (pure).

    Examples:
        >>> waiting = client.V1ContainerStateWaiting(reason="ErrImageNeverPull")
        >>> status = client.V1ContainerStatus(name="train", image="x", image_id="", ready=False, restart_count=0,
        ...                                   state=client.V1ContainerState(waiting=waiting))
        >>> waiting_reasons([client.V1Pod(metadata=client.V1ObjectMeta(name="train-x"),
        ...                               status=client.V1PodStatus(container_statuses=[status]))])
        ['ErrImageNeverPull']
    """
    reasons = []
    for pod in pods:
        if pod.metadata.deletion_timestamp is not None:
            continue
        for status in (pod.status and pod.status.container_statuses) or []:
            waiting = status.state and status.state.waiting
            if waiting is not None and waiting.reason:
                reasons.append(waiting.reason)
    return reasons


def rollout_items(deploy: client.V1Deployment, stuck: frozenset[str]) -> Iterator[Item]:
    """Say whether the Deployment's rollout finished and whether any of its Pods still waits with a `stuck` reason.

    Args:
        deploy: The Deployment, as the API returns it.
        stuck: The waiting reasons that mean the failure of the lab (``ImagePullBackOff``...).
    """
    done, seen = rollout(deploy)
    yield item(done, "the rollout finished: every replica runs the new template and is ready", seen)
    name = deploy.metadata.name
    pods = core().list_namespaced_pod(effective_namespace(), label_selector=f"app={name}", _request_timeout=TIMEOUT)
    waiting = [reason for reason in waiting_reasons(pods.items) if reason in stuck]
    yield item(not waiting, f"no Pod of {name} is stuck waiting to start",
               f"{len(waiting)} still waiting{': ' + ', '.join(sorted(set(waiting)))}")  # fmt: skip


#: What a check says while the lab's object is exactly as the colleague left it: finding why is the lab.
AS_BEFORE = "it still cannot start, as before: find out why with kubectl"


def _api_items(*, policy: bool) -> Iterator[Item]:
    """The items of the churn API on the course image; with `policy`, also a pull policy other than Always.

    While the Deployment is still as the lab left it (the typo, or Always), one item says so, and no more.
    """
    deploy = read_or_none(apps().read_namespaced_deployment, API)
    yield deploy is not None, f"there is a Deployment named {API} in {effective_namespace()}"
    if deploy is None:
        return
    container = deploy.spec.template.spec.containers[0]
    image = container.image or ""
    broken = container.image_pull_policy == "Always" and image == PYTHON_DS_IMAGE
    untouched = broken if policy else image == TYPO_IMAGE
    if untouched and not (deploy.status.ready_replicas or 0):
        yield False, f"the churn API runs, with a ready Pod ({AS_BEFORE})"
        return
    seen = "it still is" if image == PYTHON_DS_IMAGE else f"it is {image}"
    yield item(image == PYTHON_DS_IMAGE, f"its container runs the course image {PYTHON_DS_IMAGE}", seen)
    if policy:
        pull = container.image_pull_policy or "IfNotPresent"
        yield item(pull != "Always", "it uses the copy of the image the cluster has (imagePullPolicy is not Always)",
                   f"it is {pull}: the kubelet downloads the image on every start")  # fmt: skip
    yield from rollout_items(deploy, PULL_REASONS)


@checker(
    "imagepull_ex1",
    hints=(
        "A Pod that waits for its image never ran a line of your code, so its logs are empty: the reason is in "
        "the Pod's status and its events. Read the image name there, letter by letter.",
        "Lesson 31, 'How we found it': `kubectl describe pod` (State: Waiting, Reason, and the Events at the end), "
        "then the image names the cluster has; `kubectl set image` changes a Deployment's image.",
        f"`kubectl set image deployment/churn-api churn-api={PYTHON_DS_IMAGE} -n $namespace`, then "
        "`kubectl rollout status deployment/churn-api -n $namespace`",
    ),
)
def imagepull_ex1() -> Iterator[Item]:
    """Check that churn-api runs the course image with the right tag, rolled out, with a ready Pod.

    Examples:
        >>> check("imagepull_ex1")  # doctest: +SKIP
        ✔ Well done: imagepull_ex1 passes.
          ✔ there is a Deployment named churn-api in lesson-imagepull
    """
    yield from _api_items(policy=False)


@checker(
    "imagepull_ex2",
    hints=(
        "The image name is right and the cluster has that image, yet the kubelet goes to fetch it: something "
        "in the container tells it to download the image every time.",
        "Lesson 31, 'What you learned': the field imagePullPolicy (`kubectl get deployment churn-api -o yaml`); "
        "`kubectl patch` changes one field of a Deployment's template.",
        "`kubectl patch deployment/churn-api -n $namespace -p "
        '\'{"spec":{"template":{"spec":{"containers":[{"name":"churn-api","imagePullPolicy":"IfNotPresent"}]}}}}\'`'
        ", then `kubectl rollout status deployment/churn-api -n $namespace`",
    ),
)
def imagepull_ex2() -> Iterator[Item]:
    """Check that churn-api runs the course image without downloading it again, rolled out, with a ready Pod.

    Examples:
        >>> check("imagepull_ex2")  # doctest: +SKIP
        ✔ Well done: imagepull_ex2 passes.
          ✔ there is a Deployment named churn-api in lesson-imagepull-ex
    """
    yield from _api_items(policy=True)


@checker(
    "imagepull_ex3",
    hints=(
        "A pull policy of Never means the image must already be in the cluster. Sam built his image on his "
        "laptop: is it in the cluster? And does the Job need anything his image has and the course image lacks?",
        "Lesson 31, 'What you learned': `kubectl describe pod -l job-name=train` (ErrImageNeverPull); the images "
        "the node has are in `kubectl get nodes -o yaml` (status.images). A Job's Pod template cannot change: "
        "delete the Job and create it again.",
        f"`kubectl delete job train -n $namespace`, then `kubectl create job train --image={PYTHON_DS_IMAGE} "
        "-n $namespace -- python -m churn.train` and `kubectl wait job/train --for=condition=Complete "
        "-n $namespace --timeout=120s`",
    ),
)
def imagepull_ex3() -> Iterator[Item]:
    """Check that the training Job `train` ran to the end on an image the cluster has, and printed its scores.

    Examples:
        >>> check("imagepull_ex3")  # doctest: +SKIP
        ✔ Well done: imagepull_ex3 passes.
          ✔ there is a Job named train in lesson-imagepull-ex
    """
    job = read_or_none(batch().read_namespaced_job, TRAIN)
    yield job is not None, f"there is a Job named {TRAIN} in {effective_namespace()}"
    if job is None:
        return
    pods = job_pods(TRAIN)
    if not (job.status and job.status.succeeded):
        waiting = [reason for reason in waiting_reasons(pods) if reason in PULL_REASONS]
        image = job.spec.template.spec.containers[0].image
        if image == SAMS_IMAGE and waiting:
            seen = AS_BEFORE
        else:
            seen = f"its Pod waits to start: {waiting[0]}" if waiting else "it is still running: wait for it"
        yield False, f"the Job completed ({seen})"
        return
    yield True, "the Job completed"
    done = [pod for pod in pods if pod.status.phase == "Succeeded"]
    if not done:
        yield False, "the Pod that completed the Job is still there to show its logs (it is gone: run the Job again)"
        return
    printed = pod_log(done[0].metadata.name)
    yield item(bool(SCORES.search(printed)), "its logs end with the model's scores (c=... accuracy=... auc=...)",
               "they do not: does it still run python -m churn.train?")  # fmt: skip
