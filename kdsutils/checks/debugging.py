"""Checks of the topic "debugging" (lesson 30): a port found from inside, a size measured with top, a note."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime

from kubernetes import client

from kdsutils.checks import _kit
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
    rollout,
)
from kdsutils.kube import effective_namespace
from kdsutils.labs.debugging import MYSTERY_PORT

#: What the churn API prints once it has imported pandas, trained its model and answers: its memory from then on
#: is its steady use (before, it is still loading and uses less).
SERVING = "serving on"

#: The lines an incident note of debugging_ex3 must have.
NOTE_FIELDS = ("What:", "Symptom:", "Seen:", "Ruled out:")


def pod_memory(pod: str) -> tuple[int, datetime] | None:
    """The memory a Pod used at metrics-server's latest sample, in bytes, and when; None before its first."""
    metrics = _kit.typed_api(client.CustomObjectsApi)
    try:
        found = metrics.get_namespaced_custom_object(
            "metrics.k8s.io", "v1beta1", effective_namespace(), "pods", pod, _request_timeout=TIMEOUT
        )
    except client.ApiException as exc:
        if exc.status == 404:
            return None
        raise
    taken = datetime.fromisoformat(found["timestamp"].replace("Z", "+00:00"))
    return int(sum(quantity(c["usage"]["memory"]) for c in found["containers"])), taken


def serving_since(log: str) -> datetime | None:
    r"""When a churn API's log (read with timestamps) says it is serving; None while it is still loading (pure).

    Examples:
        >>> serving_since("2026-12-01T09:00:41.5Z trained a model\n2026-12-01T09:00:42.25Z serving on port 8000\n")
        datetime.datetime(2026, 12, 1, 9, 0, 42, 250000, tzinfo=datetime.timezone.utc)
        >>> serving_since("2026-12-01T09:00:05Z loading\n") is None
        True
    """
    for line in log.splitlines():
        stamp, _, text = line.partition(" ")
        if text.startswith(SERVING):
            return datetime.fromisoformat(stamp)
    return None


def note_fields(note: str) -> dict[str, str]:
    r"""The fields of an incident note: each ``Name:`` line and the lines indented under it (pure).

    Examples:
        >>> note_fields("What: Job scoring\nSeen: exit 1\n  in the log\n")
        {'What:': 'Job scoring', 'Seen:': 'exit 1 in the log'}
    """
    fields: dict[str, str] = {}
    current = None
    for line in note.splitlines():
        found = re.match(r"^([A-Z][A-Za-z ]*:)\s*(.*)$", line)
        if found:
            current = found.group(1)
            fields[current] = found.group(2).strip()
        elif current and line.strip():
            fields[current] = f"{fields[current]} {line.strip()}".strip()
    return fields


@checker(
    "debugging_ex1",
    hints=(
        "The spec says 8000, the Service says 8000, and the server gets nothing: believe only what the running "
        "process says. An ephemeral container shares the Pod's network and can list the ports that listen.",
        "Lesson 30, step 5: `kubectl debug POD -c debugger --image=BUSYBOX --target=mystery -- netstat -tln`, "
        "then read the debugger's logs; then point the Service's targetPort at what you found "
        "(`kubectl patch service`).",
        "`kubectl get pods -l app=mystery -n $namespace` gives the Pod's name; `kubectl debug POD -n $namespace "
        "-c debugger --image=$BUSYBOX_IMAGE --target=mystery -- netstat -tln`; `kubectl logs POD -c debugger -n "
        "$namespace`; then `kubectl patch service mystery -n $namespace -p "
        "'{\"spec\":{\"ports\":[{\"name\":\"http\",\"port\":8000,\"targetPort\":PORT}]}}'` and "
        "kds.check('debugging_ex1', port=PORT)",
    ),
)
def debugging_ex1(port: object = None) -> Iterator[Item]:
    """Check that the learner looked inside `mystery`, found its port, and pointed the Service at it.

    Examples:
        >>> check("debugging_ex1", port=8473)  # doctest: +SKIP
        ✔ Well done: debugging_ex1 passes.
    """
    pods = core().list_namespaced_pod(effective_namespace(), label_selector="app=mystery", _request_timeout=TIMEOUT)
    running = [p for p in pods.items if pod_ready(p)]
    yield bool(running), "the server mystery runs (a ready Pod)"
    if not running:
        return
    debuggers = [c.name for p in running for c in p.spec.ephemeral_containers or []]
    yield item(bool(debuggers), "you looked inside its Pod with an ephemeral container (kubectl debug)",
               "its Pod has no ephemeral container yet")  # fmt: skip
    if not isinstance(port, int) or isinstance(port, bool):
        yield False, "pass the port you found as a number: kds.check('debugging_ex1', port=...)"
    else:
        yield item(port == MYSTERY_PORT, "the port you found is the one it listens on", f"you passed {port}")
    service = read_or_none(core().read_namespaced_service, "mystery")
    targets = [p.target_port for p in service.spec.ports] if service else []
    yield item(MYSTERY_PORT in targets, "the Service mystery sends its traffic to that port (targetPort)",
               f"its targetPort is {', '.join(map(str, targets)) or 'missing'}")  # fmt: skip


