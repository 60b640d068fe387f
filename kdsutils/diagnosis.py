"""Why is this not working? A plain-language answer for a Pod, Deployment, Job, Service or Helm release.

Two halves, kept apart so the rules are unit-tested on recorded objects:

- `fetch` reads what kubectl would show (the object, its pods, the namespace's events, the
  last log lines of crashed containers, endpoint slices, claims) into a `Snapshot`;
- `explain` turns a `Snapshot` into a `Diagnosis`: pure functions, one per rule.

`diagnose(kind, name, namespace=...)` does both.
"""

from __future__ import annotations

import base64
import difflib
import gzip
import html
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

from kdsutils._run import run
from kdsutils.errors import CommandError, KdsError
from kdsutils.images import REGISTRY, course_images, reference
from kdsutils.kube import effective_namespace
from kdsutils.resources import echo, object_ref

COURSE_REGISTRY = f"{REGISTRY}/"
PULL_REASONS = {"ErrImagePull", "ImagePullBackOff", "InvalidImageName", "ErrImageNeverPull"}
LOG_LINES = 10
KINDS = {
    "pod": "pod",
    "pods": "pod",
    "po": "pod",
    "deployment": "deployment",
    "deployments": "deployment",
    "deploy": "deployment",
    "job": "job",
    "jobs": "job",
    "service": "service",
    "services": "service",
    "svc": "service",
    "release": "release",
    "helm": "release",
    "helmrelease": "release",
}
TITLES = {
    "pod": "Pod",
    "deployment": "Deployment",
    "job": "Job",
    "service": "Service",
    "release": "Helm release",
}
EXIT_CODES = {
    0: "the program finished without error, but a Pod that keeps running restarts it: one-off work belongs in a Job",
    1: "the program stopped with an error; for Python, an uncaught exception",
    2: "the command was used wrongly (bad arguments)",
    126: "the command exists but cannot be executed (permissions, or not a program)",
    127: "a shell could not find a command (a typo in `sh -c ...`, or a program missing from the image)",
    128: "the container could not start: its command is not in the image (a typo in `command`?)",
    137: "the container was killed (SIGKILL): out of memory, or it ignored a stop request",
    139: "the program crashed (segmentation fault)",
    143: "the container was asked to stop (SIGTERM)",
}


@dataclass(frozen=True)
class Finding:
    """One problem, what shows it, and what to do.

    Attributes:
        problem: The problem in one line, e.g. "image kds.invalid/pyton:1 cannot be pulled".
        evidence: What was seen: status fields, event messages, log lines.
        fix: What to change, with the command where there is one.
    """

    problem: str
    evidence: str
    fix: str


@dataclass
class Diagnosis:
    """The answer: is it working, and if not, why.

    Attributes:
        ok: True when no problem was found.
        summary: One sentence.
        findings: The problems, most important first.
    """

    ok: bool
    summary: str
    findings: list[Finding] = field(default_factory=list)

    def __str__(self) -> str:
        lines = [self.summary]
        for number, finding in enumerate(self.findings, 1):
            lines.append("")
            lines.append(f"{number}. {finding.problem}")
            lines.extend(f"   | {line}" for line in finding.evidence.splitlines())
            lines.append(f"   Fix: {finding.fix}")
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.ok else "#b42318"
        parts = [
            f'<div class="kds-diagnosis"><p style="color:{colour}"><strong>{html.escape(self.summary)}</strong></p>'
        ]
        if self.findings:
            parts.append("<ol>")
            for finding in self.findings:
                parts.append(
                    f"<li><strong>{html.escape(finding.problem)}</strong>"
                    f'<pre style="white-space:pre-wrap">{html.escape(finding.evidence)}</pre>'
                    f"<p><em>Fix:</em> {html.escape(finding.fix)}</p></li>"
                )
            parts.append("</ol>")
        parts.append("</div>")
        return "".join(parts)


@dataclass
class Snapshot:
    """What `fetch` read from the cluster; the input of `explain`.

    Attributes:
        kind: "pod", "deployment", "job", "service" or "release".
        name: The object's name.
        namespace: Its namespace.
        obj: The object as ``kubectl get -o json`` prints it (for a release: ``helm status
            -o json``, with ``history``: Helm's record of each revision, oldest first, from the
            release's Secrets); None when it does not exist.
        pods: The pods concerned: the pod itself, or those the object selects.
        events: The namespace's events (``kubectl get events -o json`` items).
        logs: The last log lines per ``"<pod>/<container>"`` (of the previous instance when
            the container restarted).
        namespace_pods: Every pod in the namespace (for a Service's selector).
        endpoint_slices: The Service's EndpointSlices.
        pvcs: The namespace's PersistentVolumeClaims.
        node_images: The image names the nodes hold (empty when unknown).
        listening: For a Service: per ready pod it sends to, the (address, port) its servers
            listen on, from the pod's ``/proc/net/tcp``; None when that could not be read.
        siblings: Names of objects of the same kind in the namespace (when `obj` is None).
        config_keys: The key names (never the values) of the namespace's ConfigMaps and Secrets,
            by ``"ConfigMap/<name>"`` and ``"Secret/<name>"``; read only when a pod waits for them.
    """

    kind: str
    name: str
    namespace: str
    obj: dict[str, Any] | None
    pods: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    logs: dict[str, str] = field(default_factory=dict)
    namespace_pods: list[dict[str, Any]] = field(default_factory=list)
    endpoint_slices: list[dict[str, Any]] = field(default_factory=list)
    pvcs: list[dict[str, Any]] = field(default_factory=list)
    node_images: list[str] = field(default_factory=list)
    listening: dict[str, list[tuple[str, int]] | None] = field(default_factory=dict)
    siblings: list[str] = field(default_factory=list)
    config_keys: dict[str, list[str]] = field(default_factory=dict)


# ---------------------------------------------------------------- small readers (pure)


def _events_for(events: list[dict], kind: str, name: str) -> list[dict]:
    """Return the events about one object, oldest first."""
    mine = [
        e
        for e in events
        if e.get("involvedObject", {}).get("kind") == kind and e.get("involvedObject", {}).get("name") == name
    ]
    return sorted(mine, key=lambda e: e.get("lastTimestamp") or e.get("eventTime") or e.get("firstTimestamp") or "")


def _event_line(event: dict) -> str:
    count = event.get("count") or 1
    times = f" (x{count})" if count > 1 else ""
    return f"{event.get('type', '')} {event.get('reason', '')}: {event.get('message', '').strip()}{times}"


def _container_specs(pod: dict) -> dict[str, dict]:
    spec = pod.get("spec", {})
    return {c["name"]: c for c in [*spec.get("initContainers", []), *spec.get("containers", [])]}


def _statuses(pod: dict) -> list[tuple[str, dict]]:
    """Return (label, status) for each init and app container, e.g. ("init container setup", {...})."""
    status = pod.get("status", {})
    labelled = [(f"init container {s['name']}", s) for s in status.get("initContainerStatuses", [])]
    return labelled + [(f"container {s['name']}", s) for s in status.get("containerStatuses", [])]


def _pod_ok(pod: dict) -> bool:
    status = pod.get("status", {})
    if status.get("phase") == "Succeeded":
        return True
    ready = [c.get("ready", False) for c in status.get("containerStatuses", [])]
    return status.get("phase") == "Running" and bool(ready) and all(ready)


def _selector_matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return all(labels.get(k) == v for k, v in selector.items())


def _closeness(selector: dict[str, str], labels: dict[str, str]) -> tuple[int, int, float]:
    """How near a pod's labels come to a selector: equal pairs, then keys present, then similar values.

    Examples:
        >>> _closeness({"app": "irsi"}, {"app": "iris"}) > _closeness({"app": "irsi"}, {"run": "client"})
        True
    """
    same = sum(labels.get(k) == v for k, v in selector.items())
    present = sum(k in labels for k in selector)
    similar = sum(difflib.SequenceMatcher(None, v, labels.get(k, "")).ratio() for k, v in selector.items())
    return same, present, similar


def _format_labels(labels: dict[str, str]) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items())) or "(no labels)"


_QUANTITY = re.compile(r"^(\d+(?:\.\d+)?)([KMGTE]i?|k)?$")


def _doubled(quantity: str) -> str:
    """Suggest twice a memory quantity in the same unit: "64Mi" -> "128Mi"."""
    match = _QUANTITY.match(quantity.strip())
    if not match:
        return "a higher value"
    number = float(match.group(1)) * 2
    shown = str(int(number)) if number.is_integer() else f"{number:g}"
    return f"{shown}{match.group(2) or ''}"


#: The least memory worth suggesting after an OOMKill: a Python process with pandas and scikit-learn starts at ~150 MiB.
PYTHON_FLOOR_MI = 256


def _mebibytes(quantity: str) -> float:
    """A memory quantity in MiB, or infinity when it cannot be read (pure).

    Examples:
        >>> _mebibytes("128Mi"), _mebibytes("1Gi"), _mebibytes("a higher value")
        (128.0, 1024.0, inf)
    """
    match = _QUANTITY.match(quantity.strip())
    units = {"Ki": 1 / 1024, "Mi": 1, "Gi": 1024, "Ti": 1024**2, "k": 1000 / 2**20, "M": 10**6 / 2**20,
             "G": 10**9 / 2**20, "": 1 / 2**20}  # fmt: skip
    if not match or match.group(2) not in units:
        return float("inf")
    return float(match.group(1)) * units[match.group(2) or ""]


def _exit_meaning(code: int | None) -> str:
    if code is None:
        return ""
    return EXIT_CODES.get(code, "the program stopped with an error")


def _log_block(logs: dict[str, str], pod: str, container: str) -> str:
    text = logs.get(f"{pod}/{container}", "").rstrip()
    if not text:
        return "(no log lines)"
    lines = text.splitlines()[-LOG_LINES:]
    return "\n".join(f"    {line}" for line in lines)


# ---------------------------------------------------------------- pod rules (pure)


def _owner_command(pod: dict, container: str, fields: dict[str, str]) -> str:
    """How to change container fields where they are written: the Deployment, the Job, or the Pod itself (pure).

    Examples:
        >>> pod = {"metadata": {"name": "api-5f9c-x2x7k", "namespace": "ml", "labels": {"pod-template-hash": "5f9c"},
        ...        "ownerReferences": [{"kind": "ReplicaSet", "name": "api-5f9c"}]}}
        >>> _owner_command(pod, "api", {"image": "kds.invalid/python-ds:2026.12"})
        '`kubectl set image deployment/api api=kds.invalid/python-ds:2026.12 -n ml`'
    """
    namespace = pod.get("metadata", {}).get("namespace", "NAMESPACE")
    owner = _owner_of(pod)
    kind, _, name = owner.partition("/")
    if kind == "job":
        return (
            f"a Job's Pod template cannot change: `kubectl delete job {name} -n {namespace}`, then apply its "
            "manifest again with the fix"
        )
    if set(fields) == {"image"} and kind in ("deployment", "pod"):
        return f"`kubectl set image {owner} {container}={fields['image']} -n {namespace}`"
    if kind == "deployment":
        change = {"spec": {"template": {"spec": {"containers": [{"name": container, **fields}]}}}}
        return f"`kubectl patch {owner} -n {namespace} -p '{json.dumps(change, separators=(',', ':'))}'`"
    return "change it in the manifest of the object that made the pod, and apply it again"


