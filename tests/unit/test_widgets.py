"""The watch view's text rendering and its choice between widgets and text."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from kubernetes import client

from kdsutils import widgets

NOW = dt.datetime.now(dt.UTC)


def _pod(
    name: str, *states: client.V1ContainerState, ready: bool = False, deleting: bool = False
) -> client.V1Pod:
    return client.V1Pod(
        metadata=client.V1ObjectMeta(
            name=name,
            creation_timestamp=NOW - dt.timedelta(seconds=75),
            deletion_timestamp=NOW if deleting else None,
        ),
        spec=client.V1PodSpec(containers=[client.V1Container(name=f"c{i}") for i in range(len(states))]),
        status=client.V1PodStatus(
            phase="Running" if ready else "Pending",
            container_statuses=[
                client.V1ContainerStatus(
                    name=f"c{i}", image="i", image_id="", ready=ready, restart_count=i * 2, state=state
                )
                for i, state in enumerate(states)
            ],
        ),
    )


RUNNING = client.V1ContainerState(running=client.V1ContainerStateRunning())
CRASHING = client.V1ContainerState(waiting=client.V1ContainerStateWaiting(reason="CrashLoopBackOff"))
DONE = client.V1ContainerState(terminated=client.V1ContainerStateTerminated(exit_code=0, reason="Completed"))
KILLED = client.V1ContainerState(terminated=client.V1ContainerStateTerminated(exit_code=137))


@pytest.mark.parametrize(
    ("pod", "status"),
    [
        (_pod("a", RUNNING, ready=True), "Running"),
        (_pod("b", RUNNING, CRASHING), "CrashLoopBackOff"),
        (_pod("c", DONE), "Completed"),
        (_pod("d", KILLED), "ExitCode:137"),
        (_pod("e", RUNNING, ready=True, deleting=True), "Terminating"),
        (
            client.V1Pod(metadata=client.V1ObjectMeta(name="f"), status=client.V1PodStatus(phase="Pending")),
            "Pending",
        ),
    ],
)
def test_pod_status_reads_as_in_kubectl(pod: client.V1Pod, status: str) -> None:
    assert widgets._pod_status(pod) == status


def test_text_view_lays_out_pods_and_deployments_like_kubectl() -> None:
    deploy = client.V1Deployment(
        metadata=client.V1ObjectMeta(name="web", creation_timestamp=NOW - dt.timedelta(hours=3)),
        spec=client.V1DeploymentSpec(
            replicas=2, selector=client.V1LabelSelector(), template=client.V1PodTemplateSpec()
        ),
        status=client.V1DeploymentStatus(ready_replicas=1, updated_replicas=2, available_replicas=1),
    )
    pods = [_pod("web-b", RUNNING, CRASHING), _pod("web-a", RUNNING, ready=True)]
    text = widgets._render("lesson-x", pods, [deploy], now=NOW)
    assert text.splitlines() == [
        "NAME        READY   STATUS             RESTARTS   AGE",
        "pod/web-a   1/1     Running            0          75s",
        "pod/web-b   0/2     CrashLoopBackOff   2          75s",
        "",
        "NAME                  READY   UP-TO-DATE   AVAILABLE   AGE",
        "deployment.apps/web   1/2     2            1           3h",
    ]


def test_empty_namespace_says_so() -> None:
    assert widgets._render("lesson-x", [], []) == (
        "No pods in namespace lesson-x.\n\nNo deployments in namespace lesson-x."
    )


def _kernel(monkeypatch: pytest.MonkeyPatch, *, allow_stdin: bool | None) -> None:
    shell = None if allow_stdin is None else SimpleNamespace(kernel=SimpleNamespace(_allow_stdin=allow_stdin))
    monkeypatch.setattr("IPython.get_ipython", lambda: shell)


@pytest.mark.parametrize(
    ("allow_stdin", "plain", "widgets_shown"),
    [
        (None, None, False),  # plain python
        (True, None, True),  # JupyterLab runs the cell
        (False, None, False),  # nbval / nbclient run the cell
        (True, "1", False),  # forced text
        (False, "0", True),  # forced widgets
    ],
)
def test_widgets_only_where_someone_sees_them(
    monkeypatch: pytest.MonkeyPatch, allow_stdin: bool | None, plain: str | None, widgets_shown: bool
) -> None:
    _kernel(monkeypatch, allow_stdin=allow_stdin)
    if plain is None:
        monkeypatch.delenv("KDS_PLAIN", raising=False)
    else:
        monkeypatch.setenv("KDS_PLAIN", plain)
    assert widgets._has_widget_frontend() is widgets_shown
