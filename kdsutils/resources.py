"""kubectl's verbs from Python: apply, delete, get, wait, logs, events, exec, port_forward.

Most helpers run the real kubectl through `kdsutils._run.run`, so what they do is exactly
what a learner's `kubectl` does. `wait` uses the watch API instead, to react the moment a
condition holds and to report what it saw when it gives up. Helpers that change the cluster
call the context guard first. `namespace=` defaults to the lesson's namespace.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import queue
import re
import shlex
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import urllib3
import yaml
from kubernetes import client, watch
from kubernetes.client import ApiException
from kubernetes.dynamic import DynamicClient
from kubernetes.dynamic.resource import Resource, ResourceList

from kdsutils._host import port_in_use
from kdsutils._run import find_tool, run
from kdsutils.errors import CommandError, KdsError, ManifestError, ToolMissing, WaitTimeout
from kdsutils.kube import api_client, default_namespace, effective_namespace, require_course_context

if TYPE_CHECKING:
    import pandas as pd

Manifest = str | Path | Mapping[str, Any] | Sequence[Mapping[str, Any]]


class Text(str):
    """Command output; a notebook shows it as plain text, as a terminal would."""

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))


def object_ref(kind: str, name: str | None = None) -> tuple[str, str]:
    """Read an object's name the two ways kubectl takes it: ``"pod/hello"`` or ``"pod", "hello"``.

    Returns:
        ``(kind, name)``.

    Raises:
        KdsError: when no name is given, or the kind is given twice (``"pod", "pod/hello"``).

    Examples:
        >>> object_ref("pod/hello")
        ('pod', 'hello')
        >>> object_ref("deployment", "web")
        ('deployment', 'web')
    """
    if name is None:
        kind, slash, name = kind.partition("/")
        if slash and kind and name and "/" not in name:
            return kind, name
        raise KdsError(
            f"{kind + slash + name!r} names no single object.",
            fix="name it as kubectl does: 'pod/hello' (TYPE/NAME), or 'pod', 'hello' (TYPE NAME)",
        )
    if "/" in kind or "/" in name:
        raise KdsError(
            f"{kind!r}, {name!r}: give the type once.",
            fix=f"write either '{kind.split('/')[0]}/{name.split('/')[-1]}' alone, or the type and the name apart",
        )
    return kind, name


_echoing = contextvars.ContextVar("echoing", default=True)


def echo(args: list[str], note: str = "") -> None:
    """Print the command as a learner would type it at a terminal (unless `quietly`)."""
    if _echoing.get():
        print(f"$ {shlex.join(args)}" + (f"    # {note}" if note else ""))


@contextlib.contextmanager
def quietly() -> Iterator[None]:
    """Run helpers without printing their kubectl commands (the course's own set-up steps).

    Examples:
        >>> with quietly():  # doctest: +SKIP
        ...     apply(namespace("lesson-pods"))
    """
    token = _echoing.set(False)
    try:
        yield
    finally:
        _echoing.reset(token)


def _namespace_flag(kind: str, namespace: str) -> list[str]:
    """``-n <namespace>``, except for kinds that live in no namespace (nodes, namespaces, ...)."""
    kinds = [k.split(".")[0] for k in kind.lower().split(",")]
    return [] if any(k in _CLUSTER_SCOPED for k in kinds) else ["-n", namespace]


def _in_context(args: list[str], context: str) -> list[str]:
    """The same kubectl command, pinned to the context the guard accepted."""
    return [args[0], "--context", context, *args[1:]]


# ---------------------------------------------------------------------------- apply


def _parse_yaml(text: str, source: str) -> list[Any]:
    try:
        return list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        if mark is None:  # for example a control character pasted into the text
            raise ManifestError(f"Unreadable YAML in {source}: {exc}", fix="retype what it names") from None
        problem = getattr(exc, "problem", None) or getattr(exc, "context", None)
        lines = text.splitlines()
        shown = lines[mark.line] if mark.line < len(lines) else ""
        raise ManifestError(
            f"Malformed YAML in {source}, line {mark.line + 1}, column {mark.column + 1}: {problem}\n"
            f"    {mark.line + 1:>3} | {shown}\n"
            f"        | {' ' * mark.column}^",
            fix="check the indentation there and on the line above: YAML indents with spaces, "
            "keys at one level line up, and a value with ': ' in it needs quotes",
        ) from None


def _is_path(text: str) -> bool:
    return "\n" not in text and text.endswith((".yaml", ".yml"))


def _documents(obj: Manifest) -> list[dict[str, Any]]:
    """Return the Kubernetes objects in `obj` (YAML text, a path, a dict or a list of dicts)."""
    if isinstance(obj, Path) or (isinstance(obj, str) and _is_path(obj)):
        path = Path(obj)
        if not path.is_file():
            raise ManifestError(f"No such manifest file: {path}.", fix="check the path (relative to here)")
        docs = _parse_yaml(path.read_text(), str(path))
    elif isinstance(obj, str):
        docs = _parse_yaml(obj, "the manifest text")
    elif isinstance(obj, Mapping):
        docs = [obj]
    else:
        docs = list(obj)
    found = [doc for doc in docs if doc is not None]
    for number, doc in enumerate(found, start=1):
        if not isinstance(doc, Mapping):
            raise ManifestError(
                f"Document {number} is not a Kubernetes object: {str(doc)[:60]!r}.",
                fix="an object is a mapping with apiVersion, kind and metadata.name",
            )
        missing = [key for key in ("apiVersion", "kind") if not doc.get(key)]
        if not isinstance(doc.get("metadata"), Mapping) or not doc["metadata"].get("name"):
            missing.append("metadata.name")
        if missing:
            raise ManifestError(
                f"Document {number} is not a Kubernetes object: it has no {', '.join(missing)}.",
                fix="every object needs apiVersion, kind and metadata.name; "
                "the builders in kdsutils.manifests fill them in",
            )
    if not found:
        raise ManifestError("The manifest holds no objects.", fix="pass YAML text, a dict or a file path")
    return [dict(doc) for doc in found]


def apply(obj: Manifest, *, namespace: str | None = None, timeout: float = 60) -> Text:
    """Create or update objects, as `kubectl apply -f` does.

    Args:
        obj: YAML text (several documents separated by ``---`` are fine), a path to a YAML
            file, a dict (such as a `kdsutils.manifests` builder returns) or a list of dicts.
        namespace: Where namespaced objects go when they name no namespace themselves.
        timeout: Seconds before giving up.

    Prints the kubectl command it stands for first (``kubectl apply -n <namespace> -f -``,
    the YAML going in on standard input).

    Returns:
        kubectl's report, one line per object (``pod/hello created``).

    Raises:
        ManifestError: for malformed YAML, naming the line and column.
        ContextRefused: when the current context is not a course cluster.
        CommandError: when the API server rejects an object.

    Examples:
        >>> from kdsutils.manifests import pod, BUSYBOX_IMAGE
        >>> apply(pod("hello", BUSYBOX_IMAGE, ["sleep", "3600"]))  # doctest: +SKIP
        $ kubectl apply -n lesson-pods -f -    # the YAML on standard input
        pod/hello created
    """
    docs = _documents(obj)
    context = require_course_context()
    target = effective_namespace(namespace)
    groups: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        groups.setdefault(namespace or doc["metadata"].get("namespace") or target, []).append(doc)
    source = str(obj) if isinstance(obj, Path) or (isinstance(obj, str) and _is_path(obj)) else "-"
    reports = []
    for ns, group in groups.items():
        scoped = any(str(doc.get("kind", "")).lower() not in _CLUSTER_SCOPED for doc in group)
        args = ["kubectl", "apply", *(["-n", ns] if scoped else []), "-f", source]
        echo(args, "the YAML on standard input" if source == "-" else "")
        proc = run(
            _in_context(["kubectl", "apply", "-n", ns, "-f", "-"], context),
            input=yaml.safe_dump_all([dict(doc) for doc in group], sort_keys=False),
            timeout=timeout,
            fix="read the server's reason above; `kubectl explain <kind>.spec` documents every field",
        )
        reports.append(proc.stdout.strip())
    return Text("\n".join(reports))


# ----------------------------------------------------------------- delete, get, logs


def delete(
    kind: str,
    name: str | None = None,
    *,
    namespace: str | None = None,
    wait: bool = True,
    ignore_not_found: bool = False,
    timeout: float = 120,
) -> Text:
    """Delete an object, as `kubectl delete` does, and by default wait until it is gone.

    Args:
        kind: The kind, as kubectl takes it (``pod``, ``deployment``, ``svc``...), or the
            object as ``TYPE/NAME`` (``pod/hello``).
        name: The object's name, when `kind` is the type alone.
        namespace: Its namespace (default: the lesson's).
        wait: Wait until the object no longer exists.
        ignore_not_found: Succeed quietly when there is no such object.
        timeout: Seconds before giving up (the wait reports what it saw).

    Examples:
        >>> delete("pod/hello")  # doctest: +SKIP
        $ kubectl delete pod/hello -n lesson-pods
        pod "hello" deleted from lesson-pods namespace
    """
    kind, name = object_ref(kind, name)
    context = require_course_context()
    ns = effective_namespace(namespace)
    args = ["kubectl", "delete", f"{kind}/{name}", *_namespace_flag(kind, ns)]
    if not wait:
        args.append("--wait=false")
    if ignore_not_found:
        args.append("--ignore-not-found")
    echo(args)
    fix = f"check the type and the name with `kubectl get {kind} -n {ns}`"
    proc = run(_in_context([*args, "--wait=false"] if wait else args, context), timeout=timeout, fix=fix)
    if wait:
        _wait_for(kind, name, "delete", ns, timeout)
    return Text(proc.stdout.strip())


def _frame(table: str) -> pd.DataFrame:
    import pandas as pd

    frames = []
    for block in re.split(r"\n\s*\n", table.strip()):
        header, *rows = block.splitlines()
        # kubectl pads columns with at least three spaces; headers such as "LAST SEEN" have one.
        starts = [m.start() for m in re.finditer(r"(?:^|(?<=\s\s))\S", header)]
        bounds = list(zip(starts, [*starts[1:], None], strict=True))
        columns = [header[a:b].strip() for a, b in bounds]
        frame = pd.DataFrame([[row[a:b].strip() for a, b in bounds] for row in rows], columns=columns)
        for column in frame.columns:
            if len(frame) and frame[column].str.fullmatch(r"\d+").all():
                frame[column] = frame[column].astype(int)
        frames.append(frame)
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def get(
    kind: str,
    name: str | None = None,
    *,
    namespace: str | None = None,
    selector: str | None = None,
    as_frame: bool = False,
    timeout: float = 60,
) -> Text | pd.DataFrame:
    """List objects, as `kubectl get` does: the same table, or a pandas DataFrame.

    Args:
        kind: The kind, as kubectl takes it (``pods``, ``deploy``, ``pods,services``).
        name: One object's name; None lists all.
        namespace: The namespace (default: the lesson's).
        selector: A label selector, such as ``"app=web"`` or ``"tier in (a,b)"``.
        as_frame: Return a DataFrame with kubectl's columns; all-digit columns become ints.
        timeout: Seconds before giving up.

    Examples:
        >>> get("pods")  # doctest: +SKIP
        $ kubectl get pods -n lesson-pods
        NAME    READY   STATUS    RESTARTS   AGE
        hello   1/1     Running   0          12s
        >>> get("pods", as_frame=True)["STATUS"].tolist()  # doctest: +SKIP
        ['Running']
    """
    ns = effective_namespace(namespace)
    args = ["kubectl", "get", kind, *([name] if name else []), *_namespace_flag(kind, ns)]
    if selector:
        args += ["-l", selector]
    echo(args)
    fix = f"check the type with `kubectl api-resources`, the name with `kubectl get {kind}`"
    proc = run(args, timeout=timeout, fix=fix)
    if as_frame:
        import pandas as pd

        return _frame(proc.stdout) if proc.stdout.strip() else pd.DataFrame()
    # "No resources found in ... namespace." goes to stderr; show it as kubectl does.
    return Text(proc.stdout.rstrip() or proc.stderr.strip())


def logs(
    name: str,
    *,
    namespace: str | None = None,
    container: str | None = None,
    previous: bool = False,
    tail: int | None = None,
    timeout: float = 60,
) -> Text:
    """Return what a container printed, as `kubectl logs` does.

    Args:
        name: A Pod, or ``deployment/<name>`` / ``job/<name>`` for one of their Pods.
        namespace: The namespace (default: the lesson's).
        container: The container, when the Pod has several.
        previous: The logs of the previous run of a restarted container (after a crash).
        tail: Only the last `tail` lines.
        timeout: Seconds before giving up.

    Examples:
        >>> logs("hello", tail=1)  # doctest: +SKIP
        $ kubectl logs hello -n lesson-pods --tail=1
        hi
    """
    ns = effective_namespace(namespace)
    args = ["kubectl", "logs", name, "-n", ns]
    if container:
        args += ["-c", container]
    if previous:
        args.append("--previous")
    if tail is not None:
        args.append(f"--tail={tail}")
    echo(args)
    proc = run(args, timeout=timeout, check=False)
    if proc.returncode == 0 and not proc.stdout and _ended_just_now(name, ns):
        for _ in range(3):  # its last output may still be on the way to its log: read again
            time.sleep(1)
            proc = run(args, timeout=timeout, check=False)
            if proc.returncode != 0 or proc.stdout:
                break
    if proc.returncode != 0:
        # kubectl names the Pod it picked for a Deployment or a Job; its events say why it waits.
        picked = re.search(r'in pod "([^"]+)"', proc.stderr)
        pod = f"pod/{picked.group(1)}" if picked else name if "/" in name else f"pod/{name}"
        fix = (
            "a container that has not started has no logs yet: look at its Pod's events "
            f"(`kubectl events -n {ns} --for {pod}`), or wait for it first"
        )
        raise CommandError(args, proc.returncode, proc.stderr or proc.stdout, fix=fix)
    return Text(proc.stdout.rstrip("\n"))


def _ended_just_now(pod: str, namespace: str, within: float = 10) -> bool:
    """Whether a container of Pod `pod` ended less than `within` seconds ago (False for ``kind/name`` or no Pod)."""
    if "/" in pod:
        return False
    try:
        status = client.CoreV1Api(api_client()).read_namespaced_pod(pod, namespace, _request_timeout=10).status
    except ApiException:
        return False
    ended = [s.state.terminated.finished_at for s in status.container_statuses or [] if s.state.terminated]
    return any(time.time() - at.timestamp() < within for at in ended if at)


def events(*, namespace: str | None = None, for_: str | None = None, timeout: float = 60) -> Text:
    """Return the namespace's recent events, oldest first, as `kubectl events` does.

    Args:
        namespace: The namespace (default: the lesson's).
        for_: Only the events of one object, as ``kind/name`` (``pod/hello``).
        timeout: Seconds before giving up.

    Examples:
        >>> events(for_="pod/hello")  # doctest: +SKIP
        $ kubectl events -n lesson-pods --for pod/hello
        LAST SEEN   TYPE     REASON      OBJECT      MESSAGE
        5s          Normal   Scheduled   Pod/hello   Successfully assigned lesson-pods/hello to ...
    """
    ns = effective_namespace(namespace)
    args = ["kubectl", "events", "-n", ns]
    if for_:
        args += ["--for", for_]
    echo(args)
    proc = run(args, timeout=timeout)
    return Text(proc.stdout.rstrip() or proc.stderr.strip())


def exec(
    pod: str,
    command: list[str],
    *,
    namespace: str | None = None,
    container: str | None = None,
    timeout: float = 60,
) -> Text:
    """Run a command inside a running container and return its output, as `kubectl exec`.

    Args:
        pod: The Pod (or ``deployment/<name>``).
        command: The program and its arguments, as a list.
        namespace: The namespace (default: the lesson's).
        container: The container, when the Pod has several.
        timeout: Seconds before giving up.

    Raises:
        CommandError: when the command fails, with its exit code and stderr.

    Examples:
        >>> exec("hello", ["cat", "/etc/hostname"])  # doctest: +SKIP
        $ kubectl exec hello -n lesson-pods -- cat /etc/hostname
        hello
    """
    context = require_course_context()
    ns = effective_namespace(namespace)
    args = ["kubectl", "exec", pod, "-n", ns]
    if container:
        args += ["-c", container]
    args += ["--", *command]
    echo(args)
    proc = run(_in_context(args, context), timeout=timeout, fix="the Pod must be Running and have that program")
    return Text(proc.stdout.rstrip("\n"))


# ---------------------------------------------------------------------------- wait

Condition = Callable[[dict[str, Any] | None], bool]

_STATUS_FIELDS = (
    "phase", "reason", "message", "replicas", "readyReplicas", "availableReplicas",
    "updatedReplicas", "unavailableReplicas", "active", "succeeded", "failed",
)  # fmt: skip


@functools.lru_cache(maxsize=4)
def _dynamic(api: client.ApiClient) -> DynamicClient:
    return DynamicClient(api)


def _resource(kind: str) -> Resource:
    wanted, _, group = kind.lower().partition(".")
    discovery = _dynamic(api_client()).resources
    for attempt in range(2):
        if attempt:  # a kind added since discovery was cached (a chart's CRD, say)
            discovery.invalidate_cache()
        matches = [
            r
            for r in discovery.search()
            if not isinstance(r, ResourceList)
            and "/" not in r.name
            and (not group or r.group == group)
            and wanted in (r.name, r.singular_name, r.kind.lower(), *(r.short_names or []))
        ]
        if matches:
            # Prefer the core group, then the group's preferred version (as kubectl does).
            return sorted(matches, key=lambda r: (r.group != "", not r.preferred))[0]
    raise KdsError(f"The cluster knows no kind {kind!r}.", fix="list kinds with `kubectl api-resources`")


def _field(obj: Any, path: str) -> Any:
    for part in re.findall(r"[^.\[\]]+|\[\d+\]", path):
        if part.startswith("["):
            index = int(part[1:-1])
            obj = obj[index] if isinstance(obj, list) and index < len(obj) else None
        else:
            obj = obj.get(part) if isinstance(obj, dict) else None
    return obj


def _text(value: Any) -> str:
    return str(value).lower() if isinstance(value, bool) else str(value)


def _has_condition(obj: dict[str, Any] | None, kind: str, status: str = "True") -> bool:
    conditions = _field(obj, "status.conditions") or []
    return any(c.get("type", "").lower() == kind.lower() and c.get("status") == status for c in conditions)


def _job_complete(obj: dict[str, Any] | None) -> bool:
    for cond in _field(obj, "status.conditions") or []:
        if cond.get("type") == "Failed" and cond.get("status") == "True":
            name = _field(obj, "metadata.name")
            raise KdsError(
                f"Job {name} failed: {cond.get('reason')}: {cond.get('message')}",
                fix=f"read its Pods' logs: logs('job/{name}'), and events()",
            )
    return _has_condition(obj, "Complete")


#: The phases a Pod never leaves.
_ENDED = ("Succeeded", "Failed")


def _pod_phase(expected: str) -> Condition:
    """The test for a Pod's phase; it stops the wait when the Pod ended in another phase."""

    def holds(obj: dict[str, Any] | None) -> bool:
        phase = _field(obj, "status.phase")
        if obj is not None and phase in _ENDED and phase != expected:
            name, ns = obj["metadata"]["name"], obj["metadata"]["namespace"]
            raise KdsError(
                f"Pod {name} ended {phase}, so it will never be {expected}: a Pod that "
                f"ended stays as it is.\n{_exits(obj)}{_log_tail(name, ns)}",
                fix=f"read its whole log (`kubectl logs {name} -n {ns}`) and events "
                f"(`kubectl events -n {ns} --for pod/{name}`); delete the Pod and create it again to rerun it",
            )
        return phase == expected

    return holds


def _exits(obj: dict[str, Any]) -> str:
    """One line per container that ended: its exit code and reason."""
    lines = []
    for cs in _field(obj, "status.containerStatuses") or []:
        ended = (cs.get("state") or {}).get("terminated")
        if ended:
            lines.append(f"container {cs['name']} exited with code {ended.get('exitCode')} ({ended.get('reason')})")
    return "\n".join(lines)


def _log_tail(pod: str, namespace: str, lines: int = 5) -> str:
    """The last lines a Pod printed, indented, for an error message ('' when there are none)."""
    try:
        with quietly():
            text = logs(pod, namespace=namespace, tail=lines, timeout=15)
    except KdsError:
        return ""
    return "\nIts log ends with:\n  " + "\n  ".join(text.splitlines()) if text else "\nIts log is empty."


def _rolled_out(obj: dict[str, Any] | None, kind: str) -> bool:
    if obj is None:
        return False
    status, spec = obj.get("status") or {}, obj.get("spec") or {}
    if status.get("observedGeneration", 0) < obj["metadata"].get("generation", 0):
        return False
    wanted = spec.get("replicas", 1)
    if kind == "Deployment":
        if _has_condition(obj, "Progressing", "False"):
            raise KdsError(
                f"Deployment {obj['metadata']['name']} stopped progressing: {_describe(obj)}",
                fix="look at its Pods: get('pods') and events()",
            )
        return (
            status.get("updatedReplicas", 0) == wanted
            and status.get("replicas", 0) == wanted
            and status.get("availableReplicas", 0) == wanted
        )
    return (
        status.get("readyReplicas", 0) == wanted
        and status.get("updatedReplicas", 0) == wanted
        and status.get("currentRevision") == status.get("updateRevision")
    )


#: What kubectl's own ``--for`` does not take, and what to write instead.
_NOT_KUBECTL = {
    "phase": "jsonpath={.status.phase}=Running",
    "complete": "condition=Complete",
    "rollout": "rollout_status('deployment/NAME'), as `kubectl rollout status deployment/NAME`",
}
_ROLLOUT = "rollout"  # the internal test behind rollout_status(), not a --for form


def _condition(for_: str, kind: str) -> Condition:
    """Turn a kubectl ``--for`` value into a test on the object (None: absent).

    The forms are kubectl's: ``delete``, ``create``, ``condition=NAME[=VALUE]`` and
    ``jsonpath={PATH}[=VALUE]`` (the braces may sit in single quotes, as at a shell).
    """
    key, _, value = for_.partition("=")
    if for_ == "delete":
        return lambda obj: obj is None
    if for_ == "create":
        return lambda obj: obj is not None
    if key == "condition" and value:
        name, _, status = value.partition("=")
        if kind == "Job" and name.lower() == "complete" and status in ("", "True"):
            return _job_complete
        return lambda obj: _has_condition(obj, name, status or "True")
    if key == "jsonpath" and value.lstrip("'").startswith("{") and "}" in value:
        path, _, expected = value.lstrip("'")[1:].partition("}")
        expected = expected.removeprefix("'").removeprefix("=")
        if kind == "Pod" and path.strip(".") == "status.phase" and expected:
            return _pod_phase(expected)

        def holds(obj: dict[str, Any] | None) -> bool:
            found = _field(obj, path.lstrip("."))
            return found not in (None, "", [], {}) and (not expected or _text(found) == expected)

        return holds
    instead = _NOT_KUBECTL.get(key.strip().lower())
    raise KdsError(
        f"wait does not understand for_={for_!r}: it takes kubectl's own --for forms.",
        fix=f"write {instead}" if instead else "use 'condition=Ready', 'condition=Complete', "
        "'jsonpath={.status.phase}=Succeeded', 'create' or 'delete', as `kubectl wait --for=...` takes them",
    )


def _describe(obj: dict[str, Any] | None) -> str:
    if obj is None:
        return "it does not exist"
    status = obj.get("status") or {}
    parts = [f"{key}={status[key]}" for key in _STATUS_FIELDS if key in status]
    for cond in status.get("conditions") or []:
        why = ": ".join(filter(None, [cond.get("reason"), cond.get("message")]))
        parts.append(f"{cond.get('type')}={cond.get('status')}" + (f" ({why})" if why else ""))
    for cs in status.get("initContainerStatuses", []) + status.get("containerStatuses", []):
        for state, detail in (cs.get("state") or {}).items():
            why = ": ".join(filter(None, [detail.get("reason"), detail.get("message")]))
            parts.append(f"container {cs['name']} {state}" + (f" ({why})" if why else ""))
    return "; ".join(parts) or "no status reported yet"


def _recent_events(res: Resource, name: str, ns: str | None, obj: dict[str, Any] | None) -> str:
    if ns is None:
        return ""
    workload = _field(obj, "spec.template") is not None
    try:
        with quietly():
            table = events(namespace=ns, for_=None if workload else f"{res.kind.lower()}/{name}", timeout=15)
    except KdsError as exc:
        return f"\nEvents could not be read: {exc.message}"
    lines = table.splitlines()
    if len(lines) < 2:
        return f"\nEvents: {table or 'none'}"
    return "\nLast events:\n  " + "\n  ".join([lines[0], *lines[1:][-8:]])


def _wait_for(kind: str, name: str, for_: str, namespace: str, timeout: float) -> Text:
    res = _resource(kind)
    ns = namespace if res.namespaced else None
    test = (lambda obj: _rolled_out(obj, res.kind)) if for_ == _ROLLOUT else _condition(for_, res.kind)
    label = f"{res.kind.lower()}{'.' + res.group if res.group else ''}/{name}"
    deadline = time.monotonic() + timeout
    selector = f"metadata.name={name}"
    obj: dict[str, Any] | None = None
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            found = res.get(namespace=ns, field_selector=selector, _request_timeout=min(remaining, 30))
        except urllib3.exceptions.HTTPError:
            time.sleep(1)  # the API server is restarting: try again until the deadline
            continue
        listing = found.to_dict()
        obj = listing["items"][0] if listing["items"] else None
        if test(obj):
            return Text(f"{label} condition met")
        stream = watch.Watch().stream(
            res.get,
            namespace=ns,
            field_selector=selector,
            resource_version=listing["metadata"]["resourceVersion"],
            serialize=False,
            timeout_seconds=max(1, int(remaining)),
            _request_timeout=remaining + 5,
        )
        try:
            for event in stream:
                obj = None if event["type"] == "DELETED" else event["raw_object"]
                if test(obj):
                    return Text(f"{label} condition met")
        except ApiException as exc:
            if exc.status != 410:  # 410 Gone: the watch fell too far behind; list again
                raise
        except urllib3.exceptions.HTTPError:
            time.sleep(1)  # the API server closed the stream (a restart): list again until the deadline
    where = f" -n {ns}" if ns else ""
    raise WaitTimeout(
        f"Timed out after {timeout:g} s waiting for {label}{where} to reach {for_}.\n"
        f"Last seen: {_describe(obj)}{_recent_events(res, name, ns, obj)}",
        fix=f"see why with `kubectl describe {res.kind.lower()} {name}{where}`; "
        "if it is only slow, wait again with a larger timeout=",
    )


def wait(
    kind: str, name: str | None = None, *, for_: str, namespace: str | None = None, timeout: float = 120
) -> Text:
    """Wait until an object reaches a state, as `kubectl wait --for=...` does.

    It prints the kubectl command, then watches the object (no polling) and returns the
    moment the state holds; an object that does not exist yet is waited for. Two differences
    from kubectl: waiting for a Job's ``condition=Complete`` stops at once when the Job fails,
    and waiting for a Pod's phase stops at once when the Pod ended in the other one
    (``Failed`` instead of ``Succeeded``), with its exit code and the end of its log.

    Args:
        kind: The type (``pod``, ``deploy``, ``job``...), or the object as ``TYPE/NAME``.
        name: The object's name, when `kind` is the type alone.
        for_: kubectl's ``--for`` value: ``"condition=Ready"`` (any condition, optionally
            ``=False``), ``"jsonpath={.status.phase}=Succeeded"`` (or just
            ``"jsonpath={.status.podIP}"``: set and not empty), ``"create"`` or ``"delete"``.
        namespace: The namespace (default: the lesson's).
        timeout: Seconds before giving up.

    Returns:
        ``<kind>/<name> condition met``.

    Raises:
        WaitTimeout: with the object's last status and its last events.
        KdsError: when the state can no longer come (a failed Job, a Pod that ended).

    Examples:
        >>> wait("pod/hello", for_="condition=Ready")  # doctest: +SKIP
        $ kubectl wait pod/hello --for=condition=Ready -n lesson-pods --timeout=120s
        pod/hello condition met
        >>> wait("job", "train", for_="condition=Complete", timeout=300)  # doctest: +SKIP
        $ kubectl wait job/train --for=condition=Complete -n lesson-jobs --timeout=300s
        job.batch/train condition met
    """
    kind, name = object_ref(kind, name)
    ns = effective_namespace(namespace)
    _condition(for_, "")  # refuse a form kubectl does not take before printing it
    echo(["kubectl", "wait", f"{kind}/{name}", f"--for={for_}", *_namespace_flag(kind, ns), f"--timeout={timeout:g}s"])
    return _wait_for(kind, name, for_, ns, timeout)


def rollout_status(
    kind: str, name: str | None = None, *, namespace: str | None = None, timeout: float = 180
) -> Text:
    """Wait until a Deployment (or StatefulSet) runs its newest version, as `kubectl rollout status`.

    Every replica is updated and available; a rollout that stops progressing fails at once,
    with what the cluster said.

    Args:
        kind: ``deployment/NAME`` (or the type alone, with `name`).
        name: The object's name, when `kind` is the type alone.
        namespace: The namespace (default: the lesson's).
        timeout: Seconds before giving up.

    Returns:
        kubectl's words: ``deployment "web" successfully rolled out``.

    Examples:
        >>> rollout_status("deployment/web")  # doctest: +SKIP
        $ kubectl rollout status deployment/web -n lesson-deployments --timeout=180s
        deployment "web" successfully rolled out
    """
    kind, name = object_ref(kind, name)
    ns = effective_namespace(namespace)
    echo(["kubectl", "rollout", "status", f"{kind}/{name}", "-n", ns, f"--timeout={timeout:g}s"])
    _wait_for(kind, name, _ROLLOUT, ns, timeout)
    return Text(f'{_resource(kind).kind.lower()} "{name}" successfully rolled out')


# -------------------------------------------------------------------- port-forward


def _launch(args: list[str], timeout: float) -> tuple[subprocess.Popen[str], int, queue.Queue[str | None]]:
    """Start `kubectl port-forward`; return it, its local port, and its output (None at exit)."""
    # A process that runs in the background cannot go through `run`, which waits for its end.
    proc = subprocess.Popen(
        [find_tool("kubectl"), *args[1:]],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
    )
    lines: queue.Queue[str | None] = queue.Queue()

    def pump() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=pump, daemon=True).start()
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            _stop(proc)
            raise CommandError(args, -1, "".join(seen) + f"not forwarding after {timeout:g} s") from None
        if line is None:
            raise CommandError(
                args, proc.wait(), "".join(seen), fix="the target must exist and run: see get('pods') and events()"
            )
        seen.append(line)
        ready = re.match(r"Forwarding from 127\.0\.0\.1:(\d+)", line)
        if ready:
            return proc, int(ready.group(1)), lines


def _stop(proc: subprocess.Popen[str]) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def port_forward(
    target: str,
    remote_port: int,
    *,
    local_port: int | None = None,
    namespace: str | None = None,
    timeout: float = 30,
) -> Iterator[str]:
    """Forward a local port to a Pod or Service while the `with` block runs.

    Prints and runs `kubectl port-forward` in the background, like a second terminal would
    (``:80`` lets kubectl pick a free local port). kubectl
    gives up after the first connection that fails (for example, to a server that is still
    starting); this helper then starts it again on the same port, so the URL keeps working.

    Args:
        target: ``<pod>``, ``svc/<name>`` or ``deployment/<name>``.
        remote_port: The port inside the cluster.
        local_port: The port on this machine; None picks a free one.
        namespace: The namespace (default: the lesson's).
        timeout: Seconds to wait for the forward to be ready.

    Yields:
        The local URL, such as ``http://127.0.0.1:8080``.

    Raises:
        KdsError: when `local_port` is already in use.
        CommandError: when kubectl cannot forward (for example, the Pod does not exist).

    Examples:
        >>> import urllib.request
        >>> with port_forward("svc/web", 80) as url:  # doctest: +SKIP
        ...     print(urllib.request.urlopen(url).status)
        200
    """
    ns = effective_namespace(namespace)
    if local_port is not None and port_in_use(local_port, ("127.0.0.1",)):
        raise KdsError(
            f"Local port {local_port} is already in use (another port_forward or program listens on it).",
            fix="pick another local_port=, or leave it out to get a free one",
        )

    def command(port: int | None) -> list[str]:
        return ["kubectl", "port-forward", target, f"{port or ''}:{remote_port}", "-n", ns, "--address", "127.0.0.1"]

    echo(command(local_port)[:-2], "runs in the background while the with-block runs")
    proc, port, lines = _launch(command(local_port), timeout)
    current = {"proc": proc}
    lock = threading.Lock()
    stopping = threading.Event()

    def keep_alive(lines: queue.Queue[str | None]) -> None:
        while True:
            while lines.get() is not None:  # drain kubectl's output until it exits
                pass
            while not stopping.wait(1.0):  # restart it, once a second until it forwards again
                try:
                    proc, _, lines = _launch(command(port), timeout)
                except KdsError:
                    continue
                with lock:
                    if stopping.is_set():
                        _stop(proc)
                        return
                    current["proc"] = proc
                break
            else:
                return

    keeper = threading.Thread(target=keep_alive, args=(lines,), daemon=True)
    keeper.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stopping.set()
        with lock:
            _stop(current["proc"])
        keeper.join(timeout=timeout + 10)


# ------------------------------------------------------------------- kubectl, helm

_KUBECTL_READ_ONLY = {
    "get", "describe", "logs", "events", "explain", "top", "wait", "diff", "port-forward",
    "version", "api-resources", "api-versions", "cluster-info", "config", "completion", "help",
    "options", "plugin", "kustomize",
}  # fmt: skip
_KUBECTL_NO_NAMESPACE = {
    "config", "version", "api-resources", "api-versions", "cluster-info", "completion", "help",
    "options", "plugin", "kustomize", "explain", "cordon", "uncordon", "drain", "taint", "certificate",
}  # fmt: skip
_HELM_READ_ONLY = {
    "list", "ls", "status", "get", "show", "search", "repo", "version", "template", "history",
    "env", "lint", "help", "completion", "dependency", "pull", "package", "verify", "plugin",
    "create", "registry",
}  # fmt: skip
_HELM_NO_NAMESPACE = {
    "search", "repo", "version", "env", "lint", "help", "completion", "dependency", "pull",
    "package", "verify", "plugin", "create", "registry", "show",
}  # fmt: skip
_CLUSTER_SCOPED = {
    "node", "nodes", "no", "namespace", "namespaces", "ns", "pv", "persistentvolume",
    "persistentvolumes", "storageclass", "storageclasses", "sc", "clusterrole", "clusterroles",
    "clusterrolebinding", "clusterrolebindings", "crd", "crds", "customresourcedefinition",
    "customresourcedefinitions", "priorityclass", "priorityclasses", "pc", "ingressclass",
    "ingressclasses", "csidriver", "csidrivers", "csinode", "csinodes",
}  # fmt: skip


def _with_namespace(args: tuple[str, ...], no_namespace_verbs: set[str]) -> list[str]:
    """Add ``-n <lesson namespace>`` where the learner would type it, before any ``--``."""
    ns = default_namespace()
    cut = args.index("--") if "--" in args else len(args)
    own = args[:cut]  # what follows `--` is the container's command, not kubectl's flags
    kinds = [word.split("/")[0].split(".")[0] for word in own[1].lower().split(",")] if len(own) > 1 else []
    if (
        ns is None
        or not own
        or own[0] in no_namespace_verbs
        or any(a.split("=")[0] in ("-n", "--namespace", "-A", "--all-namespaces", "--raw") for a in own)
        or any(kind in _CLUSTER_SCOPED for kind in kinds)
    ):
        return list(args)
    return [*own, "-n", ns, *args[cut:]]


def _cli(tool: str, args: tuple[str, ...], read_only: set[str], no_namespace: set[str], timeout: float) -> Text:
    verb = next((a for a in args if not a.startswith("-")), "")
    if verb not in read_only:
        require_course_context()
    full = [tool, *_with_namespace(args, no_namespace)]
    print(f"$ {shlex.join(full)}")
    # Exit code 1 is an answer, for shell scripts, from `kubectl auth can-i` ("no") and from
    # `kubectl diff` ("differences found", as Unix diff says it); higher codes are failures.
    can_i = tool == "kubectl" and args[:2] == ("auth", "can-i")
    diff = tool == "kubectl" and verb == "diff"
    # `helm lint` writes its findings to stdout and only the count of failed charts to stderr.
    report = (tool, verb) == ("helm", "lint")
    proc = run(full, timeout=timeout, check=not (can_i or diff or report))
    answered = proc.returncode == 0 or (proc.returncode == 1 and (diff or proc.stdout.strip() == "no"))
    if not answered:
        raise CommandError(full, proc.returncode, proc.stdout + proc.stderr if report else proc.stderr or proc.stdout)
    if proc.stderr.strip():
        print(without_log_prefix(proc.stderr.rstrip()), file=sys.stderr)
    return Text(proc.stdout.rstrip("\n"))


# How Go programs (helm) print the API server's warnings: `I1202 02:36:23.812298   22945
# warnings.go:107] "Warning: ..."`, with a time and a process id that say nothing to a reader.
_LOG_PREFIX = re.compile(r'^[IWE]\d{4} \d\d:\d\d:\d\d\.\d+\s+\d+ [\w.]+:\d+\] "(.*)"$', re.M)


def without_log_prefix(text: str) -> str:
    """Drop the time, process id and source line Go's log puts before a warning (pure).

    Examples:
        >>> without_log_prefix('I1202 02:36:23.812298   22945 warnings.go:107] "Warning: unknown field"')
        'Warning: unknown field'
    """
    return _LOG_PREFIX.sub(lambda m: m.group(1).replace('\\"', '"'), text)


def installed_releases(namespace: str, context: str) -> list[str]:
    """Return the names of the Helm releases in `namespace`, in any status (Helm 4 lists them all).

    Empty when Helm is not installed. `kds reset` and `Lesson.cleanup` uninstall them before
    deleting the namespace, so that what a chart made outside it (a ClusterRole, say) goes too.
    """
    try:
        listed = run(["helm", "list", "--short", "--namespace", namespace, "--kube-context", context],
                     timeout=60)  # fmt: skip
    except ToolMissing:
        return []
    return listed.stdout.split()


def kubectl(*args: str, timeout: float = 300) -> Text:
    """Run kubectl, print the command as you would type it, and return its output.

    Inside a lesson, ``-n <lesson namespace>`` is added unless you name a namespace (or the
    command is not about namespaced objects). Commands that change the cluster pass the
    context guard first. `kubectl auth can-i` answering "no" and `kubectl diff` finding
    differences exit with code 1; both return their answer instead of raising.

    Args:
        *args: kubectl's arguments, one per string.
        timeout: Seconds before giving up.

    Examples:
        >>> kubectl("get", "pods")  # doctest: +SKIP
        $ kubectl get pods -n lesson-pods
        NAME    READY   STATUS    RESTARTS   AGE
        hello   1/1     Running   0          12s
    """
    return _cli("kubectl", args, _KUBECTL_READ_ONLY, _KUBECTL_NO_NAMESPACE, timeout)


def helm(*args: str, timeout: float = 600) -> Text:
    """Run helm, print the command as you would type it, and return its output.

    Inside a lesson, ``-n <lesson namespace>`` is added unless you name a namespace.
    Commands that change the cluster (install, upgrade, uninstall...) pass the context guard.

    Args:
        *args: helm's arguments, one per string.
        timeout: Seconds before giving up.

    Examples:
        >>> helm("list")  # doctest: +SKIP
        $ helm list -n lesson-helm
        NAME    NAMESPACE     REVISION  UPDATED  STATUS    CHART        APP VERSION
    """
    return _cli("helm", args, _HELM_READ_ONLY, _HELM_NO_NAMESPACE, timeout)