def _never_pulled(pod: dict, label: str, image: str, evidence: list[str], container: str) -> Finding:
    """ErrImageNeverPull: the image is not on the node, and the pull policy Never forbids fetching it."""
    listing = "kubectl get nodes -o jsonpath='{.items[*].status.images[*].names}'"
    fix = (
        "`imagePullPolicy: Never` means: use the copy in the cluster, or do not start. An image of yours must be "
        f"built and loaded into the cluster first (`kds build FOLDER -t {image}`; with Docker and kind: "
        f"`docker build` then `kind load docker-image IMAGE --name kds`). Or use an image the cluster has (`{listing}` "
        f"lists them; the course image {reference('python-ds')} runs Python, pandas and scikit-learn). To change the "
        "image: " + _owner_command(pod, container, {"image": "IMAGE"})
    )
    return Finding(
        f"{label} cannot start: image {image} is not in the cluster, and its imagePullPolicy Never forbids pulling it",
        "\n".join(evidence),
        fix,
    )


def _pulled_anyway(pod: dict, label: str, image: str, evidence: list[str], container: str) -> Finding:
    """Pull policy Always on an image the node already has: the kubelet downloads it anyway, and fails."""
    fix = (
        "the kubelet tries to download it again because of `imagePullPolicy: Always` (also the default for a "
        "`:latest` tag or no tag), and course images cannot be downloaded: set `imagePullPolicy: IfNotPresent` "
        "to use the copy the cluster has: " + _owner_command(pod, container, {"imagePullPolicy": "IfNotPresent"})
    )
    return Finding(
        f"{label} cannot start: image {image} is in the cluster, but imagePullPolicy Always makes the kubelet "
        "download it again, and that download fails",
        "\n".join(evidence),
        fix,
    )


def _image_pull(pod: dict, label: str, cs: dict, node_images: list[str]) -> Finding:
    spec = _container_specs(pod).get(cs["name"], {})
    image = spec.get("image") or cs.get("image", "")
    waiting = cs.get("state", {}).get("waiting", {})
    evidence = [f"{label}: {waiting.get('reason')}: {waiting.get('message', '').strip()}".rstrip(": ")]
    course = [name for name in node_images if name.startswith(COURSE_REGISTRY)]
    # The node's status lists at most its 50 largest images: the catalogue's names are added.
    known = sorted(set(course) | {known.ref for known in course_images()})
    close = difflib.get_close_matches(image, [name for name in known if name != image], n=1, cutoff=0.6)
    if waiting.get("reason") == "ErrImageNeverPull":
        return _never_pulled(pod, label, image, evidence, cs["name"])
    if image in known and spec.get("imagePullPolicy") == "Always":
        evidence.append(f"the cluster has {image}; imagePullPolicy: Always")
        return _pulled_anyway(pod, label, image, evidence, cs["name"])
    if close:
        evidence.append(f"the closest image the cluster has: {close[0]}")
    elif course:
        evidence.append("course images in the cluster: " + ", ".join(sorted(course)))
    if image.startswith(COURSE_REGISTRY):
        fix = (
            "course images are never pulled from the internet: they are built and loaded into the cluster by `kds up`. "
        )
        fix += (
            f"Did you mean {close[0]}? Fix the image name: "
            + _owner_command(pod, cs["name"], {"image": close[0]})
            + ". "
            if close
            else "Check the name and tag for a typo. "
        )
        fix += (
            "If it is an image of yours, build and load it: `kds build FOLDER -t IMAGE` "
            "(with Docker and kind: `docker build` then `kind load docker-image IMAGE --name kds`)."
        )
    else:
        fix = (
            f"check the name and tag of {image} for a typo; the cluster only has the images loaded into it "
            "(no internet during the course): use a course image, or load yours with "
            "`kind load docker-image IMAGE --name kds`."
        )
    if spec.get("imagePullPolicy") == "Always":
        fix += " Also set `imagePullPolicy: IfNotPresent`: `Always` downloads even when the image is there."
    return Finding(f"{label} cannot start: image {image} cannot be pulled", "\n".join(evidence), fix)


_MISSING_CONFIG = [
    (re.compile(r'configmap "?([\w.-]+)"? not found', re.I), "ConfigMap", None),
    (re.compile(r'secret "?([\w.-]+)"? not found', re.I), "Secret", None),
    (re.compile(r"couldn't find key ([\w.-]+) in ConfigMap [\w.-]+/([\w.-]+)", re.I), "ConfigMap", "key"),
    (re.compile(r"couldn't find key ([\w.-]+) in Secret [\w.-]+/([\w.-]+)", re.I), "Secret", "key"),
]


def _owner_of(pod: dict) -> str:
    """The object whose template made a pod, as kubectl names it (pure).

    Examples:
        >>> _owner_of({"metadata": {"name": "api-5f9c-x2x7k", "labels": {"pod-template-hash": "5f9c"},
        ...            "ownerReferences": [{"kind": "ReplicaSet", "name": "api-5f9c"}]}})
        'deployment/api'
    """
    meta = pod.get("metadata", {})
    owner = next(iter(meta.get("ownerReferences") or []), None)
    if owner is None:
        return f"pod/{meta.get('name', 'POD')}"
    if owner.get("kind") == "ReplicaSet":
        suffix = "-" + (meta.get("labels") or {}).get("pod-template-hash", "")
        return f"deployment/{owner['name'].removesuffix(suffix)}"
    return f"{owner.get('kind', '').lower()}/{owner.get('name')}"


def _others(kind: str, config_keys: dict[str, list[str]]) -> list[str]:
    """The names of the namespace's ConfigMaps or Secrets, without those Kubernetes and Helm make."""
    names = [ref.partition("/")[2] for ref in config_keys if ref.startswith(f"{kind}/")]
    return sorted(n for n in names if n != "kube-root-ca.crt" and not n.startswith("sh.helm.release."))


def _missing_key(label: str, kind: str, name: str, key: str, message: str, where: str, keys: list[str] | None,
                 namespace: str) -> Finding:  # fmt: skip
    """A key a pod asks a ConfigMap or Secret for, which it does not hold; with the keys it does hold."""
    lower = kind.lower()
    evidence = message if keys is None else f"{message}\n{kind} {name} has the keys: {', '.join(keys) or 'none'}"
    close = difflib.get_close_matches(key, keys or [], n=1, cutoff=0.5)
    guess = f"did you mean {close[0]}? " if close else ""
    return Finding(
        f"{label} cannot start: {kind} {name} has no key {key}",
        evidence,
        f"ask for a key it has ({guess}fix the name in the Pod template: `kubectl edit {where} -n {namespace}`), "
        f"or add the key {key} to the {kind} (`kubectl edit {lower} {name} -n {namespace}`; `kubectl describe "
        f"{lower} {name}` lists its keys); the pod starts by itself once the key is found",
    )


def _missing_config(
    label: str, message: str, namespace: str, config_keys: dict[str, list[str]] | None = None, where: str = "POD-OWNER"
) -> Finding:
    """A ConfigMap or Secret, or one of its keys, that a container's env or a volume names and that is not there.

    Args:
        label: Who cannot start ("container api").
        message: The kubelet's message.
        namespace: The pod's namespace.
        config_keys: The key names of the namespace's ConfigMaps and Secrets (see `Snapshot`), if read.
        where: The object whose template to fix, as kubectl names it (``deployment/api``).
    """
    known = config_keys or {}
    for pattern, kind, has_key in _MISSING_CONFIG:
        match = pattern.search(message)
        if not match:
            continue
        if has_key:
            key, name = match.group(1), match.group(2)
            keys = known.get(f"{kind}/{name}") if config_keys is not None else None
            return _missing_key(label, kind, name, key, message, where, keys, namespace)
        name = match.group(1)
        create = (
            f"kubectl create configmap {name} -n {namespace} --from-literal=KEY=VALUE"
            if kind == "ConfigMap"
            else f"kubectl create secret generic {name} -n {namespace} --from-literal=KEY=VALUE"
        )
        others = _others(kind, known)
        evidence = message + (f"\n{kind}s in {namespace}: {', '.join(others) or 'none'}" if config_keys else "")
        close = difflib.get_close_matches(name, others, n=1, cutoff=0.5)
        guess = f" (did you mean {close[0]}?)" if close else ""
        return Finding(
            f"{label} cannot start: {kind} {name} does not exist in namespace {namespace}",
            evidence,
            f"create it (`{create}`), or fix its name in the Pod spec{guess} (`kubectl get {kind.lower()}s -n "
            f"{namespace}` lists what exists); the pod starts by itself once it is there",
        )
    return Finding(
        f"{label} cannot start: its configuration is invalid",
        message,
        f"read the message; `kubectl describe pod -n {namespace}` shows the same",
    )


_VOLUME_KEY = re.compile(
    r'volume "([\w.-]+)".*(configmap|secret) references non-existent (?:config|secret) key: ([\w.-]+)'
)


def _missing_volume_key(pod: dict, event: dict, config_keys: dict[str, list[str]] | None) -> Finding | None:
    """FailedMount because a volume's ``items`` name a key its ConfigMap or Secret does not hold; None otherwise."""
    match = _VOLUME_KEY.search(event.get("message", ""))
    if not match:
        return None
    volume_name, key = match.group(1), match.group(3)
    volume = next((v for v in pod.get("spec", {}).get("volumes", []) if v.get("name") == volume_name), {})
    source = volume.get("configMap") or volume.get("secret") or {}
    kind = "ConfigMap" if "configMap" in volume else "Secret"
    name = source.get("name") or source.get("secretName") or "?"
    keys = (config_keys or {}).get(f"{kind}/{name}") if config_keys is not None else None
    evidence = _event_line(event) + ("" if keys is None else f"\n{kind} {name} has the keys: {', '.join(keys)}")
    close = difflib.get_close_matches(key, keys or [], n=1, cutoff=0.5)
    guess = f" (did you mean {close[0]}?)" if close else ""
    namespace = pod["metadata"].get("namespace", "NAMESPACE")
    return Finding(
        f"the pod cannot start: its volume {volume_name} asks {kind} {name} for the key {key} (in `items`), "
        "which it does not have",
        evidence,
        f"make `items[].key` a key the {kind} has{guess} in the Pod template (`kubectl edit {_owner_of(pod)} -n "
        f"{namespace}`), or add the key to the {kind}; until the volume can be mounted the pod stays in "
        "ContainerCreating, and it starts by itself once it can",
    )


def _mount_failure(pod: dict, events: list[dict], config_keys: dict[str, list[str]] | None) -> Finding:
    """Why a pod's volume cannot be mounted, from its FailedMount `events`: the most telling one wins.

    A busy kubelet first reports passing trouble ("failed to sync configmap cache") before the cause.
    """
    for event in events:
        missing_key = _missing_volume_key(pod, event, config_keys)
        if missing_key is not None:
            return missing_key
    namespace = pod["metadata"].get("namespace", "NAMESPACE")
    for event in events:
        message = event.get("message", "")
        if re.search(r"(configmap|secret) \"?[\w.-]+\"? not found", message, re.I):
            return _missing_config("the pod", message, namespace, config_keys, _owner_of(pod))
    return Finding(
        "a volume cannot be mounted",
        _event_line(events[-1]),
        "check the volume's ConfigMap, Secret or claim exists; if it does, the node may be slow: wait a minute "
        "and diagnose again",
    )


