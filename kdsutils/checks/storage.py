"""Checks of the topic "storage" (lesson 19): the churn model written on a claim by one Pod and read by another."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from kubernetes import client

from kdsutils.checks._kit import (
    TIMEOUT,
    Item,
    apps,
    checker,
    command_text,
    core,
    finished,
    item,
    latest_run,
    pod_log,
    read_or_none,
)
from kdsutils.kube import effective_namespace

#: The regularization strength storage_ex1 asks the writer to train with.
WRITER_C = "0.3"
#: What churn.train prints after saving, and the scores it prints last.
SAVED = re.compile(r"^saved the model to (\S+)$", re.MULTILINE)
SCORES = re.compile(r"^c=(\S+) accuracy=\S+ auc=(\d\.\d+)$", re.MULTILINE)
#: The claim of storage_ex3 as the colleague brought it, and the StorageClass it names, which does not exist.
BROKEN_CLAIM = "models-v2"
MISSING_CLASS = "fast-ssd"
#: What churn.serve prints once it has read a model file.
LOADED_FROM = re.compile(r"^loaded the model from (\S+)$", re.MULTILINE)
TRAINED_AT_START = "at start (c="
#: The file the training Job of storage_ex2 leaves on the claim `models`.
MODEL_FILE = "churn.joblib"
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def mount_path(pod: client.V1Pod | client.V1PodTemplateSpec, claim: str) -> str | None:
    """Return where a Pod's containers mount the PersistentVolumeClaim `claim`, or None (pure).

    Examples:
        >>> volume = client.V1Volume(
        ...     name="data", persistent_volume_claim=client.V1PersistentVolumeClaimVolumeSource(claim_name="models"))
        >>> mount = client.V1VolumeMount(name="data", mount_path="/m/")
        >>> container = client.V1Container(name="c", volume_mounts=[mount])
        >>> mount_path(client.V1Pod(spec=client.V1PodSpec(containers=[container], volumes=[volume])), "models")
        '/m'
    """
    volumes = {
        volume.name
        for volume in pod.spec.volumes or []
        if volume.persistent_volume_claim is not None and volume.persistent_volume_claim.claim_name == claim
    }
    for container in pod.spec.containers:
        for mount in container.volume_mounts or []:
            if mount.name in volumes:
                return mount.mount_path.rstrip("/") or "/"
    return None


def claims_of(pod: client.V1Pod | client.V1PodTemplateSpec) -> list[str]:
    """Return the names of the PersistentVolumeClaims a Pod (or a Pod template) mounts (pure).

    Examples:
        >>> volume = client.V1Volume(
        ...     name="data", persistent_volume_claim=client.V1PersistentVolumeClaimVolumeSource(claim_name="models"))
        >>> claims_of(client.V1Pod(spec=client.V1PodSpec(containers=[], volumes=[volume])))
        ['models']
    """
    return [v.persistent_volume_claim.claim_name for v in pod.spec.volumes or [] if v.persistent_volume_claim]


def launch_text(pod: client.V1Pod | client.V1PodTemplateSpec) -> str:
    """Return the commands, arguments and plain environment values of a Pod's containers, to search in (pure).

    Examples:
        >>> env = [client.V1EnvVar(name="MODEL_PATH", value="/models/churn.joblib")]
        >>> container = client.V1Container(name="c", command=["python", "-m", "churn.serve"], env=env)
        >>> launch_text(client.V1Pod(spec=client.V1PodSpec(containers=[container])))
        'python -m churn.serve /models/churn.joblib'
    """
    values = [env.value for c in pod.spec.containers for env in c.env or [] if env.value]
    return " ".join([command_text(pod), *values])


def numbers_in(text: str) -> set[float]:
    """Return every number written in `text` (pure).

    Examples:
        >>> sorted(numbers_in("{'c': 0.3, 'rows': 5000, 'auc': 0.78}"))
        [0.3, 0.78, 5000.0]
    """
    return {float(found) for found in _NUMBER.findall(text)}


def _started_and_finished(pod: client.V1Pod) -> tuple[datetime | None, datetime | None]:
    """Return when the Pod's first container started and finished its run, as far as the Pod records it."""
    statuses = pod.status.container_statuses or []
    state = statuses[0].state.terminated if statuses and statuses[0].state else None
    return (state.started_at, state.finished_at) if state else (None, None)


def _claim_items(name: str) -> Iterator[Item]:
    claim = read_or_none(core().read_namespaced_persistent_volume_claim, name)
    yield claim is not None, f"there is a PersistentVolumeClaim named {name} in {effective_namespace()}"
    if claim is None:
        return
    phase = claim.status.phase if claim.status else None
    if phase == "Bound":
        yield True, f"the claim {name} is Bound (to {claim.spec.volume_name})"
        return
    wanted = claim.spec.storage_class_name
    why = f"storageClassName {wanted}" if wanted else "with WaitForFirstConsumer, a claim binds once a Pod uses it"
    yield False, f"the claim {name} is Bound (it is {phase}: {why}; `kubectl describe pvc {name}` says why it waits)"