@checker(
    "debugging_ex2",
    hints=(
        "Ask for what the server really uses, measured while it runs, with some room: a request far above the use "
        "wastes the node, one below it invites an OOM kill.",
        "Lesson 30, step 2: `kubectl top pod -l app=churn-api` shows the memory now; `kubectl set resources` with "
        "--requests and --limits sets both, and the rollout replaces the Pod. The check wants a sample of the new Pod "
        "taken after its log says 'serving on'.",
        "`kubectl top pod -n $namespace -l app=churn-api`, then `kubectl set resources deployment/churn-api -n "
        "$namespace --requests=memory=192Mi --limits=memory=192Mi` and `kubectl rollout status "
        "deployment/churn-api -n $namespace`",
    ),
)
def debugging_ex2() -> Iterator[Item]:
    """Check that churn-api asks for between 1x and 2x the memory its Pod uses now, with limit == request.

    Examples:
        >>> check("debugging_ex2")  # doctest: +SKIP
        ✔ Well done: debugging_ex2 passes.
    """
    deploy = read_or_none(apps().read_namespaced_deployment, "churn-api")
    yield deploy is not None, f"there is a Deployment named churn-api in {effective_namespace()}"
    if deploy is None:
        return
    resources = deploy.spec.template.spec.containers[0].resources
    request = (resources.requests or {}).get("memory") if resources else None
    limit = (resources.limits or {}).get("memory") if resources else None
    yield item(request is not None, "it asks for memory (a request)", "no memory request yet")
    if request is None:
        return
    yield item(limit is not None and quantity(limit) == quantity(request),
               "its memory limit equals the request", f"request {request}, limit {limit or 'none'}")  # fmt: skip
    done, _ = rollout(deploy)
    yield item(done, "its rollout is complete", "wait with `kubectl rollout status deployment/churn-api`")
    if not done:
        return
    pods = core().list_namespaced_pod(effective_namespace(), label_selector="app=churn-api", _request_timeout=TIMEOUT)
    ready = [p for p in pods.items if pod_ready(p)]
    sample = pod_memory(ready[0].metadata.name) if ready else None
    yield item(sample is not None, "metrics-server has measured the new Pod",
               "no sample yet: run the check again in half a minute")  # fmt: skip
    if sample is None:
        return
    used, taken = sample
    serving = serving_since(pod_log(ready[0].metadata.name, timestamps=True))
    yield item(serving is not None and taken > serving,
               f"the sample was taken once the server was up (after its log said '{SERVING}')",
               f"{'it is still loading' if serving is None else 'taken before then, while Python still loaded'}: "
               "run the check again in half a minute")  # fmt: skip
    if serving is None or taken <= serving:
        return
    asked = quantity(request)
    mib = f"{used / 2**20:.0f}Mi"
    yield item(asked >= used, "the request covers what the Pod uses now", f"it uses {mib}, asks for {request}")
    yield item(asked <= 2 * used, "the request is at most twice what the Pod uses now",
               f"it uses {mib}, asks for {request}")  # fmt: skip


@checker(
    "debugging_ex3",
    hints=(
        "A good note answers the platform engineer's first questions before they ask: which object, what you "
        "saw, the exact reason Kubernetes and the program gave, and what you already ruled out.",
        "Lesson 30, 'Writing it down'. The Job's condition (`kubectl describe job scoring`) gives Kubernetes' "
        "reason; the failed Pods' logs (`kubectl logs job/scoring`) end in the program's own error.",
        "`kubectl get job scoring -n $namespace -o jsonpath='{.status.conditions[*].reason}'`, `kubectl logs "
        "job/scoring -n $namespace | tail -1`; then note = 'What: Job scoring ...\\nSymptom: ...\\nSeen: <the "
        "reason> ... <the error>\\nRuled out: ...' and kds.check('debugging_ex3', note=note)",
    ),
)
def debugging_ex3(note: object = None) -> Iterator[Item]:
    """Check an incident note about the failed Job `scoring` against the live cluster.

    Examples:
        >>> check("debugging_ex3", note="What: Job scoring ...")  # doctest: +SKIP
    """
    job = read_or_none(batch().read_namespaced_job, "scoring")
    yield job is not None, f"the Job scoring is still in {effective_namespace()} (start it again with kds.lab)"
    if job is None:
        return
    if not isinstance(note, str) or not note.strip():
        yield False, "pass your note as text: kds.check('debugging_ex3', note=note)"
        return
    fields = note_fields(note)
    for name in NOTE_FIELDS:
        yield item(bool(fields.get(name)), f"it has a line {name!r}", "missing or empty")
    text = note.lower()
    yield item("scoring" in fields.get("What:", "").lower(), "'What:' names the Job scoring", "it does not")
    reasons = [c.reason for c in job.status.conditions or [] if c.type == "Failed" and c.reason]
    if reasons:
        yield item(reasons[0].lower() in text, "it gives the reason Kubernetes records for the Job's failure",
                   "not found in it")  # fmt: skip
    failed = [p for p in job_pods("scoring") if p.status.phase == "Failed"]
    last = pod_log(failed[0].metadata.name).strip().splitlines()[-1:] if failed else []
    error = re.match(r"^(\w+(?:Error|Exception)):", last[0]) if last else None
    if error:
        yield item(error.group(1).lower() in text, "it quotes the error the program's log ends with",
                   "not found in it")  # fmt: skip
