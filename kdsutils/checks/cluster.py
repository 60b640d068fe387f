"""Checks of the topic "cluster" (lesson 10): the system pods, the node's memory, a Pod no node will take."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal, InvalidOperation

from kdsutils.checks._kit import TIMEOUT, Item, checker, command_text, core, item, pod_ready, quantity, read_or_none
from kdsutils.kube import effective_namespace

#: How far a rounded answer (``"23.5Gi"``) may be from the node's exact figure.
MEMORY_TOLERANCE = Decimal("0.01")
_QUANTITY_FORMS = "give it as Kubernetes writes it ('2Gi', '2048Mi', '2097152Ki') or as a number of bytes"
#: The Pod of cluster_ex3, and the program it must still run once it is fixed.
CHURN_API = "churn-api"
CHURN_SERVER = "churn.serve"


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


def control_plane_in_pods(names: set[str]) -> bool:
    """Tell whether the API server runs as a pod, as the names of the system pods show (pure).

    kind (and kubeadm clusters) name it ``kube-apiserver-<node>``; the local engine and managed
    clouds run it outside the cluster's pods.

    Examples:
        >>> control_plane_in_pods({"coredns-7db6d8ff4d-x2k9q", "kube-apiserver-kds-control-plane"})
        True
        >>> control_plane_in_pods({"coredns-7db6d8ff4d-x2k9q"})
        False
    """
    return any(name.startswith("kube-apiserver") for name in names)


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
        "keep only their names. Then read the names: is one of them the API server?",
        "Lesson 10, 'The control plane, and where to find it': list pods with the namespace flag; the NAME "
        "column (or the name output format) holds what you need, as a Python list. On kind the control "
        "plane's parts are pods named after the node; elsewhere they run outside the cluster's pods.",
        "`kubectl get pods -n kube-system -o name` prints one pod/NAME a line: "
        "system_pods = kds.kubectl('get', 'pods', '-n', 'kube-system', '-o', 'name').split(); then "
        "control_plane_as_pods = any(name.startswith('pod/kube-apiserver') for name in system_pods)",
    ),
)
def cluster_ex1(answer: object = None, control_plane_as_pods: object = None) -> Iterator[Item]:
    """Check the names of the pods in kube-system, and whether the learner read from them where the control plane runs.

    Examples:
        >>> check("cluster_ex1", answer=["etcd-kds", "coredns-abc"], control_plane_as_pods=True)  # doctest: +SKIP
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
    if not isinstance(control_plane_as_pods, bool):
        shown = "no answer yet" if control_plane_as_pods is None else f"it is a {type(control_plane_as_pods).__name__}"
        yield False, f"control_plane_as_pods is True or False ({shown}): does the API server run as a pod here?"
        return
    yield item(
        control_plane_as_pods == control_plane_in_pods(live),
        "control_plane_as_pods says rightly whether the API server runs as a pod on this cluster",
        "look again at the names: is one of them the API server's?",
    )


@checker(
    "cluster_ex2",
    hints=(
        "A node reports two memory figures: its capacity, the whole machine, and what it can give to pods, "
        "its allocatable memory. You want the second.",
        "Lesson 10, 'Nodes: the machines that do the work': in the terminal, the Allocatable section when "
        "you describe the node, or the field status.allocatable.memory of the node object.",
        "`kubectl describe node` shows it under Allocatable, and "
        "`kubectl get nodes -o jsonpath='{.items[0].status.allocatable.memory}'` prints it alone; "
        "copy it into the notebook: node_memory = '...'",
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


@checker(
    "cluster_ex3",
    hints=(
        "A Pod that stays Pending has not been given a node yet, and the scheduler leaves a note saying why.",
        "Lesson 10, 'Four ways to look at anything': the Events at the end of `describe` for the Pod, then "
        "its spec (`-o yaml`) for what it asks of a node, next to the node's labels. Most of a Pod's spec "
        "cannot change once it exists: delete it and create it again.",
        "`kubectl describe pod churn-api -n $namespace` ends with FailedScheduling: no node has the label its "
        "nodeSelector asks for. `kubectl delete pod churn-api --now -n $namespace`, take the nodeSelector "
        "(two lines) out of the cell's YAML, and run the cell again",
    ),
)
def cluster_ex3() -> Iterator[Item]:
    """Check that the Pod `churn-api` runs the churn server, and that it is running and ready.

    Examples:
        >>> check("cluster_ex3")  # doctest: +SKIP
        ✔ Well done: cluster_ex3 passes.
          ✔ there is a Pod named churn-api in lesson-cluster-ex
    """
    pod = read_or_none(core().read_namespaced_pod, CHURN_API)
    yield item(
        pod is not None,
        f"there is a Pod named {CHURN_API} in {effective_namespace()}",
        "there is none: run the cell that starts it, and run it again after your fix",
    )
    if pod is None:
        return
    yield item(
        CHURN_SERVER in command_text(pod),
        f"{CHURN_API} runs the churn server (python -m {CHURN_SERVER})",
        f"it runs {command_text(pod) or 'the image default'!r}: keep the colleague's command",
    )
    phase = pod.status.phase if pod.status else None
    if phase == "Pending" and not (pod.spec.node_name):
        seen = "it is Pending: no node has been chosen for it"
    elif phase == "Running" and not pod_ready(pod):
        seen = "it is Running but not ready yet: check again in a moment"
    else:
        seen = f"it is {phase}"
    yield item(phase == "Running" and pod_ready(pod), f"{CHURN_API} is running and ready", seen)