def _memory_change(pod: dict, container: str, memory: str) -> str:
    """The command that gives `container` `memory` as limit and request, where its Pod's template is (pure).

    Examples:
        >>> pod = {"metadata": {"name": "train-x2x7k", "namespace": "ml", "ownerReferences": [
        ...     {"kind": "Job", "name": "train"}]}}
        >>> _memory_change(pod, "train", "1Gi")  # doctest: +ELLIPSIS
        "; a Job's Pod template cannot change: `kubectl delete job train -n ml`, then create it again with the new..."
    """
    namespace = pod["metadata"].get("namespace", "NAMESPACE")
    owner = _owner_of(pod)
    if owner.startswith("deployment/"):
        flags = f"--limits=memory={memory} --requests=memory={memory}"
        return f": `kubectl set resources {owner} -c {container} {flags} -n {namespace}`"
    if owner.startswith("job/"):
        job = owner.partition("/")[2]
        return (
            f"; a Job's Pod template cannot change: `kubectl delete job {job} -n {namespace}`, then create it "
            "again with the new memory"
        )
    return ""


def _oom(label: str, cs: dict, spec: dict, pod: dict | None = None) -> Finding:
    limit = spec.get("resources", {}).get("limits", {}).get("memory")
    restarts = cs.get("restartCount", 0)
    evidence = f"{label} was OOMKilled (exit code 137); restarts: {restarts}; memory limit: {limit or 'none'}"
    if cs.get("lastState", {}).get("terminated", {}).get("reason") == "OOMKilled":
        evidence += "\nthe kill is recorded in lastState.terminated: the container was started again since"
    if limit:
        new, floor = _doubled(limit), ""
        if _mebibytes(new) < PYTHON_FLOOR_MI:
            new, floor = f"{PYTHON_FLOOR_MI}Mi", ", as Python with pandas and scikit-learn takes about 150 MiB to start"
        change = _memory_change(pod, cs["name"], new) if pod else ""
        fix = (
            f"raise `resources.limits.memory` (now {limit}; try {new}{floor}) and the request with it{change}; "
            "or make the program use less (read data in chunks, fewer or smaller workers)"
        )
    else:
        fix = (
            "the node itself ran out of memory: set `resources.requests.memory` so the scheduler accounts "
            "for it, use less memory, or give the cluster more (Docker Desktop: Settings > Resources)"
        )
    return Finding(f"{label} ran out of memory and was killed (OOMKilled)", evidence, fix)


# The API server's 403 as kubectl, the Python client (quotes escaped in JSON) or a raw request prints it.
_REFUSED = re.compile(
    r'User \\?"(?P<user>[^"\\]+)\\?" cannot (?P<verb>[\w-]+) resource \\?"(?P<resource>[^"\\]+)\\?"'
    r'(?: in API group \\?"(?P<group>[^"\\]*)\\?")?(?: in the namespace \\?"(?P<namespace>[^"\\]+)\\?")?'
)


def _refusal(pod: dict, container: str, logs: dict[str, str], *, latest_only: bool) -> list[Finding]:
    """A 403 Forbidden from the API server in a container's last log lines: who may not do what, and what to ask.

    `latest_only` (for a container still running) counts a refusal only on the last line, so one
    that a fix has since cured (the program retried and succeeded) is not reported.

    Examples:
        >>> logs = {"p/c": 'jobs.batch is forbidden: User "system:serviceaccount:ml:nb" cannot create resource '
        ...         '"jobs" in API group "batch" in the namespace "ml"'}
        >>> _refusal({"metadata": {"name": "p"}}, "c", logs, latest_only=True)[0].problem
        'container c is refused by the API server (403 Forbidden): ServiceAccount nb may not create jobs.batch'
    """
    text = logs.get(f"{pod['metadata']['name']}/{container}", "")
    lines = [line for line in text.splitlines() if line.strip()]
    found = [match for match in map(_REFUSED.search, lines[-1:] if latest_only else lines) if match]
    if not found:
        return []
    last = found[-1]
    user, verb, resource, group = last["user"], last["verb"], last["resource"], last["group"] or ""
    namespace = last["namespace"] or pod["metadata"].get("namespace", "NAMESPACE")
    name, _, subresource = resource.partition("/")
    asked = f"{name}.{group}" if group else name
    flag = f" --subresource={subresource}" if subresource else ""
    prefix = "system:serviceaccount:"
    home, _, account = user.removeprefix(prefix).rpartition(":")
    is_account = user.startswith(prefix)
    who = f"ServiceAccount {account}" if is_account else f"user {user}"
    column = (
        f"{home}/{account} in its SERVICEACCOUNTS column, or /{account} when the binding is in {home}"
        if is_account
        else f"{user} in its USERS column"
    )
    return [
        Finding(
            f"container {container} is refused by the API server (403 Forbidden): {who} may not {verb} "
            f"{asked}{'/' + subresource if subresource else ''}",
            f"its last refusal: {last.group(0)}",
            f"RBAC does not allow it. Ask as that identity: `kubectl auth can-i {verb} {asked}{flag} --as={user} "
            f"-n {namespace}`. Then check both halves: a RoleBinding must name exactly this identity (`kubectl get "
            f"rolebindings -n {namespace} -o wide` shows {column}; a copied binding may name another namespace), "
            f"and the Role it points to (`kubectl get role ROLE -n {namespace} -o yaml`) needs a rule with "
            f'apiGroups: ["{group}"], resources: ["{resource}"], verbs: ["{verb}"]. Fix the half that is wrong, in '
            "this namespace (no cluster-admin, no ClusterRoleBinding); the program's next request is allowed at once",
        )
    ]


# Python's last line of a traceback: the exception's class (maybe dotted) and its message.
_PYTHON_ERROR = re.compile(r"^(?:[\w.]+\.)?(\w*(?:Error|Exception)): (.+)$")
#: What each common Python exception at start usually means, for someone reading it the first time.
_ERROR_MEANINGS = {
    "FileNotFoundError": "the program opens a file that is not there: compare the path it was given with where "
    "the file really is (the step that writes the file says where in its logs)",
    "ValueError": "the program was given a value it cannot use: a setting written in a form Python cannot read "
    "(a number as 70% or 0,7 instead of 0.7) or out of its range",
    "InvalidParameterError": "scikit-learn refuses a hyper-parameter: its message says which values are allowed",
    "ModuleNotFoundError": "a Python package the program imports is not in the image: add it to the image",
}


def python_error(log: str) -> tuple[str, str] | None:
    r"""The last Python exception in a log: its class and its message, or None (pure).

    Examples:
        >>> python_error("Traceback (most recent call last):\n  ...\nValueError: could not convert string: 'x'")
        ('ValueError', "could not convert string: 'x'")
        >>> python_error("serving on port 8000") is None
        True
    """
    for line in reversed(log.splitlines()):
        found = _PYTHON_ERROR.match(line.strip())
        if found:
            return found.group(1), found.group(2)
    return None


def _setting_named(message: str, spec: dict) -> tuple[str, str] | None:
    """The container's setting an error message names: ``("env", "THRESHOLD=70%")`` or ``("arg", "--c 0")`` (pure).

    An environment variable counts when the message quotes its value; a command-line option when the
    message names the parameter (scikit-learn's "The 'C' parameter ...") and the command has ``--c``.

    Examples:
        >>> _setting_named("could not convert string to float: '70%'", {"env": [{"name": "THRESHOLD", "value": "70%"}]})
        ('env', 'THRESHOLD=70%')
        >>> _setting_named("The 'C' parameter of LogisticRegression must be ...", {"command": ["train", "--c", "0"]})
        ('arg', '--c 0')
    """
    for env in spec.get("env") or []:
        value = env.get("value")
        if value and (f"'{value}'" in message or f'"{value}"' in message):
            return "env", f"{env['name']}={value}"
    parameter = re.search(r"The '(\w+)' parameter", message)
    if parameter is None:
        return None
    words = [*(spec.get("command") or []), *(spec.get("args") or [])]
    flag = f"--{parameter.group(1).lower()}"
    for number, word in enumerate(words):
        if word.lower() == flag and number + 1 < len(words):
            return "arg", f"{word} {words[number + 1]}"
        if word.lower().startswith(f"{flag}="):
            return "arg", word
    for env in spec.get("env") or []:
        if env.get("name", "").lower() == parameter.group(1).lower():
            return "env", f"{env['name']}={env.get('value', '')}"
    return None


def _setting_fix(pod: dict, container: str, setting: tuple[str, str]) -> str:
    """How to change the setting `setting` of `container` where it is written (pure)."""
    namespace = pod["metadata"].get("namespace", "NAMESPACE")
    owner = _owner_of(pod)
    kind, text = setting
    variable = text.partition("=")[0]
    if kind == "env" and owner.startswith("deployment/"):
        return (
            f"`kubectl set env {owner} -c {container} {variable}=NEW_VALUE -n {namespace}`: the Deployment "
            "replaces the crashing Pod with one that has the new value"
        )
    if owner.startswith("job/"):
        job = owner.partition("/")[2]
        return (
            f"a Job's Pod template cannot change: `kubectl delete job {job} -n {namespace}`, then create it again "
            f"with {text} corrected"
        )
    return f"correct {text} in the manifest of {owner} and apply it again"


def _crash_advice(pod: dict, container: str, log: str) -> tuple[str, str]:
    """Evidence and a fix from the Python exception that ended a container's last run, or ("", "") (pure)."""
    error = python_error(log)
    if error is None:
        return "", ""
    name, message = error
    evidence = f"\nthe error: {name}: {message}"
    meaning = _ERROR_MEANINGS.get(name, "")
    setting = _setting_named(message, _container_specs(pod).get(container, {}))
    if setting is None:
        return evidence, f"{meaning}. " if meaning else ""
    evidence += f"\nit comes from the setting {setting[1]}"
    meaning = meaning or f"the program cannot use {setting[1]}"
    return evidence, f"{meaning}. Fix {setting[1]}: {_setting_fix(pod, container, setting)}. "


def _crash(pod: dict, label: str, cs: dict, logs: dict[str, str]) -> Finding:
    """Explain a container that exited with an error: once, or again and again (CrashLoopBackOff)."""
    name = pod["metadata"]["name"]
    state = cs.get("state", {})
    # While it waits to be restarted, the exit is in lastState (older kubelets) or still in state.
    current = "terminated" in state
    terminated = (state if current else cs.get("lastState", {})).get("terminated", {})
    code = terminated.get("exitCode")
    restarts = cs.get("restartCount", 0)
    if terminated.get("reason") == "StartError":
        return Finding(
            f"{label} cannot start its command (exit code {code}, {restarts} restarts)",
            f"{label}: {terminated.get('message', '').strip()}",
            "the program named in `command` is not in the image: fix a typo there, or use an image that "
            "has the program",
        )
    if restarts:
        problem = f"{label} keeps crashing (CrashLoopBackOff): exit code {code}, {restarts} restarts"
    else:
        problem = f"{label} exited with code {code}"
    evidence = (
        f"{label}: exit code {code}: {_exit_meaning(code)} (reason {terminated.get('reason', 'unknown')})\n"
        f"last log lines of its last run:\n{_log_block(logs, name, cs['name'])}"
    )
    flag = "" if current else " --previous"
    command = f"`kubectl logs {name} -c {cs['name']}{flag} -n {pod['metadata'].get('namespace', 'NAMESPACE')}`"
    found, advice = _crash_advice(pod, cs["name"], logs.get(f"{name}/{cs['name']}", ""))
    if advice:
        return Finding(problem, evidence + found, f"{advice}All its log lines: {command}")
    fix = f"read the log lines: the program inside fails. See all of them with {command}; fix the command or the code"
    return Finding(problem, evidence + found, f"{fix}, then apply again")


