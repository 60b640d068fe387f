"""The verb helpers' pure parts: wait conditions, kubectl tables, the echoed command."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from kdsutils import kube
from kdsutils import resources as r
from kdsutils.errors import KdsError
from kdsutils.resources import _condition, _describe, _frame, _rolled_out, kubectl, object_ref, port_forward

POD_TABLE = """\
NAME                   READY   STATUS             RESTARTS      AGE
web-7c9f8d6b5d-2xk4q   1/1     Running            0             8s
train-8x2lm            0/1     CrashLoopBackOff   3 (12s ago)   2m
"""

EVENTS_TABLE = """\
LAST SEEN   TYPE      REASON      OBJECT      MESSAGE
12s         Normal    Scheduled   Pod/web     Successfully assigned lesson-pods/web to kds-control-plane
3s          Warning   BackOff     Pod/train   Back-off restarting failed container
"""


def test_table_becomes_a_frame_with_kubectls_columns() -> None:
    frame = _frame(POD_TABLE)
    assert list(frame.columns) == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert frame["STATUS"].tolist() == ["Running", "CrashLoopBackOff"]
    assert frame["RESTARTS"].tolist() == ["0", "3 (12s ago)"]


def test_headers_with_spaces_and_long_last_column_survive() -> None:
    frame = _frame(EVENTS_TABLE)
    assert list(frame.columns) == ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]
    assert frame.loc[1, "MESSAGE"] == "Back-off restarting failed container"


def test_all_digit_columns_become_numbers() -> None:
    frame = _frame("NAME       DATA   AGE\nsettings   2      5s\nempty      0      5s\n")
    assert frame["DATA"].tolist() == [2, 0]
    assert frame["AGE"].tolist() == ["5s", "5s"]


def _pod(phase: str = "Running", **status: Any) -> dict[str, Any]:
    return {"kind": "Pod", "metadata": {"name": "p", "generation": 1}, "status": {"phase": phase, **status}}


READY = [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}]


@pytest.mark.parametrize(
    ("for_", "obj", "holds"),
    [
        ("condition=Ready", _pod(conditions=READY), True),
        ("condition=ready", _pod(conditions=READY), True),
        ("condition=Ready", _pod(conditions=[{"type": "Ready", "status": "False"}]), False),
        ("condition=Ready=False", _pod(conditions=[{"type": "Ready", "status": "False"}]), True),
        ("condition=Ready", None, False),
        ("jsonpath={.status.phase}=Running", _pod(), True),
        ("jsonpath={.status.phase}=Succeeded", _pod(), False),
        ("jsonpath='{.status.phase}'=Running", _pod(), True),
        (
            "jsonpath={.status.containerStatuses[0].restartCount}=2",
            _pod(containerStatuses=[{"restartCount": 2}]),
            True,
        ),
        (
            "jsonpath={.status.containerStatuses[1].restartCount}=2",
            _pod(containerStatuses=[{"restartCount": 2}]),
            False,
        ),
        ("jsonpath={.status.podIP}", _pod(podIP="10.244.0.7"), True),
        ("jsonpath={.status.podIP}", _pod(), False),
        ("create", _pod(), True),
        ("create", None, False),
        ("delete", None, True),
        ("delete", _pod(), False),
    ],
)
def test_wait_conditions_read_the_object_as_kubectl_does(
    for_: str, obj: dict[str, Any] | None, holds: bool
) -> None:
    assert _condition(for_, "Pod")(obj) is holds


def _job(*conditions: tuple[str, str]) -> dict[str, Any]:
    return {
        "kind": "Job",
        "metadata": {"name": "train"},
        "status": {
            "conditions": [{"type": t, "status": "True", "reason": r, "message": "m"} for t, r in conditions]
        },
    }


def test_complete_waits_for_a_job_and_stops_at_once_when_it_fails() -> None:
    complete = _condition("condition=Complete", "Job")
    assert complete(_job()) is False
    assert complete(_job(("Complete", "Completed"))) is True
    with pytest.raises(KdsError, match="Job train failed: BackoffLimitExceeded"):
        complete(_job(("Failed", "BackoffLimitExceeded")))


def _deployment(wanted: int, generation: int = 2, observed: int = 2, **status: int) -> dict[str, Any]:
    return {
        "kind": "Deployment",
        "metadata": {"name": "web", "generation": generation},
        "spec": {"replicas": wanted},
        "status": {"observedGeneration": observed, **status},
    }


def test_rollout_needs_every_replica_updated_and_available() -> None:
    def rolled_out(obj: dict[str, Any]) -> bool:
        return _rolled_out(obj, "Deployment")

    assert rolled_out(_deployment(3, replicas=3, updatedReplicas=3, availableReplicas=3)) is True
    assert (
        rolled_out(_deployment(3, replicas=4, updatedReplicas=3, availableReplicas=3)) is False
    )  # old pod left
    assert rolled_out(_deployment(3, replicas=3, updatedReplicas=3, availableReplicas=2)) is False
    assert rolled_out(_deployment(3, observed=1, replicas=3, updatedReplicas=3, availableReplicas=3)) is False


def test_unknown_wait_condition_lists_the_accepted_ones() -> None:
    with pytest.raises(KdsError, match="condition=Ready") as caught:
        _condition("ready", "Pod")
    assert "kubectl wait --for" in caught.value.fix


@pytest.mark.parametrize(
    ("for_", "instead"),
    [
        ("phase=Running", "jsonpath={.status.phase}=Running"),
        ("complete", "condition=Complete"),
        ("rollout", "kubectl rollout status deployment/NAME"),
    ],
)
def test_forms_kubectl_does_not_take_are_refused_with_the_kubectl_form(for_: str, instead: str) -> None:
    with pytest.raises(KdsError, match="kubectl's own --for forms") as caught:
        _condition(for_, "Pod")
    assert instead in caught.value.fix


@pytest.mark.parametrize(
    ("args", "expected"),
    [(("pod/hello",), ("pod", "hello")), (("pod", "hello"), ("pod", "hello")), (("job.batch/x",), ("job.batch", "x"))],
)
def test_objects_are_named_as_kubectl_names_them(args: tuple[str, ...], expected: tuple[str, str]) -> None:
    assert object_ref(*args) == expected


@pytest.mark.parametrize("args", [("pod",), ("pod/",), ("pod", "pod/hello"), ("pod/a/b",)])
def test_a_name_kubectl_would_refuse_is_refused_with_both_forms(args: tuple[str, ...]) -> None:
    with pytest.raises(KdsError) as caught:
        object_ref(*args)
    assert "pod/" in caught.value.fix


def test_wait_prints_the_kubectl_command_and_refuses_before_printing(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(r, "_wait_for", lambda kind, name, for_, ns, timeout: r.Text(f"{kind}/{name} condition met"))
    assert r.wait("pod/hello", for_="condition=Ready", namespace="lesson-pods") == "pod/hello condition met"
    assert capsys.readouterr().out == "$ kubectl wait pod/hello --for=condition=Ready -n lesson-pods --timeout=120s\n"
    with pytest.raises(KdsError):
        r.wait("pod", "hello", for_="phase=Running", namespace="lesson-pods")
    assert capsys.readouterr().out == ""


def test_status_summary_names_what_blocks_a_pod() -> None:
    obj = _pod(
        "Pending",
        conditions=[{"type": "Ready", "status": "False", "reason": "ContainersNotReady"}],
        containerStatuses=[
            {"name": "main", "state": {"waiting": {"reason": "ErrImageNeverPull", "message": "no"}}}
        ],
    )
    summary = _describe(obj)
    assert "phase=Pending" in summary
    assert "Ready=False (ContainersNotReady)" in summary
    assert "container main waiting (ErrImageNeverPull: no)" in summary
    assert _describe(None) == "it does not exist"


@pytest.fixture
def fake_run(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    calls: list[list[str]] = []

    def run(args: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        return subprocess.CompletedProcess(args, 0, "out\n", "")

    monkeypatch.setattr("kdsutils.resources.run", run)
    return calls


@pytest.mark.parametrize(
    ("args", "typed"),
    [
        (("get", "pods"), "kubectl get pods -n lesson-11"),
        (("get", "nodes"), "kubectl get nodes"),
        (("describe", "node/kds-control-plane"), "kubectl describe node/kds-control-plane"),
        (("get", "pods", "-n", "kube-system"), "kubectl get pods -n kube-system"),
        (("get", "pods", "--all-namespaces"), "kubectl get pods --all-namespaces"),
        (("exec", "web", "--", "ls", "-l"), "kubectl exec web -n lesson-11 -- ls -l"),
        (("config", "current-context"), "kubectl config current-context"),
        (("logs", "job/train", "--tail=5"), "kubectl logs job/train --tail=5 -n lesson-11"),
    ],
)
def test_kubectl_echoes_what_a_learner_would_type(
    use_context: Callable[..., Path],
    fake_run: list[list[str]],
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    typed: str,
) -> None:
    use_context("kds-local")
    kube.set_default_namespace("lesson-11")
    assert kubectl(*args) == "out"
    assert capsys.readouterr().out == f"$ {typed}\n"
    assert fake_run == [typed.split()]


def test_kubectl_output_displays_as_plain_text(
    use_context: Callable[..., Path], fake_run: list[list[str]]
) -> None:
    use_context("kds-local")
    shown: list[str] = []

    class Printer:
        def text(self, value: str) -> None:
            shown.append(value)

    kubectl("version")._repr_pretty_(Printer(), False)
    assert shown == ["out"]


def test_port_forward_refuses_a_local_port_in_use(use_context: Callable[..., Path]) -> None:
    use_context("kds-local")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with (
            pytest.raises(KdsError, match=f"Local port {port} is already in use"),
            port_forward("web", 80, local_port=port),
        ):
            pass


def test_can_i_no_is_an_answer_not_an_error(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    import subprocess as sp

    import kdsutils.resources as r

    def fake_run(args, **kwargs):
        return sp.CompletedProcess(args, 1, stdout="no\n", stderr="")

    monkeypatch.setattr(r, "run", fake_run)
    monkeypatch.setattr(r, "require_course_context", lambda: "kds-local")
    assert r.kubectl("auth", "can-i", "delete", "pods") == "no"

    def broken(args, **kwargs):
        return sp.CompletedProcess(args, 1, stdout="", stderr="error: the server doesn't have a resource type")

    monkeypatch.setattr(r, "run", broken)
    with pytest.raises(r.CommandError, match="resource type"):
        r.kubectl("auth", "can-i", "frobnicate", "widgets")


def test_diff_with_differences_returns_the_diff(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture) -> None:
    import subprocess as sp

    import kdsutils.resources as r

    def differences(args, **kwargs):
        return sp.CompletedProcess(args, 1, stdout="+    stage: dev\n", stderr="")

    monkeypatch.setattr(r, "run", differences)
    monkeypatch.setattr(r, "require_course_context", lambda: "kds-local")
    assert r.kubectl("diff", "-f", "trainer.yaml") == "+    stage: dev"

    def broken(args, **kwargs):
        return sp.CompletedProcess(args, 2, stdout="", stderr="error: the path \"trainer.yaml\" does not exist")

    monkeypatch.setattr(r, "run", broken)
    with pytest.raises(r.CommandError, match="does not exist"):
        r.kubectl("diff", "-f", "trainer.yaml")


def test_flags_after_the_double_dash_belong_to_the_container(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(r, "default_namespace", lambda: "lesson-pods")
    shown = r._with_namespace(("exec", "web", "--", "ls", "-A"), set())
    assert shown == ["exec", "web", "-n", "lesson-pods", "--", "ls", "-A"]
    assert r._with_namespace(("get", "pods", "-A"), set()) == ["get", "pods", "-A"]


def _logs_answering(monkeypatch: pytest.MonkeyPatch, answers: list[str], *, ended_just_now: bool) -> list[list[str]]:
    """`logs` with kubectl answering `answers` in turn; the commands it ran come back."""
    ran: list[list[str]] = []

    def fake_run(args: list[str], **_: Any) -> subprocess.CompletedProcess[str]:
        ran.append(args)
        return subprocess.CompletedProcess(args, 0, answers[min(len(ran), len(answers)) - 1], "")

    monkeypatch.setattr(r, "run", fake_run)
    monkeypatch.setattr(r, "_ended_just_now", lambda pod, namespace: ended_just_now)
    monkeypatch.setattr(r.time, "sleep", lambda seconds: None)
    monkeypatch.setattr(r, "effective_namespace", lambda namespace=None: "lesson-services")
    return ran


def test_logs_of_a_container_that_ended_a_moment_ago_are_read_again_until_its_output_arrives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran = _logs_answering(monkeypatch, ["", "", '{"will_churn": [true]}'], ended_just_now=True)
    assert r.logs("client") == '{"will_churn": [true]}'
    assert len(ran) == 3


def test_an_empty_log_is_read_again_at_most_three_times_and_only_just_after_the_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    ran = _logs_answering(monkeypatch, [""], ended_just_now=True)
    assert r.logs("quiet") == ""
    assert len(ran) == 4
    ran = _logs_answering(monkeypatch, [""], ended_just_now=False)
    assert r.logs("quiet") == ""
    assert len(ran) == 1
