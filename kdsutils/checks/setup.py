"""Checks of the topic "setup" (lesson 01): which cluster am I talking to, and which version is it."""

from __future__ import annotations

from collections.abc import Iterator

from kdsutils.checks._kit import TIMEOUT, Item, checker, core, missing_text
from kdsutils.kube import current_context


def _node_versions() -> set[str]:
    nodes = core().list_node(_request_timeout=TIMEOUT).items
    return {node.status.node_info.kubelet_version for node in nodes}


@checker(
    "setup_ex1",
    hints=(
        "Every node reports the Kubernetes version its kubelet runs: ask the cluster about its nodes.",
        "Lesson 01, the section on your first look at the nodes: the VERSION column of the node list; "
        "from Python, the field node.status.node_info.kubelet_version.",
        "`kubectl get nodes` shows it in the VERSION column; from Python: "
        "kds.get('nodes', as_frame=True)['VERSION'][0]",
    ),
)
def setup_ex1(answer: object = None) -> Iterator[Item]:
    """Check that `answer` is the Kubernetes version the cluster's node reports.

    Examples:
        >>> check("setup_ex1", answer="v1.36.4")  # doctest: +SKIP
        ✔ Well done: setup_ex1 passes.
          ✔ 'v1.36.4' is the Kubernetes version the node reports
    """
    problem = missing_text("setup_ex1", answer, "'v1.2.3'")
    if problem is not None:
        yield problem
        return
    if str(answer).strip() in _node_versions():
        yield True, f"{answer!r} is the Kubernetes version the node reports"
    else:
        yield False, f"{answer!r} is not the Kubernetes version the node reports"


@checker(
    "setup_ex2",
    hints=(
        "Your kubeconfig lists contexts, one per cluster you can talk to, and marks one of them as current.",
        "Lesson 01, 'Kubeconfig and contexts': the `config` verb of kubectl has a subcommand that prints "
        "only the current context's name.",
        "`kubectl config current-context` prints it",
    ),
)
def setup_ex2(answer: object = None) -> Iterator[Item]:
    """Check that `answer` is the name of the current kubeconfig context.

    Examples:
        >>> check("setup_ex2", answer="kds-local")  # doctest: +SKIP
        ✔ Well done: setup_ex2 passes.
          ✔ 'kds-local' is the current context
    """
    problem = missing_text("setup_ex2", answer, "'kds-local'")
    if problem is not None:
        yield problem
        return
    if str(answer).strip() == current_context():
        yield True, f"{answer!r} is the current context"
    else:
        yield False, f"{answer!r} is not the current context"