def _probe_text(probe: dict) -> str:
    if "httpGet" in probe:
        get = probe["httpGet"]
        return f"HTTP GET {get.get('path', '/')} on port {get.get('port')}"
    if "tcpSocket" in probe:
        return f"a TCP connection to port {probe['tcpSocket'].get('port')}"
    if "exec" in probe:
        return "the command " + " ".join(probe["exec"].get("command", []))
    if "grpc" in probe:
        return f"gRPC health on port {probe['grpc'].get('port')}"
    return "a probe"


def _liveness_killed(events: list[dict], container: str) -> bool:
    """Whether the kubelet restarted `container` because its liveness probe failed (its Killing event, pure).

    Examples:
        >>> _liveness_killed([{"reason": "Killing", "message": "Container api failed liveness probe, will be "
        ...                    "restarted"}], "api")
        True
    """
    return any(
        e.get("reason") == "Killing" and f"{container} failed liveness probe" in e.get("message", "") for e in events
    )


def _probe_budget(probe: dict) -> str:
    """How long a probe lets a container take before it gives up, in words (pure).

    Examples:
        >>> _probe_budget({"initialDelaySeconds": 3, "periodSeconds": 2, "failureThreshold": 2})
        'first check 3 s after the start, gives up after 2 failures 2 s apart: about 5 s'
    """
    delay, period = probe.get("initialDelaySeconds", 0), probe.get("periodSeconds", 10)
    threshold = probe.get("failureThreshold", 3)
    return (
        f"first check {delay} s after the start, gives up after {threshold} failures {period} s apart: "
        f"about {delay + period * (threshold - 1)} s"
    )


def _probe_fix(kind: str, message: str, pod: dict, container: str, probe: dict) -> str:
    """What to change when a probe fails: the page, the start-up time, or (unknown) how to look (pure)."""
    namespace = pod["metadata"].get("namespace", "NAMESPACE")
    owner = _owner_of(pod)
    names = [c.get("name") for c in pod.get("spec", {}).get("containers", [])]
    index = names.index(container) if container in names else 0
    port = (probe.get("httpGet") or {}).get("port", "PORT")
    code = re.search(r"statuscode: (\d+)", message)
    if code and "httpGet" in probe:
        path = probe["httpGet"].get("path", "/")
        where = f"/spec/template/spec/containers/{index}/{kind.lower()}Probe/httpGet/path"
        change = json.dumps([{"op": "replace", "path": where, "value": "/PATH"}])
        patch = f"`kubectl patch {owner} -n {namespace} --type=json -p '{change}'`" if owner.startswith(
            "deployment/") else "fix the probe's path in the manifest and apply it"  # fmt: skip
        return (
            f"the server answers {code.group(1)} at {path}: it has no such page. Find the page it answers with 200 "
            f"for a health check (its docs or code, or try: `kubectl port-forward pod/{pod['metadata']['name']} "
            f"{port}` then `curl -i localhost:{port}/PATH`), and point the probe there: {patch}"
        )
    if "connection refused" in message and kind in ("Liveness", "Startup"):
        startup = {"name": container, "startupProbe": {**{k: v for k, v in probe.items() if k in (
            "httpGet", "tcpSocket", "exec", "grpc")}, "periodSeconds": 2, "failureThreshold": 60}}  # fmt: skip
        patch = json.dumps({"spec": {"template": {"spec": {"containers": [startup]}}}})
        how = f"`kubectl patch {owner} -n {namespace} -p '{patch}'`" if owner.startswith(
            "deployment/") else "add it in the manifest and apply it"  # fmt: skip
        if kind == "Startup":
            return (
                "connection refused: the server was still starting when the startup probe gave up "
                f"({_probe_budget(probe)}). Raise its failureThreshold so that failureThreshold x periodSeconds "
                "covers the whole start"
            )
        return (
            "connection refused: nothing listened on the port yet, so the server was still starting when the "
            f"liveness probe gave up ({_probe_budget(probe)}). Add a startupProbe with the same check, whose "
            "failureThreshold x periodSeconds covers the whole start (2 s x 60 allows 2 minutes): the liveness "
            "probe waits until it has succeeded once, then watches for a hung server as before. Keep the liveness "
            f"probe (a huge initialDelaySeconds would also delay noticing a hang after every restart): {how}"
        )
    return (
        "make the probe match the app: the right path and port (try it with `kubectl port-forward "
        f"pod/{pod['metadata']['name']} PORT` and a browser), or give a slow start more time "
        "(a `startupProbe`)"
    )


def _probe_failures(pod: dict, events: list[dict]) -> list[Finding]:
    findings = []
    specs = _container_specs(pod)
    restarts = {cs["name"]: cs.get("restartCount", 0) for _, cs in _statuses(pod)}
    for kind in ("Readiness", "Liveness", "Startup"):
        failed = [e for e in events if e.get("reason") == "Unhealthy" and e.get("message", "").startswith(kind)]
        if not failed:
            continue
        last = failed[-1]
        path = last.get("involvedObject", {}).get("fieldPath", "")
        container = path[path.find("{") + 1 : path.find("}")] if "{" in path else next(iter(specs), "")
        killed = _liveness_killed(events, container)
        if kind == "Readiness" and killed:
            continue  # a container the liveness probe kills while it starts cannot be ready: one problem
        probe = specs.get(container, {}).get(f"{kind.lower()}Probe", {})
        effect = {
            "Readiness": "the pod gets no traffic from its Services",
            "Liveness": "the kubelet restarts the container",
            "Startup": "the kubelet restarts the container before it is up",
        }[kind]
        evidence = [f"the probe checks {_probe_text(probe)} ({_probe_budget(probe)})", _event_line(last)]
        if kind == "Liveness" and killed:
            evidence += [_event_line(e) for e in events if e.get("reason") == "Killing"][-1:]
            count = restarts.get(container, 0)
            evidence.append(f"{count} restarts so far: the kubelet stopped it, its code did not fail")
        findings.append(
            Finding(
                f"container {container}: {kind.lower()} probe fails, so {effect}",
                "\n".join(evidence),
                _probe_fix(kind, last.get("message", ""), pod, container, probe),
            )
        )
    return findings


def _requests_fix(pod: dict) -> str:
    """What to do when no node has room for a pod's requests: compare with Allocatable, then lower them."""
    owner = _owner_of(pod)
    where = owner if owner.startswith("deployment/") else "deployment/NAME"
    namespace = pod.get("metadata", {}).get("namespace", "NAMESPACE")
    return (
        "compare the requests with what a node offers, its Allocatable (`kubectl get nodes -o custom-columns="
        "NAME:.metadata.name,CPU:.status.allocatable.cpu,MEMORY:.status.allocatable.memory`): a request larger "
        "than a node's whole Allocatable never fits there, whatever you delete. Lower `resources.requests` to "
        f"what the program needs (on a Deployment, for example `kubectl set resources {where} -n {namespace} "
        "--requests=memory=256Mi --limits=memory=256Mi`); when it fits Allocatable but not the room left "
        "('Allocated resources' in `kubectl describe node`), delete other workloads to free room"
    )


def _unbound_claim_fix(namespace: str) -> str:
    """What to do when a pod waits for a claim: see why it waits; a wrong StorageClass means a new claim."""
    return (
        f"`kubectl describe pvc -n {namespace}` says why the claim waits. A StorageClass this cluster does not "
        "have shows as 'storageclass ... not found' (`kubectl get storageclass` lists those it has; the course's "
        "is `standard`): a claim's storageClassName cannot be changed, so delete the claim and create it again "
        "with an existing class, or without the field for the default. A claim that does not exist: create it. "
        "The pod starts by itself once its claim is bound"
    )


def _unschedulable(pod: dict, events: list[dict], pvcs: list[dict]) -> Finding | None:
    status = pod.get("status", {})
    condition = next((c for c in status.get("conditions", []) if c.get("type") == "PodScheduled"), None)
    if status.get("phase") != "Pending" or not condition or condition.get("status") != "False":
        return None
    failed = [e for e in events if e.get("reason") == "FailedScheduling"]
    message = failed[-1].get("message", "") if failed else condition.get("message", "")
    namespace = pod["metadata"].get("namespace", "")
    short = [s.rstrip(".") for s in re.findall(r"Insufficient ([\w./-]+)", message)]
    devices = [s for s in short if "/" in s]  # extended resources: GPUs and other devices
    if devices:
        return Finding(
            f"the pod cannot be scheduled: it asks for {', '.join(devices)}, and no node has one free",
            f"scheduler: {message}",
            f"a node offers {devices[0]} only when it has the device and its device plugin (`kubectl describe "
            "node` lists it under Allocatable; the course cluster has none): remove the request to run on the "
            "CPU here (pandas and scikit-learn do not use a GPU), or run it where the platform team offers GPU "
            "nodes",
        )
    if short:
        requests = {}
        for c in pod.get("spec", {}).get("containers", []):
            for resource, value in c.get("resources", {}).get("requests", {}).items():
                requests.setdefault(resource, []).append(value)
        asked = ", ".join(f"{r}: {' + '.join(v)}" for r, v in requests.items() if r in short) or "see the spec"
        return Finding(
            f"the pod cannot be scheduled: no node has enough unreserved {' and '.join(dict.fromkeys(short))}",
            f"the pod requests {asked}\nscheduler: {message}",
            _requests_fix(pod),
        )
    taint = re.search(r"untolerated taint\(?s?\)? ?(\{[^}]*\})", message)
    if taint:
        return Finding(
            f"the pod cannot be scheduled: the node has a taint {taint.group(1)} the pod does not tolerate",
            f"scheduler: {message}",
            "remove the taint (`kubectl taint nodes NODE KEY-`) or add a matching `tolerations:` entry",
        )
    if "persistentvolumeclaim" in message.lower() or "persistent volume" in message.lower():
        claims = [
            v["persistentVolumeClaim"]["claimName"]
            for v in pod.get("spec", {}).get("volumes", [])
            if "persistentVolumeClaim" in v
        ]
        known = {p["metadata"]["name"]: p for p in pvcs}
        states = []
        for claim in claims:
            pvc = known.get(claim)
            if pvc is None:
                states.append(f"{claim}: does not exist")
            else:
                storage_class = pvc.get("spec", {}).get("storageClassName") or "(default)"
                states.append(
                    f"{claim}: {pvc.get('status', {}).get('phase', 'Pending')}, storageClassName {storage_class}"
                )
        return Finding(
            "the pod cannot be scheduled: its PersistentVolumeClaim is not bound",
            "\n".join([*states, f"scheduler: {message}"]),
            _unbound_claim_fix(namespace),
        )
    if "node affinity" in message or "node selector" in message:
        return Finding(
            "the pod cannot be scheduled: no node matches its nodeSelector or affinity",
            f"nodeSelector: {pod.get('spec', {}).get('nodeSelector', {})}\nscheduler: {message}",
            "remove the nodeSelector/affinity or label a node to match (`kubectl label node NODE KEY=VALUE`)",
        )
    return Finding(
        "the pod cannot be scheduled",
        f"scheduler: {message or 'no message yet'}",
        "read the scheduler's message; `kubectl describe pod` shows it under Events",
    )


