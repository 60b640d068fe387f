"""Live views of a namespace, with a plain-text fallback.

`watch()` shows the Pods and Deployments of a namespace and updates the view from the watch
API as they change, like `kubectl get pods -w` in a second terminal. Where no widget
frontend is listening (plain Python, nbval or nbclient runs, the rendered book) it prints a
plain-text snapshot instead, so stored notebook outputs stay readable.
"""

from __future__ import annotations

import datetime as dt
import html
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from kubernetes import client
from kubernetes import watch as kwatch
from urllib3.exceptions import HTTPError

from kdsutils.kube import api_client, effective_namespace

_POD_HEADERS = ("NAME", "READY", "STATUS", "RESTARTS", "AGE")
_DEPLOYMENT_HEADERS = ("NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE")


def _age(created: dt.datetime | None, now: dt.datetime) -> str:
    if created is None:
        return "<unknown>"
    seconds = max(0, int((now - created).total_seconds()))
    for size, unit, limit in ((1, "s", 120), (60, "m", 180), (3600, "h", 48)):
        if seconds < limit * size:
            return f"{seconds // size}{unit}"
    return f"{seconds // 86400}d"


def _pod_status(pod: client.V1Pod) -> str:
    """Return a Pod's STATUS as `kubectl get pods` shows it (``Running``, ``CrashLoopBackOff``...)."""
    if pod.metadata is not None and pod.metadata.deletion_timestamp is not None:
        return "Terminating"
    status = pod.status or client.V1PodStatus()
    shown = status.reason or status.phase or "Unknown"
    for cs in status.container_statuses or []:
        state = cs.state or client.V1ContainerState()
        if state.waiting is not None and state.waiting.reason:
            shown = state.waiting.reason
        elif state.terminated is not None:
            shown = state.terminated.reason or f"ExitCode:{state.terminated.exit_code}"
    return shown


def _pod_row(pod: client.V1Pod, now: dt.datetime) -> list[str]:
    statuses = pod.status.container_statuses or []
    return [
        f"pod/{pod.metadata.name}",
        f"{sum(1 for cs in statuses if cs.ready)}/{len(pod.spec.containers)}",
        _pod_status(pod),
        str(sum(cs.restart_count for cs in statuses)),
        _age(pod.metadata.creation_timestamp, now),
    ]


def _deployment_row(deploy: client.V1Deployment, now: dt.datetime) -> list[str]:
    status = deploy.status
    return [
        f"deployment.apps/{deploy.metadata.name}",
        f"{status.ready_replicas or 0}/{deploy.spec.replicas}",
        str(status.updated_replicas or 0),
        str(status.available_replicas or 0),
        _age(deploy.metadata.creation_timestamp, now),
    ]


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(cell) for cell in column) for column in zip(headers, *rows, strict=True)]
    lines = [
        "   ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [headers, *rows]
    ]
    return "\n".join(lines)


def _render(
    namespace: str,
    pods: Sequence[client.V1Pod],
    deployments: Sequence[client.V1Deployment],
    now: dt.datetime | None = None,
) -> str:
    """Return the text view, laid out as `kubectl get pods,deployments` lays it out."""
    now = now or dt.datetime.now(dt.UTC)
    parts = []
    for what, headers, items, row in (
        ("pods", _POD_HEADERS, pods, _pod_row),
        ("deployments", _DEPLOYMENT_HEADERS, deployments, _deployment_row),
    ):
        ordered = sorted(items, key=lambda item: item.metadata.name)
        if ordered:
            parts.append(_table(headers, [row(item, now) for item in ordered]))
        else:
            parts.append(f"No {what} in namespace {namespace}.")
    return "\n\n".join(parts)


def _has_widget_frontend() -> bool:
    """Tell whether a live widget view would be seen by someone.

    ``KDS_PLAIN=1`` forces text and ``KDS_PLAIN=0`` forces widgets. Otherwise widgets need an
    IPython kernel whose client is interactive: JupyterLab allows input (`input()`) in the
    running cell, while nbval and nbclient executions do not.
    """
    forced = os.environ.get("KDS_PLAIN")
    if forced == "1":
        return False
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    kernel = getattr(get_ipython(), "kernel", None)
    if kernel is None:
        return False
    return forced == "0" or bool(getattr(kernel, "_allow_stdin", False))


