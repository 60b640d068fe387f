"""Checks for lesson 01, setting up: which cluster am I talking to, and which version is it."""

from __future__ import annotations

from collections.abc import Iterator

from kubernetes import client

from kdsutils.checks import checker
from kdsutils.kube import api_client, current_context


def _node_versions() -> set[str]:
    nodes = client.CoreV1Api(api_client()).list_node(_request_timeout=15).items
    return {node.status.node_info.kubelet_version for node in nodes}


def _needs_text(exercise_id: str, answer: object) -> Iterator[tuple[bool, str]]:
    if answer is None:
        yield (
            False,
            (
                f"no answer yet: put what you found in a variable and pass it, "
                f"check({exercise_id!r}, answer=your_variable)"
            ),
        )
    elif not isinstance(answer, str):
        yield False, f"answer is a {type(answer).__name__}; the check expects text, such as 'v1.2.3'"


@checker(
    "setup_ex1",
    hint="the VERSION column of `kubectl get nodes` shows it; from Python it is "
    "node.status.node_info.kubelet_version",
)
def setup_ex1(answer: object = None) -> Iterator[tuple[bool, str]]:
    """Check that `answer` is the Kubernetes version the cluster's node reports."""
    problems = list(_needs_text("setup_ex1", answer))
    if problems:
        yield from problems
        return
    if str(answer).strip() in _node_versions():
        yield True, f"{answer!r} is the Kubernetes version the node reports"
    else:
        yield False, f"{answer!r} is not the Kubernetes version the node reports"


@checker("setup_ex2", hint="`kubectl config current-context` prints it")
def setup_ex2(answer: object = None) -> Iterator[tuple[bool, str]]:
    """Check that `answer` is the name of the current kubeconfig context."""
    problems = list(_needs_text("setup_ex2", answer))
    if problems:
        yield from problems
        return
    if str(answer).strip() == current_context():
        yield True, f"{answer!r} is the current context"
    else:
        yield False, f"{answer!r} is not the current context"