def _retried(pod: dict, logs: dict[str, str]) -> list[Finding]:
    """A Job's Pod running again after its container failed (``restartPolicy: OnFailure``): the failure (pure).

    Between two crashes such a Pod is Running, and ready when it has no probe, so it looks healthy.

    Examples:
        >>> pod = {"metadata": {"name": "p", "ownerReferences": [{"kind": "Job", "name": "j"}]}, "status": {
        ...     "containerStatuses": [{"name": "c", "restartCount": 2, "lastState": {"terminated": {"exitCode": 1}}}]}}
        >>> _retried(pod, {})[0].problem
        'container c keeps crashing (CrashLoopBackOff): exit code 1, 2 restarts'
    """
    if not any(ref.get("kind") == "Job" for ref in pod["metadata"].get("ownerReferences") or []):
        return []
    found = []
    for label, cs in _statuses(pod):
        last = cs.get("lastState", {}).get("terminated", {})
        if cs.get("restartCount", 0) and last.get("exitCode"):
            spec = _container_specs(pod).get(cs["name"], {})
            killed = last.get("reason") == "OOMKilled"
            found.append(_oom(label, cs, spec, pod) if killed else _crash(pod, label, cs, logs))
    return found


def pod_findings(
    pod: dict,
    events: list[dict],
    logs: dict[str, str],
    pvcs: list[dict],
    node_images: list[str] | None = None,
    config_keys: dict[str, list[str]] | None = None,
) -> list[Finding]:
    """Explain what is wrong with one pod (pure); empty when it runs and is ready, or succeeded.

    Args:
        pod: The pod as ``kubectl get pod -o json`` prints it.
        events: Events of the namespace (those about other objects are ignored).
        logs: Last log lines per ``"<pod>/<container>"``.
        pvcs: The namespace's PersistentVolumeClaims.
        node_images: Image names present on the nodes (to suggest a close match).
        config_keys: Key names of the namespace's ConfigMaps and Secrets (to suggest a close match).

    Examples:
        >>> pod_findings({"metadata": {"name": "p"}, "status": {"phase": "Succeeded"}}, [], {}, [])
        []
    """
    name = pod["metadata"]["name"]
    namespace = pod["metadata"].get("namespace", "")
    uid = pod["metadata"].get("uid")
    # Events outlive their pod by an hour: keep only this pod's, not a deleted namesake's.
    mine = [e for e in _events_for(events, "Pod", name) if e["involvedObject"].get("uid") in (None, uid)]
    specs = _container_specs(pod)
    findings: list[Finding] = []
    if _pod_ok(pod):
        # Ready now, but between restarts: a liveness probe that kills a slow start looks like this.
        restarted = any(cs.get("restartCount", 0) > 0 for _, cs in _statuses(pod))
        probes = [f for f in _probe_failures(pod, mine) if "restarts" in f.problem] if restarted else []
        # Running, but what it asks the API server for is refused (RBAC): its last log line says so.
        refused = [f for c in specs for f in _refusal(pod, c, logs, latest_only=True)]
        return refused + _retried(pod, logs) + probes
    status = pod.get("status", {})
    if status.get("reason") == "Evicted":
        return [
            Finding(
                "the pod was evicted from its node",
                status.get("message", ""),
                "the node ran short (memory or disk): set requests and limits, free space, then "
                "recreate the pod (a Deployment does it by itself)",
            )
        ]
    unscheduled = _unschedulable(pod, mine, pvcs)
    if unscheduled:
        return [unscheduled]
    for label, cs in _statuses(pod):
        state, last = cs.get("state", {}), cs.get("lastState", {})
        waiting = state.get("waiting", {})
        reason = waiting.get("reason", "")
        spec = specs.get(cs["name"], {})
        if reason in PULL_REASONS:
            findings.append(_image_pull(pod, label, cs, node_images or []))
        elif reason == "CreateContainerConfigError":
            findings.append(_missing_config(label, waiting.get("message", ""), namespace, config_keys, _owner_of(pod)))
        elif reason == "CreateContainerError":
            findings.append(
                Finding(
                    f"{label} cannot be created",
                    waiting.get("message", ""),
                    "read the message: often a wrong `command` or a bad volume mount",
                )
            )
        elif "OOMKilled" in (
            state.get("terminated", {}).get("reason"),
            last.get("terminated", {}).get("reason"),
        ):
            findings.append(_oom(label, cs, spec, pod))
        elif (
            reason == "CrashLoopBackOff"
            or state.get("terminated", {}).get("exitCode")
            or (cs.get("restartCount", 0) > 0 and last.get("terminated", {}).get("exitCode"))
        ):
            findings.extend(_refusal(pod, cs["name"], logs, latest_only=False))
            if not _liveness_killed(mine, cs["name"]):  # restarted by its liveness probe: said below
                findings.append(_crash(pod, label, cs, logs))
    # A container that crashes never answers its readiness probe: that failure is not a second problem.
    crashed = any("crashing" in f.problem or "OOMKilled" in f.problem for f in findings)
    findings.extend(f for f in _probe_failures(pod, mine) if not (crashed and "readiness probe" in f.problem))
    # Volumes are mounted before any container starts: once one has run, FailedMount events are past trouble.
    ran = any(cs.get("state", {}).get(s) or cs.get("lastState", {}).get(s)
              for _, cs in _statuses(pod) for s in ("running", "terminated"))  # fmt: skip
    mounts = [e for e in mine if e.get("reason") == "FailedMount"]
    if mounts and not ran and not any("cannot start" in f.problem for f in findings):
        findings.append(_mount_failure(pod, mounts, config_keys))
    if not findings:
        warnings = [_event_line(e) for e in mine if e.get("type") == "Warning"][-3:]
        evidence = f"phase {status.get('phase', 'unknown')}" + ("\n" + "\n".join(warnings) if warnings else "")
        findings.append(
            Finding(
                "the pod is not ready yet (no known problem found)",
                evidence,
                f"wait a moment and diagnose again; `kubectl describe pod {name} -n {namespace}` shows all details",
            )
        )
    return findings


# ---------------------------------------------------------------- per-kind rules (pure)


def _pods_findings(snap: Snapshot) -> list[Finding]:
    """Explain every unhealthy pod; the same problem in several pods is said once.

    A pod being deleted (an old one, replaced by a rollout) is not a problem of its owner: it is left out.
    """
    merged: dict[tuple[str, str], tuple[Finding, list[str]]] = {}
    for pod in snap.pods:
        if pod["metadata"].get("deletionTimestamp"):
            continue
        pod_name = pod["metadata"]["name"]
        for finding in pod_findings(pod, snap.events, snap.logs, snap.pvcs, snap.node_images, snap.config_keys):
            key = (re.sub(r"\d+ restarts", "", finding.problem), finding.fix.replace(pod_name, "POD"))
            if key in merged:
                merged[key][1].append(pod_name)
            else:
                merged[key] = (finding, [pod_name])
    results = []
    for finding, names in merged.values():
        who = f"pod {names[0]}" + (f" (and {len(names) - 1} more)" if len(names) > 1 else "")
        results.append(Finding(f"{who}: {finding.problem}", finding.evidence, finding.fix))
    return results


def _explain_pod(snap: Snapshot) -> Diagnosis:
    pod = snap.obj or {}
    findings = pod_findings(pod, snap.events, snap.logs, snap.pvcs, snap.node_images, snap.config_keys)
    if not findings:
        phase = pod.get("status", {}).get("phase")
        state = "completed successfully" if phase == "Succeeded" else "is running and ready"
        return Diagnosis(True, f"Pod {snap.name} {state}.")
    return _not_ok("Pod", snap.name, findings)


def _not_ok(title: str, name: str, findings: list[Finding], prefix: str = "") -> Diagnosis:
    more = f" (and {len(findings) - 1} more problem{'s' if len(findings) > 2 else ''})" if len(findings) > 1 else ""
    first = findings[0].problem.rstrip(".")
    return Diagnosis(False, f"{title} {name} is not working: {prefix}{first}{more}.", findings)


_MUST_SPECIFY = re.compile(r"failed quota: ([\w.-]+): must specify (.+)$")
_EXCEEDED = re.compile(r"exceeded quota: ([\w.-]+), requested: (\S+), used: (\S+), limited: (\S+)")


def _resources_flag(key: str, containers: list[dict]) -> str:
    """The `kubectl set resources` flag that sets a quota's key, with a value to start from (pure).

    The value offered for a limit is the container's request, and the other way round.

    Examples:
        >>> _resources_flag("limits.memory", [{"resources": {"requests": {"memory": "256Mi"}}}])
        '--limits=memory=256Mi'
        >>> _resources_flag("cpu", [])
        '--requests=cpu=VALUE'
    """
    side, _, resource = key.rpartition(".")
    side = side or "requests"
    other = "requests" if side == "limits" else "limits"
    values = [c.get("resources", {}).get(other, {}).get(resource) for c in containers]
    return f"--{side}={resource}={next((v for v in values if v), 'VALUE')}"


def _replica_failure(message: str, namespace: str, deploy: dict | None = None) -> Finding:
    """Why a Deployment's ReplicaSet cannot create Pods, from the message its status repeats (pure)."""
    name = (deploy or {}).get("metadata", {}).get("name", "NAME")
    template = (deploy or {}).get("spec", {}).get("template", {}).get("spec", {})
    containers = template.get("containers", [])
    specified, exceeded = _MUST_SPECIFY.search(message), _EXCEEDED.search(message)
    if specified:
        quota = specified.group(1)
        missing = dict(part.strip().partition(" for: ")[::2] for part in specified.group(2).split(";"))
        named = sorted({c for listed in missing.values() for c in listed.split(",") if c})
        keys = ", ".join(missing)
        flags = " ".join(_resources_flag(key, containers) for key in missing)
        only = f" -c {named[0]}" if len(named) == 1 else ""
        return Finding(
            f"the Deployment cannot create its pods: the ResourceQuota {quota} counts {keys}, and container "
            f"{', '.join(named)} does not set it",
            message,
            f"a quota that counts {keys} refuses every Pod that does not say how much it takes. Set it in the "
            f"Pod template: `kubectl set resources deployment/{name}{only} {flags} -n {namespace}`, with values "
            f"the quota has room for, every replica counted (`kubectl describe resourcequota {quota} -n "
            f"{namespace}`); the ReplicaSet then creates the pods by itself",
        )
    if exceeded:
        quota, requested, used, limited = exceeded.groups()
        return Finding(
            f"the Deployment cannot create its pods: the ResourceQuota {quota} has no room for another one",
            message,
            f"the namespace's ResourceQuota is used up for this pod: one more asks for {requested}, the namespace "
            f"uses {used} and the quota allows {limited} (`kubectl describe resourcequota {quota} -n "
            f"{namespace}`). Lower the Pod template's requests and limits so that every replica fits "
            f"(`kubectl set resources deployment/{name} ... -n {namespace}`), or run fewer replicas, or delete "
            "other workloads; the quota itself is the platform team's to change. During a rollout the old "
            "version's pods still count: if the new ones cannot fit beside them, scale to 0 and back "
            f"(`kubectl scale deployment/{name} --replicas=0 -n {namespace}`)",
        )
    return Finding(
        "the Deployment cannot create its pods",
        message,
        f"read the message: the ReplicaSet's events (`kubectl describe replicaset -n {namespace}`) say more",
    )


_NEWEST_RS = re.compile(r'[Rr]eplica ?[Ss]et "([\w.-]+)"')


def _newest_refusal(events: list[dict], status: dict) -> str:
    """The newest ReplicaSet's last FailedCreate message, or "" (pure).

    The Deployment's ReplicaFailure condition keeps the first message it got (an older
    ReplicaSet's, from before a fix); its Progressing condition names the newest ReplicaSet.
    """
    progressing = next((c.get("message", "") for c in status.get("conditions", []) if c.get("type") == "Progressing"),
                       "")  # fmt: skip
    newest = _NEWEST_RS.search(progressing)
    if newest is None:
        return ""
    failed = [e for e in _events_for(events, "ReplicaSet", newest.group(1)) if e.get("reason") == "FailedCreate"]
    return failed[-1].get("message", "").rpartition("Error creating: ")[2].strip() if failed else ""


