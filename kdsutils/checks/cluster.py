"""Checks of the topic "cluster" (lesson 10): which pods run the system, and how much memory the node offers."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from kdsutils.checks._kit import TIMEOUT, Item, checker, core, quantity

#: How far a rounded answer (``"23.5Gi"``) may be from the node's exact figure.
MEMORY_TOLERANCE = Decimal("0.01")
_QUANTITY_FORMS = "give it as Kubernetes writes it ('2Gi', '2048Mi', '2097152Ki') or as a number of bytes"


def _system_pods() -> set[str]:
    pods = core().list_namespaced_pod("kube-system", _request_timeout=TIMEOUT).items
    return {pod.metadata.name for pod in pods}


def _node_memory() -> list[tuple[str, str, str]]:
    nodes = core().list_node(_request_timeout=TIMEOUT).items
    return [
        (node.metadata.name, node.status.allocatable["memory"], node.status.capacity["memory"])
        for node in nodes
    ]


def names_of(answer: object) -> list[str] | None:
    """Return the pod names in `answer`, or None when it is not a collection of names (pure).

    Accepts a list, tuple or set of names (``pod/`` prefixes, as ``kubectl get -o name`` prints
    them, are dropped) or a DataFrame with a ``NAME`` column, as ``kds.get(..., as_frame=True)``
    returns.

    Examples:
        >>> names_of(["pod/coredns-abc", "etcd "])
        ['coredns-abc', 'etcd']
        >>> names_of("coredns-abc") is None
        True
    """
    if hasattr(answer, "columns") and "NAME" in answer.columns:
        answer = list(answer["NAME"])
    if isinstance(answer, str) or not isinstance(answer, list | tuple | set):
        return None
    if not all(isinstance(item, str) for item in answer):
        return None
    return [item.strip().removeprefix("pod/") for item in answer]


def as_bytes(answer: object) -> Decimal | None:
    """Return a memory amount in bytes: a number is bytes, text is a Kubernetes quantity (pure).

    Examples:
        >>> as_bytes("1Ki"), as_bytes(2048), as_bytes("1.5Gi")
        (Decimal('1024'), Decimal('2048'), Decimal('1610612736.0'))
        >>> as_bytes("lots") is None
        True
    """
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int | float):
        return Decimal(str(answer))
    if isinstance(answer, str):
        try:
            return quantity(answer.strip())
        except (ValueError, InvalidOperation):
            return None
    return None


def _close(given: Decimal, exact: str) -> bool:
    target = quantity(exact)
    return abs(given - target) <= target * MEMORY_TOLERANCE


@checker(
    "cluster_ex1",
    hints=(
        "The system's own pods live in a namespace of their own, kube-system: list the pods there and "
        "keep only their names.",
        "Lesson 10, 'The control plane, and where to find it': list pods with the namespace flag; the NAME "
        "column (or the name output format) holds what you need, as a Python list.",
        "`kubectl get pods -n kube-system -o name` lists them; in Python: "
        "system_pods = list(kds.get('pods', namespace='kube-system', as_frame=True)['NAME'])",
    ),
)
def cluster_ex1(answer: object = None) -> Iterator[Item]:
    """Check that `answer` names exactly the pods running in the kube-system namespace.

    Examples:
        >>> check("cluster_ex1", answer=["etcd-kds", "coredns-abc"])  # doctest: +SKIP
        ✘ Not yet: cluster_ex1.
    """
    if answer is None:
        yield False, "no answer yet: put the names in a list and pass it, answer=your_list"
        return
    names = names_of(answer)
    if names is None:
        yield False, f"answer is a {type(answer).__name__}; the check expects a list of pod names"
        return
    live = _system_pods()
    strangers = ", ".join(repr(name) for name in sorted(set(names) - live))
    missing = len(live - set(names))
    if strangers:
        yield False, f"not a pod in kube-system: {strangers}"
    else:
        yield True, "every name is a pod in kube-system"
    if missing:
        yield False, f"{missing} of the {len(live)} pods in kube-system are missing from your list"
    else:
        yield True, f"every pod of kube-system is in your list ({len(live)} in all)"


@checker(
    "cluster_ex2",
    hints=(
        "A node reports two memory figures: its capacity, the whole machine, and what it can give to pods, "
        "its allocatable memory. You want the second.",
        "Lesson 10, 'Nodes: the machines that do the work': the Allocatable section when you describe the "
        "node, or the field status.allocatable.memory of the node object.",
        "`kubectl describe node` shows it under Allocatable, and "
        "`kubectl get nodes -o jsonpath='{.items[0].status.allocatable.memory}'` prints it alone",
    ),
)
def cluster_ex2(answer: object = None) -> Iterator[Item]:
    """Check that `answer` is the memory the node offers to pods (its allocatable memory).

    Examples:
        >>> check("cluster_ex2", answer="16318504Ki")  # doctest: +SKIP
        ✔ Well done: cluster_ex2 passes.
          ✔ your answer is the memory the node offers to pods
    """
    if answer is None:
        yield False, "no answer yet: put the amount in a variable and pass it, answer=your_variable"
        return
    given = as_bytes(answer)
    if given is None:
        yield False, f"{answer!r} is not an amount of memory: {_QUANTITY_FORMS}"
        return
    nodes = _node_memory()
    if any(_close(given, allocatable) for _, allocatable, _ in nodes):
        yield True, "your answer is the memory the node offers to pods"
    elif any(_close(given, capacity) for _, _, capacity in nodes):
        yield False, f"{answer!r} is the capacity, the whole machine; pods may use the allocatable part"
    else:
        yield False, f"{answer!r} is not the memory the node offers to pods"
