"""Checks of the topic "storage" (lesson 19): a bound claim, and a model written by one Pod and loaded by another."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from kubernetes import client

from kdsutils.checks._kit import (
    Item,
    checker,
    command_text,
    core,
    finished,
    item,
    pod_log,
    read_or_none,
    same_quantity,
)
from kdsutils.kube import effective_namespace

#: What the reader Pod of storage_ex2 prints once it has loaded the model, such as "loaded LogisticRegression".
LOADED = re.compile(r"^loaded \w+", re.MULTILINE)


def mount_path(pod: client.V1Pod, claim: str) -> str | None:
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


def files_under(text: str, directory: str) -> set[str]:
    """Return the paths of the files under `directory` that `text` names, relative to it (pure).

    Examples:
        >>> files_under("joblib.dump(model, '/artifacts/model.joblib')", "/artifacts")
        {'model.joblib'}
        >>> files_under("joblib.load('/tmp/model.joblib')", "/artifacts")
        set()
    """
    return set(re.findall(rf"{re.escape(directory.rstrip('/'))}/([\w.-]+(?:/[\w.-]+)*)", text))


def _stopped(pod: client.V1Pod) -> tuple[datetime | None, datetime | None]:
    """Return when the Pod's first container started and finished its run, as far as the Pod records it."""
    statuses = pod.status.container_statuses or []
    state = statuses[0].state.terminated if statuses and statuses[0].state else None
    return (state.started_at, state.finished_at) if state else (None, None)


def _claim_items(name: str, size: str | None = None) -> Iterator[Item]:
    claim = read_or_none(core().read_namespaced_persistent_volume_claim, name)
    yield claim is not None, f"there is a PersistentVolumeClaim named {name} in {effective_namespace()}"
    if claim is None:
        return
    if size is not None:
        asked = ((claim.spec.resources and claim.spec.resources.requests) or {}).get("storage")
        same = same_quantity(asked, size)
        yield same, f"it asks for {size} of storage" + ("" if same else f" (it asks for {asked})")
    phase = claim.status.phase if claim.status else None
    if phase == "Bound":
        yield True, f"it is Bound (to {claim.spec.volume_name})"
    else:
        yield False, f"it is Bound (it is {phase}: with WaitForFirstConsumer, a claim binds once a Pod uses it)"


def _sequence_item(writer: client.V1Pod, reader: client.V1Pod) -> Item:
    _, written = _stopped(writer)
    reading, _ = _stopped(reader)
    text = "reader started after writer had finished, so it could only find the model on the claim"
    if written is None or reading is None:
        return False, f"{text} (the Pods do not record when they ran)"
    seen = f"reader started at {reading:%H:%M:%S}, writer finished at {written:%H:%M:%S}"
    return item(reading >= written, text, seen)


@checker(
    "storage_ex1",
    hints=(
        "Some StorageClasses bind a claim only once a Pod uses it: the claim waits for its first consumer.",
        "Lesson 19, 'Claims, volumes and classes': the volumeBindingMode of the default StorageClass; a claim "
        "of 500Mi binds when a Pod mounts it (volumes={'/data': 'pvc/datasets'} in the Pod builder).",
        "kds.apply(kds.manifests.pvc('datasets', '500Mi')), then kds.apply(kds.manifests.pod('uses-datasets', "
        "kds.manifests.BUSYBOX_IMAGE, ['ls', '/data'], volumes={'/data': 'pvc/datasets'}, restart_policy='Never')); "
        "`kubectl get pvc datasets -n $namespace` shows when it is Bound",
    ),
)
def storage_ex1() -> Iterator[Item]:
    """Check that the claim `datasets` asks for 500Mi and is Bound.

    Examples:
        >>> check("storage_ex1")  # doctest: +SKIP
        ✔ Well done: storage_ex1 passes.
          ✔ there is a PersistentVolumeClaim named datasets in lesson-storage-ex
    """
    yield from _claim_items("datasets", size="500Mi")


@checker(
    "storage_ex2",
    hints=(
        "A file written on a claim outlives the Pod that wrote it: a second Pod that mounts the same claim "
        "finds it there.",
        "Lesson 19, 'Train a model onto the claim' and 'Load it in another Pod': both Pods mount the claim "
        "artifacts; the writer saves with joblib.dump under the mount path, and once it has finished the "
        "reader loads the same file from there.",
        "kds.apply(kds.manifests.pvc('artifacts', '200Mi')); then for writer, and after it for reader: "
        "kds.apply(kds.manifests.pod(name, kds.manifests.PYTHON_DS_IMAGE, ['python3', '-c', script], "
        "volumes={'/artifacts': 'pvc/artifacts'}, restart_policy='Never')) and "
        "kds.wait(f'pod/{name}', for_='jsonpath={.status.phase}=Succeeded', timeout=120); the writer's script runs "
        "joblib.dump(model, '/artifacts/model.joblib'), the reader's model = joblib.load('/artifacts/model.joblib') "
        "and print('loaded', type(model).__name__)",
    ),
)
def storage_ex2() -> Iterator[Item]:
    """Check that `writer` saved a model on the claim `artifacts` and `reader`, started later, loaded it from there.

    Examples:
        >>> check("storage_ex2")  # doctest: +SKIP
        ✔ Well done: storage_ex2 passes.
          ✔ there is a PersistentVolumeClaim named artifacts in lesson-storage-ex
    """
    claim = list(_claim_items("artifacts"))
    yield from claim
    if not all(ok for ok, _ in claim):
        return
    pods: dict[str, tuple[client.V1Pod, str]] = {}
    for name in ("writer", "reader"):
        pod = read_or_none(core().read_namespaced_pod, name)
        yield pod is not None, f"there is a Pod named {name}"
        if pod is None:
            return
        path = mount_path(pod, "artifacts")
        yield path is not None, f"{name} mounts the claim artifacts" + (f" (at {path})" if path else "")
        ran = finished(pod)
        yield ran
        if path is None or not ran[0]:
            return
        pods[name] = (pod, path)
    (writer, saved_at), (reader, loaded_at) = pods["writer"], pods["reader"]
    writes, reads = command_text(writer), command_text(reader)
    yield item(saved_at in writes, f"writer saves under {saved_at}, on the claim", "its command never names it")
    yield item(loaded_at in reads, f"reader loads from {loaded_at}, on the claim", "its command never names it")
    saved, loaded = files_under(writes, saved_at), files_under(reads, loaded_at)
    if saved and loaded:
        yield item(
            bool(saved & loaded),
            "reader loads the file writer saved",
            f"writer saves {', '.join(sorted(saved))}, reader loads {', '.join(sorted(loaded))}",
        )
    yield _sequence_item(writer, reader)
    yield bool(LOADED.search(pod_log("reader"))), "reader printed 'loaded <the model's class name>'"