def _helm_note(obj: dict) -> str:
    """For an object a Helm release made: where to look for what Kubernetes cannot see, its values (pure).

    Examples:
        >>> _helm_note({"metadata": {"annotations": {"meta.helm.sh/release-name": "web"}}})
        " It was made by the Helm release web: `kds.diagnose('release', 'web')` also checks its values."
    """
    release = ((obj.get("metadata") or {}).get("annotations") or {}).get("meta.helm.sh/release-name")
    if not release:
        return ""
    return f" It was made by the Helm release {release}: `kds.diagnose('release', '{release}')` also checks its values."


def _explain_deployment(snap: Snapshot) -> Diagnosis:
    deploy = snap.obj or {}
    wanted = deploy.get("spec", {}).get("replicas", 1)
    status = deploy.get("status", {})
    ready = status.get("readyReplicas", 0)
    findings = []
    for condition in status.get("conditions", []):
        if condition.get("type") == "ReplicaFailure" and condition.get("status") == "True":
            message = _newest_refusal(snap.events, status) or condition.get("message", "")
            findings.append(_replica_failure(message, snap.namespace, deploy))
    findings.extend(_pods_findings(snap))
    if not findings and ready >= wanted:
        note = _helm_note(deploy)
        return Diagnosis(True, f"Deployment {snap.name}: {ready}/{wanted} pods ready, no problem found.{note}")
    if not findings:
        conditions = [
            f"{c.get('type')}={c.get('status')} ({c.get('reason', '')}): {c.get('message', '')}"
            for c in status.get("conditions", [])
        ]
        findings.append(
            Finding(
                f"only {ready} of {wanted} pods are ready, and no problem was found yet",
                "\n".join(conditions) or "no conditions reported yet",
                "wait a little (a rollout takes time) and diagnose again",
            )
        )
    return _not_ok("Deployment", snap.name, findings, prefix=f"{ready}/{wanted} pods ready; ")


def _explain_job(snap: Snapshot) -> Diagnosis:
    job = snap.obj or {}
    status = job.get("status", {})
    conditions = {c.get("type"): c for c in status.get("conditions", []) if c.get("status") == "True"}
    if "Complete" in conditions:
        return Diagnosis(True, f"Job {snap.name} completed: {status.get('succeeded', 0)} pod(s) succeeded.")
    findings = []
    failed = conditions.get("Failed")
    if failed:
        limit = job.get("spec", {}).get("backoffLimit", 6)
        if failed.get("reason") == "BackoffLimitExceeded":
            findings.append(
                Finding(
                    f"the Job gave up: {status.get('failed', 0)} pod(s) failed and backoffLimit is {limit}",
                    f"condition Failed: {failed.get('reason')}: {failed.get('message', '')}",
                    "fix the cause in the pods (below), then delete the Job and create it again "
                    "(a failed Job never restarts)",
                )
            )
        else:
            findings.append(
                Finding(
                    f"the Job failed: {failed.get('reason')}",
                    failed.get("message", ""),
                    "DeadlineExceeded means activeDeadlineSeconds ran out: raise it or speed "
                    "the work up; then recreate the Job",
                )
            )
    findings.extend(_pods_findings(snap))
    if not findings:
        return Diagnosis(
            True, f"Job {snap.name} is running ({status.get('active', 0)} active pod(s)), no problem found."
        )
    return _not_ok("Job", snap.name, [*findings, *_made_by_cronjob(job, snap.namespace)])


def _made_by_cronjob(job: dict, namespace: str) -> list[Finding]:
    """A failing Job that a CronJob made: the fix belongs in the CronJob, or every next run fails the same (pure).

    Examples:
        >>> job = {"metadata": {"name": "score-now", "ownerReferences": [{"kind": "CronJob", "name": "nightly"}]}}
        >>> _made_by_cronjob(job, "ml")[0].problem
        'the Job was made from the CronJob nightly, whose next runs will fail the same way'
    """
    owners = job["metadata"].get("ownerReferences") or []
    cronjob = next((ref["name"] for ref in owners if ref.get("kind") == "CronJob"), None)
    if cronjob is None:
        return []
    name = job["metadata"]["name"]
    return [
        Finding(
            f"the Job was made from the CronJob {cronjob}, whose next runs will fail the same way",
            f"ownerReferences: CronJob {cronjob}",
            f"fix the CronJob's template, not only this run (`kubectl set env cronjob/{cronjob} VAR=VALUE -n "
            f"{namespace}`, or `kubectl edit cronjob/{cronjob}`); then `kubectl delete job {name} -n {namespace}` "
            f"and try the fixed template now: `kubectl create job {name} --from=cronjob/{cronjob} -n {namespace}`",
        )
    ]


def listening(proc_net_tcp: str) -> list[tuple[str, int]]:
    r"""Return the (address, port) pairs a pod listens on, from ``/proc/net/tcp`` and ``tcp6`` text (pure).

    Examples:
        >>> listening("  sl  local_address rem_address   st\n"
        ...           "   0: 0100007F:1F90 00000000:0000 0A\n"
        ...           "   1: 00000000:1F40 00000000:0000 0A\n"
        ...           "   2: 0100007F:9C40 0100007F:1F90 01\n"
        ...           "   0: 00000000000000000000000000000000:0050 00000000000000000000000000000000:0000 0A\n")
        [('127.0.0.1', 8080), ('0.0.0.0', 8000), ('::', 80)]
    """
    found = []
    for line in proc_net_tcp.splitlines():
        fields = line.split()
        if len(fields) < 4 or fields[3] != "0A" or ":" not in fields[1]:  # 0A: listening
            continue
        address, port = fields[1].rsplit(":", 1)
        if len(address) == 8:  # IPv4, bytes in little-endian order
            shown = ".".join(str(int(address[i : i + 2], 16)) for i in (6, 4, 2, 0))
        else:
            shown = {"0" * 32: "::", "0" * 24 + "01000000": "::1"}.get(address, "an IPv6 address")
        found.append((shown, int(port, 16)))
    return found


_LOOPBACK = {"127.0.0.1", "::1"}


def _target_port(port: dict, pod: dict) -> int | str:
    """The container port a Service port sends to in `pod`: a number, or a name the pod lacks."""
    target = port.get("targetPort", port.get("port"))
    if isinstance(target, int) or str(target).isdigit():
        return int(target)
    for container in pod.get("spec", {}).get("containers", []):
        for declared in container.get("ports") or []:
            if declared.get("name") == target:
                return int(declared["containerPort"])
    return str(target)


def _target_port_fix(snap: Snapshot, port: dict, sockets: list[tuple[str, int]]) -> str:
    """Send the Service's port where the server listens, with the patch when that is one port."""
    reachable = sorted({number for address, number in sockets if address not in _LOOPBACK})
    if len(reachable) != 1:
        return "make targetPort the port the server listens on, or start the server on that port"
    patch = json.dumps({"spec": {"ports": [{"port": port.get("port"), "targetPort": reachable[0]}]}})
    return (
        f"the server listens on port {reachable[0]}: make that the Service's targetPort (`kubectl patch service "
        f"{snap.name} -n {snap.namespace} -p '{patch}'`, or fix targetPort in its manifest and apply it), or "
        f"start the server on port {port.get('targetPort', port.get('port'))}"
    )


def _loopback_fix(pod: dict) -> str:
    """Start the server on every address; name the setting that binds it to 127.0.0.1 when it shows."""
    fix = (
        "start the server on all addresses: 0.0.0.0 (for example `--host 0.0.0.0`, or "
        '`HTTPServer(("0.0.0.0", port), ...)`)'
    )
    containers = pod.get("spec", {}).get("containers", [])
    settings = [(e["name"], e["value"]) for c in containers for e in c.get("env") or [] if e.get("value") in _LOOPBACK]
    owner = _owner_of(pod)
    if settings and owner.startswith("deployment/"):
        name, value = settings[0]
        fix += (
            f". Its environment sets {name}={value}: remove it (`kubectl set env {owner} {name}- -n "
            f"{pod['metadata'].get('namespace', 'NAMESPACE')}`) or set it to 0.0.0.0"
        )
    if any("exec" in (c.get("readinessProbe") or {}) for c in containers):
        fix += (
            ". The pod is Ready all the same because its readiness probe runs a command inside the container, "
            "where 127.0.0.1 answers: an `httpGet` probe, which the kubelet sends to the pod's IP, would have "
            "caught it"
        )
    return fix


def _port_findings(snap: Snapshot, ready: list[dict]) -> list[Finding]:
    """Why a Service whose pods are ready may still answer nobody: its target ports."""
    findings = []
    for port in (snap.obj or {}).get("spec", {}).get("ports") or []:
        if port.get("protocol", "TCP") != "TCP":
            continue
        for pod in ready[:1]:  # one pod shows it: they share a template
            name = pod["metadata"]["name"]
            target = _target_port(port, pod)
            declared = sorted({p["containerPort"] for c in pod["spec"].get("containers", [])
                               for p in c.get("ports") or []})  # fmt: skip
            if isinstance(target, str):
                findings.append(Finding(
                    f"the Service's targetPort {target!r} names no port of pod {name}",
                    f"the pod's containers name the ports: {declared or 'none'}",
                    "set targetPort to the number the server listens on, or name that port in the pod template",
                ))  # fmt: skip
                continue
            sockets = snap.listening.get(name)
            if sockets is None:
                if declared and target not in declared:
                    findings.append(Finding(
                        f"the Service sends port {port.get('port')} to port {target}, which pod {name} does not "
                        "declare", f"the pod declares ports {declared}",
                        f"check where the server listens (`kubectl exec {name} -- cat /proc/net/tcp`), or call "
                        "the Service from a pod in the namespace; then fix targetPort or the server's port",
                    ))  # fmt: skip
                continue
            on_port = [address for address, number in sockets if number == target]
            shown = ", ".join(f"{a}:{n}" for a, n in sockets) or "nothing"
            if not on_port:
                findings.append(Finding(
                    f"nothing in pod {name} listens on port {target}, where the Service sends port "
                    f"{port.get('port')}", f"the pod listens on: {shown}",
                    _target_port_fix(snap, port, sockets),
                ))  # fmt: skip
            elif all(address in _LOOPBACK for address in on_port):
                findings.append(Finding(
                    f"the server in pod {name} listens on {on_port[0]}:{target} only, so traffic from other pods "
                    "never reaches it", f"the pod listens on: {shown}",
                    _loopback_fix(pod),
                ))  # fmt: skip
    return findings