def _run_items(name: str, claim: str, runs: dict[str, tuple[client.V1Pod, str]]) -> Iterator[Item]:
    """Say whether a Pod (or Job) `name` mounts `claim` and ran to completion; if so, put it and the path in `runs`."""
    pod = latest_run(name)
    yield pod is not None, f"there is a Pod (or a Job) named {name}"
    if pod is None:
        return
    path = mount_path(pod, claim)
    yield path is not None, f"{name} mounts the claim {claim}" + (f" (at {path})" if path else "")
    ran = finished(pod)
    yield ran
    if path is not None and ran[0]:
        runs[name] = (pod, path)


def _sequence_item(writer: client.V1Pod, reader: client.V1Pod) -> Item:
    _, written = _started_and_finished(writer)
    reading, _ = _started_and_finished(reader)
    text = "reader started after writer had finished, so it could only find the model on the claim"
    if written is None or reading is None:
        return False, f"{text} (the Pods do not record when they ran)"
    seen = f"reader started at {reading:%H:%M:%S}, writer finished at {written:%H:%M:%S}"
    return item(reading >= written, text, seen)


@checker(
    "storage_ex1",
    hints=(
        "A file written on a claim outlives the Pod that wrote it: a second Pod that mounts the same claim, "
        "started once the first has finished, finds it there.",
        "Lesson 19, 'Train onto the claim' and 'Serve the model from the claim': both mount the claim artifacts; "
        "the writer runs churn.train with --c and --out under the mount path, and once it has finished the reader "
        "loads that file with churn.model.load, which returns the model and a dict of its facts, and prints them.",
        "kds.apply(kds.manifests.pvc('artifacts', '200Mi')); kds.apply(kds.manifests.job('writer', "
        "kds.manifests.PYTHON_DS_IMAGE, ['python', '-m', 'churn.train', '--c', '0.3', '--out', "
        "'/artifacts/churn.joblib'], volumes={'/artifacts': 'pvc/artifacts'})); "
        "kds.wait('job/writer', for_='condition=Complete'); then the same for a Job 'reader' running ['python', "
        "'-c', READ] with READ = \"from churn.model import load; model, facts = load('/artifacts/churn.joblib'); "
        "print('loaded', facts)\"",
    ),
)
def storage_ex1() -> Iterator[Item]:
    """Check that `writer` saved a churn model on the claim `artifacts` and `reader`, started later, loaded it.

    Examples:
        >>> check("storage_ex1")  # doctest: +SKIP
        ✔ Well done: storage_ex1 passes.
          ✔ there is a PersistentVolumeClaim named artifacts in lesson-storage-ex
    """
    claim = list(_claim_items("artifacts"))
    yield from claim
    if not all(ok for ok, _ in claim):
        return
    runs: dict[str, tuple[client.V1Pod, str]] = {}
    for name in ("writer", "reader"):
        yield from _run_items(name, "artifacts", runs)
        if name not in runs:
            return
    (writer, saved_under), (reader, loaded_under) = runs["writer"], runs["reader"]
    wrote = pod_log(writer.metadata.name)
    saved = SAVED.search(wrote)
    on_claim = saved is not None and saved.group(1).startswith(f"{saved_under}/")
    seen = f"it saved to {saved.group(1)}" if saved else "its logs say no 'saved the model to ...'"
    yield item(on_claim, f"writer saved the model under {saved_under}, on the claim", seen)
    scores = SCORES.search(wrote)
    c_ok = scores is not None and float(scores.group(1)) == float(WRITER_C)
    seen = f"it printed c={scores.group(1)}" if scores else "its logs show no scores"
    yield item(c_ok, f"writer trained with --c {WRITER_C}", seen)
    if not (on_claim and c_ok):
        return
    assert saved is not None and scores is not None
    relative = saved.group(1).removeprefix(f"{saved_under}/")
    wanted = f"{loaded_under}/{relative}"
    yield item(wanted in launch_text(reader), f"reader loads {wanted}, the file writer saved",
               "its command and environment never name it")  # fmt: skip
    yield _sequence_item(writer, reader)
    auc = float(scores.group(2))
    found = numbers_in(pod_log(reader.metadata.name))
    yield item(
        auc in found and float(WRITER_C) in found,
        f"reader printed the loaded model's facts (c {WRITER_C}, auc {scores.group(2)}, as writer reported)",
        "its logs do not show them: print what churn.model.load returns",
    )


