"""Why is this not working? A plain-language answer for a Pod, Deployment, Job, Service or Helm release.

Two halves, kept apart so the rules are unit-tested on recorded objects:

- `fetch` reads what kubectl would show (the object, its pods, the namespace's events, the
  last log lines of crashed containers, endpoint slices, claims) into a `Snapshot`;
- `explain` turns a `Snapshot` into a `Diagnosis`: pure functions, one per rule.

`diagnose(kind, name, namespace=...)` does both.
"""

from __future__ import annotations

import difflib
import html
import json
import re
from dataclasses import dataclass, field
from typing import Any

from kdsutils._run import run
from kdsutils.errors import CommandError, KdsError
from kdsutils.images import REGISTRY, course_images
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
            -o json``); None when it does not exist.
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


def _image_pull(pod: dict, label: str, cs: dict, node_images: list[str]) -> Finding:
    spec = _container_specs(pod).get(cs["name"], {})
    image = spec.get("image") or cs.get("image", "")
    waiting = cs.get("state", {}).get("waiting", {})
    evidence = [f"{label}: {waiting.get('reason')}: {waiting.get('message', '').strip()}".rstrip(": ")]
    course = [name for name in node_images if name.startswith(COURSE_REGISTRY)]
    # The node's status lists at most its 50 largest images: the catalogue's names are added.
    known = sorted(set(course) | {known.ref for known in course_images()})
    close = difflib.get_close_matches(image, known, n=1, cutoff=0.6)
    if course:
        evidence.append("course images in the cluster: " + ", ".join(sorted(course)))
    if image.startswith(COURSE_REGISTRY):
        fix = (
            "course images are never pulled from the internet: they are built and loaded into the cluster by `kds up`. "
        )
        fix += (
            f"Did you mean {close[0]}? Fix the image name in the manifest. "
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


def _missing_config(label: str, message: str, namespace: str) -> Finding:
    for pattern, kind, has_key in _MISSING_CONFIG:
        match = pattern.search(message)
        if not match:
            continue
        if has_key:
            key, name = match.group(1), match.group(2)
            return Finding(
                f"{label} cannot start: {kind} {name} has no key {key}",
                message,
                f"add the key (`kubectl edit {kind.lower()} {name} -n {namespace}`) or fix the key name "
                f"in the Pod spec (`kubectl describe {kind.lower()} {name} -n {namespace}` lists its keys)",
            )
        name = match.group(1)
        create = (
            f"kubectl create configmap {name} -n {namespace} --from-literal=KEY=VALUE"
            if kind == "ConfigMap"
            else f"kubectl create secret generic {name} -n {namespace} --from-literal=KEY=VALUE"
        )
        return Finding(
            f"{label} cannot start: {kind} {name} does not exist in namespace {namespace}",
            message,
            f"create it (`{create}`), or fix its name in the Pod spec (`kubectl get {kind.lower()}s -n "
            f"{namespace}` lists what exists); the pod starts by itself once it is there",
        )
    return Finding(
        f"{label} cannot start: its configuration is invalid",
        message,
        f"read the message; `kubectl describe pod -n {namespace}` shows the same",
    )


def _oom(label: str, cs: dict, spec: dict) -> Finding:
    limit = spec.get("resources", {}).get("limits", {}).get("memory")
    restarts = cs.get("restartCount", 0)
    evidence = f"{label} was OOMKilled (exit code 137); restarts: {restarts}; memory limit: {limit or 'none'}"
    if limit:
        fix = (
            f"raise `resources.limits.memory` (now {limit}; try {_doubled(limit)}) and the request with it, "
            "or make the program use less (read data in chunks, fewer or smaller workers)"
        )
    else:
        fix = (
            "the node itself ran out of memory: set `resources.requests.memory` so the scheduler accounts "
            "for it, use less memory, or give the cluster more (Docker Desktop: Settings > Resources)"
        )
    return Finding(f"{label} ran out of memory and was killed (OOMKilled)", evidence, fix)


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
    fix = (
        f"read the log lines: the program inside fails. See all of them with `kubectl logs {name} -c "
        f"{cs['name']}{flag} -n {pod['metadata'].get('namespace', 'NAMESPACE')}`; fix the command or "
        "the code, then apply again"
    )
    return Finding(problem, evidence, fix)


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


def _probe_failures(pod: dict, events: list[dict]) -> list[Finding]:
    findings = []
    specs = _container_specs(pod)
    for kind in ("Readiness", "Liveness", "Startup"):
        failed = [e for e in events if e.get("reason") == "Unhealthy" and e.get("message", "").startswith(kind)]
        if not failed:
            continue
        last = failed[-1]
        path = last.get("involvedObject", {}).get("fieldPath", "")
        container = path[path.find("{") + 1 : path.find("}")] if "{" in path else next(iter(specs), "")
        probe = specs.get(container, {}).get(f"{kind.lower()}Probe", {})
        effect = {
            "Readiness": "the pod gets no traffic from its Services",
            "Liveness": "the kubelet restarts the container",
            "Startup": "the kubelet restarts the container before it is up",
        }[kind]
        findings.append(
            Finding(
                f"container {container}: {kind.lower()} probe fails, so {effect}",
                f"the probe checks {_probe_text(probe)}\n{_event_line(last)}",
                "make the probe match the app: the right path and port (try it with `kubectl port-forward "
                f"pod/{pod['metadata']['name']} PORT` and a browser), or give a slow start more time "
                "(`initialDelaySeconds`, a `startupProbe`)",
            )
        )
    return findings


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
            "a node's free room is its 'Allocatable' minus what the Pods already there request "
            "(`kubectl describe node`, 'Allocated resources'): lower `resources.requests` to fit it, "
            "or delete other workloads to free room",
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
            f"create the claim, or use an existing StorageClass (the course's is `standard`; `kubectl get "
            f"storageclass`); `kubectl describe pvc -n {namespace}` says why it waits",
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


def pod_findings(
    pod: dict,
    events: list[dict],
    logs: dict[str, str],
    pvcs: list[dict],
    node_images: list[str] | None = None,
) -> list[Finding]:
    """Explain what is wrong with one pod (pure); empty when it runs and is ready, or succeeded.

    Args:
        pod: The pod as ``kubectl get pod -o json`` prints it.
        events: Events of the namespace (those about other objects are ignored).
        logs: Last log lines per ``"<pod>/<container>"``.
        pvcs: The namespace's PersistentVolumeClaims.
        node_images: Image names present on the nodes (to suggest a close match).

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
        return [f for f in _probe_failures(pod, mine) if "restarts" in f.problem] if restarted else []
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
            findings.append(_missing_config(label, waiting.get("message", ""), namespace))
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
            findings.append(_oom(label, cs, spec))
        elif (
            reason == "CrashLoopBackOff"
            or state.get("terminated", {}).get("exitCode")
            or (cs.get("restartCount", 0) > 0 and last.get("terminated", {}).get("exitCode"))
        ):
            findings.append(_crash(pod, label, cs, logs))
    findings.extend(_probe_failures(pod, mine))
    if not any("cannot start" in f.problem for f in findings):
        for event in mine:
            if event.get("reason") == "FailedMount":
                message = event.get("message", "")
                if re.search(r"(configmap|secret) \"?[\w.-]+\"? not found", message, re.I):
                    findings.append(_missing_config("the pod", message, namespace))
                else:
                    findings.append(
                        Finding(
                            "a volume cannot be mounted",
                            _event_line(event),
                            "check the volume's ConfigMap, Secret or claim exists",
                        )
                    )
                break
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
    """Explain every unhealthy pod; the same problem in several pods is said once."""
    merged: dict[tuple[str, str], tuple[Finding, list[str]]] = {}
    for pod in snap.pods:
        pod_name = pod["metadata"]["name"]
        for finding in pod_findings(pod, snap.events, snap.logs, snap.pvcs, snap.node_images):
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
    findings = pod_findings(pod, snap.events, snap.logs, snap.pvcs, snap.node_images)
    if not findings:
        phase = pod.get("status", {}).get("phase")
        state = "completed successfully" if phase == "Succeeded" else "is running and ready"
        return Diagnosis(True, f"Pod {snap.name} {state}.")
    return _not_ok("Pod", snap.name, findings)


def _not_ok(title: str, name: str, findings: list[Finding], prefix: str = "") -> Diagnosis:
    more = f" (and {len(findings) - 1} more problem{'s' if len(findings) > 2 else ''})" if len(findings) > 1 else ""
    first = findings[0].problem.rstrip(".")
    return Diagnosis(False, f"{title} {name} is not working: {prefix}{first}{more}.", findings)


def _replica_failure(message: str, namespace: str) -> Finding:
    if "exceeded quota" in message:
        fix = (
            f"the namespace's ResourceQuota is used up (`kubectl describe resourcequota -n {namespace}`): "
            "lower the pods' requests or the replicas, or delete other workloads"
        )
    elif "must specify" in message:
        fix = "the namespace's ResourceQuota requires `resources.requests` on every container: add them"
    else:
        fix = "read the message: the ReplicaSet's events (`kubectl describe replicaset`) say more"
    return Finding("the Deployment cannot create its pods", message, fix)


def _explain_deployment(snap: Snapshot) -> Diagnosis:
    deploy = snap.obj or {}
    wanted = deploy.get("spec", {}).get("replicas", 1)
    status = deploy.get("status", {})
    ready = status.get("readyReplicas", 0)
    findings = []
    for condition in status.get("conditions", []):
        if condition.get("type") == "ReplicaFailure" and condition.get("status") == "True":
            findings.append(_replica_failure(condition.get("message", ""), snap.namespace))
    findings.extend(_pods_findings(snap))
    if not findings and ready >= wanted:
        return Diagnosis(True, f"Deployment {snap.name}: {ready}/{wanted} pods ready, no problem found.")
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
    return _not_ok("Job", snap.name, findings)


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
                    "make targetPort the port the server listens on, or start the server on that port",
                ))  # fmt: skip
            elif all(address in _LOOPBACK for address in on_port):
                findings.append(Finding(
                    f"the server in pod {name} listens on {on_port[0]}:{target} only, so traffic from other pods "
                    "never reaches it", f"the pod listens on: {shown}",
                    "start the server on all addresses: 0.0.0.0 (for example `--host 0.0.0.0`, or "
                    "`HTTPServer((\"0.0.0.0\", port), ...)`)",
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


def _explain_release(snap: Snapshot) -> Diagnosis:
    release = snap.obj or {}
    info = release.get("info", {})
    state = info.get("status", "unknown")
    findings = []
    if state == "failed":
        findings.append(
            Finding(
                f"the Helm release failed (revision {release.get('version', '?')})",
                info.get("description", ""),
                "see which resource failed (the pods below, or `helm get manifest "
                f"{snap.name} -n {snap.namespace}`), fix the values, then `helm upgrade "
                "--install` again (or `helm uninstall` and start over)",
            )
        )
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
    findings.extend(_pods_findings(snap))
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
    for pod in [p for p in pods if not _pod_ok(p)][:3]:
        name = pod["metadata"]["name"]
        for _, cs in _statuses(pod):
            # An exited container's own log, else the one before a restart.
            previous = "terminated" not in cs.get("state", {})
            if previous and not cs.get("restartCount", 0):
                continue
            args = ["kubectl", "logs", name, "-c", cs["name"], "-n", namespace, f"--tail={LOG_LINES}"]
            proc = run([*args, "--previous"] if previous else args, check=False, timeout=60)
            # The kubelet answers 0 with this text when the container is already garbage-collected.
            if proc.returncode == 0 and not proc.stdout.startswith("unable to retrieve container logs"):
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
        snap.pods = _items(["get", "pods", *ns, "-l", f"app.kubernetes.io/instance={name}"])
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
    if any(p.get("status", {}).get("phase") == "Pending" for p in snap.pods):
        snap.pvcs = _items(["get", "pvc", *ns])
    waiting = {cs.get("state", {}).get("waiting", {}).get("reason") for p in snap.pods for _, cs in _statuses(p)}
    if waiting & PULL_REASONS:
        snap.node_images = _node_images()
    return snap


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