def _explain_service(snap: Snapshot) -> Diagnosis:
    svc = snap.obj or {}
    spec = svc.get("spec", {})
    if spec.get("type") == "ExternalName":
        return Diagnosis(True, f"Service {snap.name} is an alias for {spec.get('externalName')}.")
    selector = spec.get("selector") or {}
    ready = [
        e
        for s in snap.endpoint_slices
        for e in s.get("endpoints") or []
        if (e.get("conditions") or {}).get("ready", True)
    ]
    if ready:
        ready_pods = [p for p in snap.pods if _pod_ok(p)]
        findings = _port_findings(snap, ready_pods)
        if findings:
            return Diagnosis(False, f"Service {snap.name} sends traffic to {len(ready)} ready pod(s), but "
                             f"{findings[0].problem}.", findings)  # fmt: skip
        return Diagnosis(True, f"Service {snap.name} sends traffic to {len(ready)} ready pod(s).")
    if not selector:
        return _not_ok(
            "Service",
            snap.name,
            [
                Finding(
                    "the Service has no selector, so it picks no pods",
                    "spec.selector is empty",
                    "add `selector:` with the labels of your pods' template (for example `app: web`)",
                )
            ],
        )
    matching = [p for p in snap.namespace_pods if _selector_matches(selector, p["metadata"].get("labels") or {})]
    if not matching:
        evidence = [f"selector: {_format_labels(selector)}"]
        pods = snap.namespace_pods[:5]
        evidence += [
            f"pod {p['metadata']['name']}: {_format_labels(p['metadata'].get('labels') or {})}" for p in pods
        ] or ["there are no pods in the namespace"]
        closest = max(
            snap.namespace_pods, key=lambda p: _closeness(selector, p["metadata"].get("labels") or {}), default=None
        )
        hint = ""
        if closest is not None:
            labels = closest["metadata"].get("labels") or {}
            wrong = [
                f"{k}={v} (pod has {k}={labels[k]})" if k in labels else f"{k}={v} (pod has no {k})"
                for k, v in selector.items()
                if labels.get(k) != v
            ]
            hint = f" Closest: pod {closest['metadata']['name']} differs in " + ", ".join(wrong) + "."
        return _not_ok(
            "Service",
            snap.name,
            [
                Finding(
                    f"no pod has the labels the Service selects ({_format_labels(selector)})",
                    "\n".join(evidence),
                    "make the Service's selector equal the pod template's labels "
                    f"(`kubectl get pods --show-labels`), or start the pods it is meant for.{hint}",
                )
            ],
        )
    names = ", ".join(p["metadata"]["name"] for p in matching)
    if all(_pod_ok(p) for p in matching):
        return _not_ok(
            "Service",
            snap.name,
            [
                Finding(
                    "its pods are ready but not listed as endpoints yet",
                    f"selected pods: {names}",
                    "wait a few seconds and diagnose again (endpoints follow pods with a short delay)",
                )
            ],
        )
    snap_pods = Snapshot(
        kind="pod",
        name=snap.name,
        namespace=snap.namespace,
        obj=None,
        pods=matching,
        events=snap.events,
        logs=snap.logs,
        pvcs=snap.pvcs,
        node_images=snap.node_images,
    )
    findings = [
        Finding(
            f"the {len(matching)} pod(s) the Service selects are not ready",
            names,
            "a Service only sends traffic to ready pods: fix them (below)",
        ),
        *_pods_findings(snap_pods),
    ]
    return _not_ok("Service", snap.name, findings)


def _value_paths(values: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], Any]:
    """Every key path of a values tree, inner ones too, with the value there (pure).

    Examples:
        >>> sorted(_value_paths({"image": {"tag": "1"}, "replicaCount": 1}))
        [('image',), ('image', 'tag'), ('replicaCount',)]
    """
    paths: dict[tuple[str, ...], Any] = {}
    if isinstance(values, dict):
        for key, value in values.items():
            paths[(*prefix, str(key))] = value
            paths.update(_value_paths(value, (*prefix, str(key))))
    return paths


def _read_by_templates(path: tuple[str, ...], templates: str) -> bool:
    """Whether a chart's templates read the value at `path`, or a whole block that holds it (pure).

    Examples:
        >>> _read_by_templates(("image", "tag"), "{{ .Values.image.tag }}")
        True
        >>> _read_by_templates(("image", "replicaCount"), "{{ .Values.image.tag }} {{ .Values.replicaCount }}")
        False
        >>> _read_by_templates(("resources", "limits"), "{{ toYaml .Values.resources }}")
        True
    """
    return any(
        re.search(re.escape(".Values." + ".".join(path[:end])) + r"(?![\w.])", templates)
        for end in range(1, len(path) + 1)
    )


def _ignored_values(record: dict) -> list[Finding]:
    """Values given to a release that its chart never reads: a typo or a wrong indentation (pure).

    `record` is Helm's record of one revision (the release Secret's JSON): ``config`` holds the
    values given, ``chart`` the chart's defaults and templates. Says nothing when the templates
    read values in ways a search cannot follow (``index .Values``, all of ``.Values``, subcharts).
    """
    chart = record.get("chart") or {}
    templates = "\n".join(
        base64.b64decode(t.get("data") or "").decode("utf-8", "replace") for t in chart.get("templates") or []
    )
    if not templates or re.search(r"\.Values(?![\w.])|index \$?\.Values", templates):
        return []
    skip = {"global", *(d.get("name") for d in (chart.get("metadata") or {}).get("dependencies") or [])}
    defaults = _value_paths(chart.get("values") or {})
    given = _value_paths(record.get("config") or {})
    leaves = [p for p, v in given.items() if not isinstance(v, dict) and p[0] not in skip]
    ignored = [p for p in leaves if p not in defaults and not _read_by_templates(p, templates)]
    name, namespace = record.get("name", "RELEASE"), record.get("namespace", "NAMESPACE")
    meta = chart.get("metadata") or {}
    findings = []
    for path in ignored:
        dotted = ".".join(path)
        homes = [p for p in defaults if p[-1] == path[-1] and p != path]
        if homes:
            home = homes[0]
            where = "at the top level" if len(home) == 1 else f"under `{'.'.join(home[:-1])}`"
            meant = (
                f"the chart has `{'.'.join(home)}` ({where}): the indentation of your values file decides the "
                f"path, so move `{path[-1]}` there"
            )
        else:
            meant = f"check the spelling against `helm show values {meta.get('name', 'CHART')}`, and fix or remove it"
        findings.append(
            Finding(
                f"the value `{dotted}` is never read by the chart {meta.get('name', '')}: Helm ignored it without "
                "a word",
                f"`helm get values {name} -n {namespace}` has {dotted}: {json.dumps(given[path])}\n"
                f"the chart's own values (`helm show values`) have no {dotted}, and no template reads it "
                "(the chart has no schema to refuse it)",
                f"{meant}; preview with `helm template` and your file, then `helm upgrade {name} REPO/"
                f"{meta.get('name', 'CHART')} --version {meta.get('version', 'X')} -f YOUR-VALUES.yaml -n "
                f"{namespace}`",
            )
        )
    return findings


def _changed_values(before: dict, after: dict) -> list[str]:
    """The values that differ between two revisions, as ``path: old -> new`` lines (pure).

    Examples:
        >>> _changed_values({"image": {"tag": "1"}, "x": 1}, {"image": {"tag": "2"}, "x": 1})
        ['image.tag: "1" -> "2"']
    """
    old = {p: v for p, v in _value_paths(before).items() if not isinstance(v, dict)}
    new = {p: v for p, v in _value_paths(after).items() if not isinstance(v, dict)}
    shown = lambda value: "(not set)" if value is None else json.dumps(value)  # noqa: E731
    return [f"{'.'.join(p)}: {shown(old.get(p))} -> {shown(new.get(p))}" for p in sorted({*old, *new})
            if old.get(p) != new.get(p)]  # fmt: skip


def _broken_upgrade(history: list[dict], name: str, namespace: str) -> Finding | None:
    """When the newest revision is an upgrade whose Pods fail: what it changed, and the rollback (pure)."""
    if len(history) < 2 or history[-1].get("info", {}).get("status") != "deployed":
        return None
    newest, before = history[-1], history[-2]
    changed = _changed_values(before.get("config") or {}, newest.get("config") or {})
    charts = [(r.get("chart") or {}).get("metadata", {}).get("version") for r in (before, newest)]
    if charts[0] != charts[1]:
        changed.append(f"chart version: {charts[0]} -> {charts[1]}")
    number, previous = newest.get("version"), before.get("version")
    return Finding(
        f"revision {number} of the release ({newest.get('info', {}).get('description', 'an upgrade')}) left Pods "
        "that fail, though Helm says deployed",
        f"what revision {number} changed from revision {previous}:\n" + ("\n".join(changed) or "no value changed"),
        f"to put revision {previous} back at once: `helm rollback {name} {previous} -n {namespace}` (a new revision, "
        f"'Rollback to {previous}'; `helm history {name} -n {namespace}` lists them all); then fix the values and "
        "upgrade again (not with `kubectl set image` or `kubectl scale`: the next `helm upgrade` would undo them)",
    )


def _unitless_memory(values: dict) -> list[tuple[str, float]]:
    """Memory quantities in a release's values written as bare numbers, which Kubernetes reads as bytes (pure).

    Examples:
        >>> _unitless_memory({"resources": {"limits": {"memory": 2048, "cpu": 1}, "requests": {"memory": "1Gi"}}})
        [('resources.limits.memory', 2048)]
    """
    return [
        (".".join(path), value)
        for path, value in _value_paths(values).items()
        if path[-1] == "memory" and isinstance(value, int | float) and not isinstance(value, bool) and value < 2**20
    ]


def _failed_release(release: dict, name: str, namespace: str) -> Finding:
    """Why the newest revision of a release failed, and how to go on: a memory without a unit is named (pure)."""
    info = release.get("info", {})
    number = release.get("version", "?")
    bare = _unitless_memory(release.get("config") or {})
    if bare:
        path, value = bare[0]
        return Finding(
            f"the Helm release failed (revision {number}): `{path}: {value:g}` has no unit, so Kubernetes reads "
            f"{value:g} bytes",
            info.get("description", ""),
            f"write the unit in your values: `{value:g}Mi` for {value:g} MiB, or Gi (a number without a unit is "
            f"bytes, and `G` is 10^9), then `helm upgrade {name} REPO/CHART -f YOUR-VALUES.yaml -n {namespace}` "
            f"again; meanwhile the Pods of the last good revision keep running (`helm history {name} -n "
            f"{namespace}`)",
        )
    return Finding(
        f"the Helm release failed (revision {number})",
        info.get("description", ""),
        "see which resource failed (the pods below, or `helm get manifest "
        f"{name} -n {namespace}`), fix the values, then `helm upgrade "
        "--install` again (or `helm uninstall` and start over)",
    )


def _explain_release(snap: Snapshot) -> Diagnosis:
    release = snap.obj or {}
    info = release.get("info", {})
    state = info.get("status", "unknown")
    findings = []
    if state == "failed":
        # The newest revision's values are in Helm's record of it (``helm status`` may not print them).
        record = (release.get("history") or [{}])[-1]
        newest = {**release, "config": release.get("config") or record.get("config")}
        findings.append(_failed_release(newest, snap.name, snap.namespace))
    elif state.startswith("pending"):
        findings.append(
            Finding(
                f"the Helm release is stuck in {state}",
                info.get("description", ""),
                "an install or upgrade was interrupted (or still runs): wait, then `helm "
                f"rollback {snap.name} -n {snap.namespace}` or `helm uninstall {snap.name} "
                f"-n {snap.namespace}`",
            )
        )
    elif state != "deployed":
        findings.append(
            Finding(
                f"the Helm release is {state}",
                info.get("description", ""),
                f"`helm history {snap.name} -n {snap.namespace}` shows what happened",
            )
        )
    pods = _pods_findings(snap)
    history = release.get("history") or []
    broken = _broken_upgrade(history, snap.name, snap.namespace) if pods and state == "deployed" else None
    findings.extend([broken] if broken else [])
    findings.extend(pods)
    findings.extend(_ignored_values(history[-1]) if history else [])
    if not findings:
        return Diagnosis(True, f"Helm release {snap.name} is deployed and its {len(snap.pods)} pod(s) are fine.")
    return _not_ok("Helm release", snap.name, findings)