@checker(
    "storage_ex2",
    hints=(
        "The model is already on the claim: the server needs the claim in its Pod's volumes, a mount in its "
        "container, and the path of the file in its command.",
        "Lesson 19, 'Serve the model from the claim' and its YAML: in a terminal, `create deployment` with "
        "--dry-run=client -o yaml writes a start; add a persistentVolumeClaim volume and a volumeMount, then "
        "`apply -f` the file and wait with `rollout status`.",
        "`kubectl create deployment churn-api --image=$PYTHON_DS_IMAGE --port=8000 --dry-run=client -o yaml "
        "-n $namespace -- python -m churn.serve --model /models/churn.joblib > churn-api.yaml`; add under the "
        "container `volumeMounts: [{name: models, mountPath: /models}]` and under the Pod spec "
        "`volumes: [{name: models, persistentVolumeClaim: {claimName: models}}]`; then "
        "`kubectl apply -f churn-api.yaml -n $namespace` and "
        "`kubectl rollout status deployment/churn-api -n $namespace`",
    ),
)
def storage_ex2() -> Iterator[Item]:
    """Check that the Deployment `churn-api` serves the model file the training left on the claim `models`.

    Examples:
        >>> check("storage_ex2")  # doctest: +SKIP
        ✔ Well done: storage_ex2 passes.
          ✔ there is a Deployment named churn-api in lesson-storage-ex
    """
    deploy = read_or_none(apps().read_namespaced_deployment, "churn-api")
    yield deploy is not None, f"there is a Deployment named churn-api in {effective_namespace()}"
    if deploy is None:
        return
    path = mount_path(deploy.spec.template, "models")
    yield path is not None, "its Pods mount the claim models" + (f" (at {path})" if path else "")
    if path is None:
        return
    wanted = f"{path}/{MODEL_FILE}"
    yield item(wanted in launch_text(deploy.spec.template), f"the server is given the model file {wanted}",
               "its command and environment never name it: churn.serve --model PATH")  # fmt: skip
    pods = core().list_namespaced_pod(effective_namespace(), label_selector="app=churn-api", _request_timeout=TIMEOUT)
    ready = [
        pod
        for pod in pods.items
        if not pod.metadata.deletion_timestamp
        and mount_path(pod, "models") == path
        and any(status.ready for status in pod.status.container_statuses or [])
    ]
    yield item(bool(ready), "a Pod of the new template is ready", f"{deploy.status.ready_replicas or 0} ready")
    if not ready:
        return
    printed = pod_log(ready[0].metadata.name)
    loaded = LOADED_FROM.search(printed)
    if loaded is not None:
        seen = f"it loaded {loaded.group(1)}"
    elif TRAINED_AT_START in printed:
        seen = "it trained a model of its own at start instead"
    else:
        seen = "they say nothing yet: it is still starting, run the check again in a moment"
    yield item(loaded is not None and loaded.group(1) == wanted, f"its logs say 'loaded the model from {wanted}'", seen)


@checker(
    "storage_ex3",
    hints=(
        "A Pending Pod waits for something the scheduler cannot find: the Pod's status names it, and the "
        "object it points to says more in its own events.",
        "Lesson 19, 'Claims, volumes and classes': `describe` the Pod, then the claim it mounts (its events say "
        "why it waits), and `get storageclass`; a claim's class cannot be changed, so delete the claim and apply "
        "it again with a class that exists (or none, for the default).",
        "`kubectl describe pvc models-v2 -n $namespace` says storageclass fast-ssd not found; change "
        "storageClassName in the CLAIM YAML to standard, then `kubectl delete pvc models-v2 -n $namespace`, "
        "kds.apply(CLAIM) and kds.wait('pod/churn-api-v2', for_='condition=Ready', timeout=180)",
    ),
)
def storage_ex3() -> Iterator[Item]:
    """Check that the Pod `churn-api-v2` is running and ready, and that the claims it mounts are Bound.

    While the claim still names the missing class, the check says only that the Pod does not run: finding
    why is the exercise.

    Examples:
        >>> check("storage_ex3")  # doctest: +SKIP
        ✔ Well done: storage_ex3 passes.
          ✔ there is a Pod named churn-api-v2 in lesson-storage-ex
    """
    pod = read_or_none(core().read_namespaced_pod, "churn-api-v2")
    yield pod is not None, f"there is a Pod named churn-api-v2 in {effective_namespace()}"
    if pod is None:
        return
    phase = pod.status.phase if pod.status else None
    ready = phase == "Running" and any(status.ready for status in (pod.status.container_statuses or []))
    as_brought = read_or_none(core().read_namespaced_persistent_volume_claim, BROKEN_CLAIM)
    if not ready and as_brought is not None and as_brought.spec.storage_class_name == MISSING_CLASS:
        yield False, f"churn-api-v2 is Running and ready (it is {phase}: find out why with kubectl)"
        return
    claims = claims_of(pod)
    yield bool(claims), "it mounts a claim, for the model" + (f" ({', '.join(claims)})" if claims else "")
    for name in claims:
        yield from _claim_items(name)
    seen = f"it is {phase}" + (", not ready yet" if phase == "Running" else "")
    yield item(ready, "churn-api-v2 is Running and ready", seen)