class _LiveView:
    """Two watches (Pods, Deployments) feeding one HTML widget until a deadline."""

    def __init__(self, namespace: str, seconds: float) -> None:
        import ipywidgets

        self.namespace = namespace
        self.seconds = seconds
        self.deadline = time.monotonic() + seconds
        self.objects: dict[str, dict[str, Any]] = {"pods": {}, "deployments": {}}
        self.problems: list[str] = []
        self.lock = threading.Lock()
        self.widget = ipywidgets.HTML()

    def show(self, footer: str) -> None:
        with self.lock:
            pods, deployments = (list(self.objects[what].values()) for what in ("pods", "deployments"))
            text = _render(self.namespace, pods, deployments)
            problems = "".join(f"<br><b>Stopped watching</b>: {html.escape(p)}" for p in self.problems)
        self.widget.value = (
            f"<b>Namespace {html.escape(self.namespace)}</b> · {html.escape(footer)}"
            f"<pre>{html.escape(text)}</pre>{problems}"
        )

    def follow(self, what: str, list_func: Callable[..., Any]) -> None:
        stream = kwatch.Watch()
        try:
            for event in stream.stream(
                list_func,
                self.namespace,
                timeout_seconds=max(1, int(self.seconds)),
                _request_timeout=self.seconds + 10,
            ):
                obj = event["object"]
                with self.lock:
                    if event["type"] == "DELETED":
                        self.objects[what].pop(obj.metadata.name, None)
                    elif event["type"] in ("ADDED", "MODIFIED"):
                        self.objects[what][obj.metadata.name] = obj
                if time.monotonic() >= self.deadline:
                    break
        except (client.ApiException, HTTPError, OSError) as exc:
            with self.lock:
                self.problems.append(f"{what}: {type(exc).__name__}: {exc}")
        finally:
            stream.stop()

    def run(self) -> None:
        api = api_client()
        workers = [
            threading.Thread(target=self.follow, args=(what, func), daemon=True)
            for what, func in (
                ("pods", client.CoreV1Api(api).list_namespaced_pod),
                ("deployments", client.AppsV1Api(api).list_namespaced_deployment),
            )
        ]
        for worker in workers:
            worker.start()
        while any(worker.is_alive() for worker in workers):
            left = self.deadline - time.monotonic()
            self.show(f"live, {max(0, round(left))} s left")
            for worker in workers:
                worker.join(timeout=1.0)
        self.show(f"stopped after {self.seconds:g} s; run watch() again to follow longer")


def watch(namespace: str | None = None, *, seconds: float = 10) -> None:
    """Show the Pods and Deployments of a namespace, live, for `seconds` seconds.

    In JupyterLab the view updates in place as objects change, while you keep working in
    other cells; it stops by itself. Elsewhere (plain Python, test runs, the book) it
    prints one plain-text snapshot. Set ``KDS_PLAIN=1`` to always get text.

    Args:
        namespace: The namespace (default: the lesson's).
        seconds: How long the live view follows changes.

    Examples:
        >>> watch(seconds=30)  # doctest: +SKIP
        NAME                       READY   STATUS    RESTARTS   AGE
        pod/web-7c9f8d6b5d-2xk4q   1/1     Running   0          8s
        <BLANKLINE>
        NAME                  READY   UP-TO-DATE   AVAILABLE   AGE
        deployment.apps/web   1/1     1            1           8s
    """
    ns = effective_namespace(namespace)
    if not _has_widget_frontend():
        api = api_client()
        pods = client.CoreV1Api(api).list_namespaced_pod(ns, _request_timeout=30).items
        deployments = client.AppsV1Api(api).list_namespaced_deployment(ns, _request_timeout=30).items
        print(_render(ns, pods, deployments))
        return
    from IPython.display import display

    view = _LiveView(ns, seconds)
    display(view.widget)
    threading.Thread(target=view.run, daemon=True).start()