def explain(snap: Snapshot) -> Diagnosis:
    """Turn what was read from the cluster into a diagnosis (pure).

    Examples:
        >>> explain(Snapshot(kind="pod", name="web", namespace="demo", obj=None, siblings=["web-1"])).summary
        'There is no Pod named web in namespace demo.'
    """
    title = TITLES[snap.kind]
    if snap.obj is None:
        listed = ", ".join(snap.siblings[:10]) or "none"
        command = (
            f"helm list -n {snap.namespace}"
            if snap.kind == "release"
            else f"kubectl get {snap.kind}s -n {snap.namespace}"
        )
        close = difflib.get_close_matches(snap.name, snap.siblings, n=1)
        hint = f" Did you mean {close[0]}?" if close else ""
        return Diagnosis(
            False,
            f"There is no {title} named {snap.name} in namespace {snap.namespace}.",
            [
                Finding(
                    f"{title} {snap.name} not found",
                    f"`{command}` lists: {listed}",
                    f"check the name and the namespace (`namespace=`).{hint}",
                )
            ],
        )
    explainers = {
        "pod": _explain_pod,
        "deployment": _explain_deployment,
        "job": _explain_job,
        "service": _explain_service,
        "release": _explain_release,
    }
    return explainers[snap.kind](snap)


# ---------------------------------------------------------------- fetching


def _kubectl_json(args: list[str]) -> dict | None:
    """Run ``kubectl ... -o json``; None when the object does not exist."""
    proc = run(["kubectl", *args, "-o", "json"], check=False, timeout=60)
    if proc.returncode == 0:
        return json.loads(proc.stdout)
    if "NotFound" in proc.stderr or "not found" in proc.stderr:
        return None
    raise CommandError(
        ["kubectl", *args, "-o", "json"],
        proc.returncode,
        proc.stderr,
        fix="is the cluster running? `kds status` tells",
    )


def _items(args: list[str]) -> list[dict]:
    listed = _kubectl_json(args)
    return (listed or {}).get("items", [])


def _selector_string(selector: dict) -> str:
    parts = [f"{k}={v}" for k, v in (selector.get("matchLabels") or {}).items()]
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], ",".join(expr.get("values") or [])
        parts.append(
            {
                "In": f"{key} in ({values})",
                "NotIn": f"{key} notin ({values})",
                "Exists": key,
                "DoesNotExist": f"!{key}",
            }[op]
        )
    return ",".join(parts)


def _logs_for(pods: list[dict], namespace: str) -> dict[str, str]:
    """Read the last log lines of containers that crashed or exited (first three such pods)."""
    logs = {}
    for pod in [p for p in pods if not _pod_ok(p) or _retried(p, {})][:3]:
        name = pod["metadata"]["name"]
        for _, cs in _statuses(pod):
            # An exited container's own log, else the one before a restart.
            previous = "terminated" not in cs.get("state", {})
            if previous and not cs.get("restartCount", 0):
                continue
            args = ["kubectl", "logs", name, "-c", cs["name"], "-n", namespace, f"--tail={LOG_LINES}"]
            if previous:
                args.append("--previous")
            proc = run(args, check=False, timeout=60)
            if proc.returncode == 0 and not proc.stdout:
                # Read once more: on a busy node the last lines of a run that just ended can come late.
                time.sleep(1)
                proc = run(args, check=False, timeout=60)
            # The kubelet answers 0 with this text when the container is already garbage-collected.
            if proc.returncode == 0 and not proc.stdout.startswith("unable to retrieve container logs"):
                logs[f"{name}/{cs['name']}"] = proc.stdout
    return logs


def _running_logs(pod: dict, namespace: str) -> dict[str, str]:
    """Read the last log lines of a running, ready Pod's containers (a refused API request shows there)."""
    if pod.get("status", {}).get("phase") != "Running" or not _pod_ok(pod):
        return {}
    name, logs = pod["metadata"]["name"], {}
    for _, cs in _statuses(pod):
        if "running" in cs.get("state", {}):
            args = ["kubectl", "logs", name, "-c", cs["name"], "-n", namespace, f"--tail={LOG_LINES}"]
            proc = run(args, check=False, timeout=60)
            if proc.returncode == 0:
                logs[f"{name}/{cs['name']}"] = proc.stdout
    return logs


def _listeners(pod: dict, namespace: str) -> list[tuple[str, int]] | None:
    """What a pod listens on (read-only: ``cat /proc/net/tcp*`` in it); None when that cannot be read."""
    name = pod["metadata"]["name"]
    proc = run(["kubectl", "exec", name, "-n", namespace, "--", "cat", "/proc/net/tcp", "/proc/net/tcp6"],
               check=False, timeout=30)  # fmt: skip
    return listening(proc.stdout) if "local_address" in proc.stdout else None


def _node_images() -> list[str]:
    """Image names on the nodes; empty when listing nodes is not allowed (a workshop learner)."""
    try:
        nodes = _items(["get", "nodes"])
    except CommandError:
        return []
    return sorted(
        {
            n
            for node in nodes
            for image in node.get("status", {}).get("images", [])
            for n in image.get("names") or []  # an untagged image has no names
            if "@sha256:" not in n
        }
    )


def fetch(kind: str, name: str, *, namespace: str) -> Snapshot:
    """Read everything `explain` needs about one object (with kubectl, read-only).

    Args:
        kind: "pod", "deployment", "job", "service" or "release" (kubectl's short names work).
        name: The object's name.
        namespace: Its namespace.

    Examples:
        >>> fetch("pod", "web", namespace="lesson-pods").obj["status"]["phase"]  # doctest: +SKIP
        'Running'
    """
    kind = _normalize(kind)
    ns = ["-n", namespace]
    if kind == "release":
        proc = run(["helm", "status", name, *ns, "-o", "json"], check=False, timeout=60)
        obj = json.loads(proc.stdout) if proc.returncode == 0 else None
        if obj is None and "not found" not in proc.stderr:
            raise CommandError(["helm", "status", name, *ns], proc.returncode, proc.stderr)
    else:
        obj = _kubectl_json(["get", kind, name, *ns])
    snap = Snapshot(kind=kind, name=name, namespace=namespace, obj=obj)
    if obj is None:
        if kind == "release":
            listed = run(["helm", "list", "-q", *ns], check=False, timeout=60).stdout
            snap.siblings = listed.split()
        else:
            snap.siblings = [i["metadata"]["name"] for i in _items(["get", kind, *ns])]
        return snap
    snap.events = _items(["get", "events", *ns])
    if kind == "pod":
        snap.pods = [obj]
    elif kind in ("deployment", "job"):
        snap.pods = _items(["get", "pods", *ns, "-l", _selector_string(obj["spec"]["selector"])])
    elif kind == "release":
        pods = _items(["get", "pods", *ns, "-l", f"app.kubernetes.io/instance={name}"])
        snap.pods = [p for p in pods if not p["metadata"].get("deletionTimestamp")]  # not those on their way out
        obj["history"] = _release_history(name, namespace)
    else:
        snap.namespace_pods = _items(["get", "pods", *ns])
        snap.endpoint_slices = _items(["get", "endpointslices", *ns, "-l", f"kubernetes.io/service-name={name}"])
        selector = obj.get("spec", {}).get("selector") or {}
        snap.pods = [
            p
            for p in snap.namespace_pods
            if selector and _selector_matches(selector, p["metadata"].get("labels") or {})
        ]
        # One ready pod shows where the servers of its template listen.
        first_ready = [p for p in snap.pods if _pod_ok(p)][:1]
        snap.listening = {p["metadata"]["name"]: _listeners(p, namespace) for p in first_ready}
    snap.logs = _logs_for(snap.pods, namespace)
    if kind == "pod":
        snap.logs = {**_running_logs(obj, namespace), **snap.logs}
    if any(p.get("status", {}).get("phase") == "Pending" for p in snap.pods):
        snap.pvcs = _items(["get", "pvc", *ns])
    waiting = {cs.get("state", {}).get("waiting", {}).get("reason") for p in snap.pods for _, cs in _statuses(p)}
    if waiting & PULL_REASONS:
        snap.node_images = _node_images()
    mounts = any(e.get("reason") == "FailedMount" for e in snap.events)
    if "CreateContainerConfigError" in waiting or mounts:
        snap.config_keys = _config_keys(namespace)
    return snap


def _config_keys(namespace: str) -> dict[str, list[str]]:
    """The key names of the namespace's ConfigMaps and Secrets; the values are not kept."""
    found = {}
    for kind, listed in (("ConfigMap", "configmaps"), ("Secret", "secrets")):
        try:
            items = _items(["get", listed, "-n", namespace])
        except CommandError:  # a learner who may not read Secrets
            continue
        for obj in items:
            keys = {*(obj.get("data") or {}), *(obj.get("binaryData") or {})}
            found[f"{kind}/{obj['metadata']['name']}"] = sorted(keys)
    return found


def _release_history(name: str, namespace: str) -> list[dict]:
    """Helm's record of every revision of a release, oldest first, from its Secrets (as `helm history`)."""
    records = []
    for secret in _items(["get", "secrets", "-n", namespace, "-l", f"owner=helm,name={name}"]):
        packed = (secret.get("data") or {}).get("release")
        if packed:
            records.append(json.loads(gzip.decompress(base64.b64decode(base64.b64decode(packed)))))
    return sorted(records, key=lambda r: r.get("version", 0))


def _normalize(kind: str) -> str:
    key = kind.strip().lower()
    if key not in KINDS:
        raise KdsError(
            f"diagnose does not know the kind {kind!r}.",
            fix="use one of: pod, deployment, job, service, release (a Helm release)",
        )
    return KINDS[key]


def diagnose(kind: str, name: str | None = None, *, namespace: str | None = None) -> Diagnosis:
    """Say in plain words why a Pod, Deployment, Job, Service or Helm release is not working.

    Reads the object, its pods, their events and last log lines (read-only: it changes
    nothing, so it works on any context), then applies the rules in `explain`.

    Args:
        kind: "pod", "deployment", "job", "service" or "release" (also "po", "deploy", "svc",
            "helm"), or the object as ``TYPE/NAME`` (``pod/trainer``), as kubectl takes it.
        name: The object's name, when `kind` is the type alone.
        namespace: Its namespace; defaults to the lesson's namespace, then the context's.

    Returns:
        A `Diagnosis`: ``ok``, a one-line ``summary`` and the ``findings``. It prints as text
        and shows as HTML in a notebook.

    Raises:
        KdsError: for an unknown kind; CommandError when the cluster cannot be read.

    Examples:
        >>> print(diagnose("pod/trainer", namespace="lesson-debugging"))  # doctest: +SKIP
        $ kubectl describe pod/trainer -n lesson-debugging    # diagnose reads the same, and the last log lines
        Pod trainer is not working: container trainer cannot start: image kds.invalid/pyton-ds:2026.12 ...
    """
    kind, name = object_ref(kind, name)
    ns = effective_namespace(namespace)
    if _normalize(kind) == "release":
        echo(["helm", "status", name, "-n", ns], "diagnose reads this, its Pods, their events and logs")
    else:
        echo(["kubectl", "describe", f"{kind}/{name}", "-n", ns], "diagnose reads the same, and the last log lines")
    return explain(fetch(kind, name, namespace=ns))
