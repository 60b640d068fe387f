"""Checks for lesson 18, namespaces and access: a namespace with a quota, and what a ServiceAccount may do."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from kubernetes import client
from kubernetes.client import ApiException
from kubernetes.utils import parse_quantity

from kdsutils.checks import checker
from kdsutils.kube import api_client, effective_namespace

#: The namespace namespaces_ex1 asks for; the `lesson-` prefix lets the course find leftovers.
SANDBOX = "lesson-namespaces-sandbox"
#: The quota namespaces_ex1 asks for, as ResourceQuota `spec.hard` writes it.
SANDBOX_QUOTA = {"pods": "5", "requests.cpu": "2", "requests.memory": "4Gi"}

#: The actions namespaces_ex3 asks about: (verb, resource, subresource, API group).
ACTIONS: dict[str, tuple[str, str, str, str]] = {
    "list pods": ("list", "pods", "", ""),
    "read pod logs": ("get", "pods", "log", ""),
    "delete pods": ("delete", "pods", "", ""),
    "create jobs": ("create", "jobs", "", "batch"),
    "delete jobs": ("delete", "jobs", "", "batch"),
    "read secrets": ("get", "secrets", "", ""),
    "create deployments": ("create", "deployments", "", "apps"),
}


def _read(read: Any, *args: str) -> Any | None:
    """Return the object `read(*args)` finds, or None when there is none."""
    try:
        return read(*args, _request_timeout=15)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


def same_quantity(given: str | None, wanted: str) -> bool:
    """Tell whether two Kubernetes quantities are equal (``"4Gi"`` and ``"4096Mi"`` are) (pure).

    Examples:
        >>> same_quantity("4096Mi", "4Gi"), same_quantity("2000m", "2"), same_quantity(None, "5")
        (True, True, False)
    """
    if given is None:
        return False
    return Decimal(parse_quantity(given)) == Decimal(parse_quantity(wanted))


def may(service_account: str, namespace: str, action: str) -> bool:
    """Ask the API server whether a ServiceAccount may do one of `ACTIONS`, as `kubectl auth can-i --as` does.

    Args:
        service_account: The ServiceAccount's name.
        namespace: Its namespace, which is also where the action happens.
        action: A key of `ACTIONS`, such as ``"list pods"``.

    Returns:
        True when RBAC allows it.
    """
    verb, resource, subresource, group = ACTIONS[action]
    review = client.V1SubjectAccessReview(
        spec=client.V1SubjectAccessReviewSpec(
            user=f"system:serviceaccount:{namespace}:{service_account}",
            groups=["system:serviceaccounts", f"system:serviceaccounts:{namespace}", "system:authenticated"],
            resource_attributes=client.V1ResourceAttributes(
                namespace=namespace, verb=verb, resource=resource, subresource=subresource or None, group=group
            ),
        )
    )
    answer = client.AuthorizationV1Api(api_client()).create_subject_access_review(review, _request_timeout=15)
    return bool(answer.status.allowed)


def actions_of(answer: object) -> set[str] | None:
    """Return the actions named in `answer` (a list, tuple or set of texts), normalised (pure).

    Examples:
        >>> sorted(actions_of(["List pods ", "create jobs"]))
        ['create jobs', 'list pods']
        >>> actions_of("list pods") is None
        True
    """
    if isinstance(answer, str) or not isinstance(answer, Iterable):
        return None
    items = list(answer)
    if not all(isinstance(item, str) for item in items):
        return None
    return {" ".join(item.lower().split()) for item in items}


@checker(
    "namespaces_ex1",
    hint=f"`kubectl create namespace {SANDBOX}`, then `kubectl create quota team-quota "
    f"--hard=pods=5,requests.cpu=2,requests.memory=4Gi -n {SANDBOX}`",
)
def namespaces_ex1() -> Iterator[tuple[bool, str]]:
    """Check the namespace `lesson-namespaces-sandbox` and its ResourceQuota `team-quota`."""
    core = client.CoreV1Api(api_client())
    ns = _read(core.read_namespace, SANDBOX)
    yield ns is not None, f"there is a namespace named {SANDBOX}"
    if ns is None:
        return
    quota = _read(core.read_namespaced_resource_quota, "team-quota", SANDBOX)
    yield quota is not None, f"there is a ResourceQuota named team-quota in {SANDBOX}"
    if quota is None:
        return
    hard = quota.spec.hard or {}
    for key, wanted in SANDBOX_QUOTA.items():
        shown = f" (it is {hard[key]})" if key in hard and not same_quantity(hard[key], wanted) else ""
        yield same_quantity(hard.get(key), wanted), f"it limits {key} to {wanted}{shown}"


@checker(
    "namespaces_ex2",
    hint="`kubectl create serviceaccount dashboard`, a Role with `--verb=get,list,watch "
    "--resource=pods,pods/log`, and a RoleBinding that gives it to the ServiceAccount; test with "
    "`kubectl auth can-i list pods --as=system:serviceaccount:<namespace>:dashboard`",
)
def namespaces_ex2() -> Iterator[tuple[bool, str]]:
    """Check that the ServiceAccount `dashboard` may read pods and their logs, and nothing more."""
    ns = effective_namespace()
    account = _read(client.CoreV1Api(api_client()).read_namespaced_service_account, "dashboard", ns)
    yield account is not None, f"there is a ServiceAccount named dashboard in {ns}"
    if account is None:
        return
    for action in ("list pods", "read pod logs"):
        yield may("dashboard", ns, action), f"dashboard may {action}"
    for action in ("delete pods", "read secrets", "create jobs"):
        yield not may("dashboard", ns, action), f"dashboard may not {action}"


@checker(
    "namespaces_ex3",
    hint="ask one action at a time: `kubectl auth can-i create jobs "
    "--as=system:serviceaccount:<namespace>:ci-bot`, or list them all with `kubectl auth can-i --list "
    "--as=...`; pass the allowed ones as a list, such as answer=['list pods']",
)
def namespaces_ex3(answer: object = None) -> Iterator[tuple[bool, str]]:
    """Check that `answer` names exactly the actions of `ACTIONS` that `ci-bot` may do."""
    if answer is None:
        yield False, "pass your list to the check: check('namespaces_ex3', answer=[...])"
        return
    given = actions_of(answer)
    if given is None:
        yield False, f"answer is a {type(answer).__name__}; the check expects a list of actions, such as ['list pods']"
        return
    unknown = sorted(given - ACTIONS.keys())
    yield not unknown, "every action is one of the list in the task" + (f" (not: {unknown})" if unknown else "")
    ns = effective_namespace()
    account = _read(client.CoreV1Api(api_client()).read_namespaced_service_account, "ci-bot", ns)
    made = account is not None
    yield made, f"there is a ServiceAccount named ci-bot in {ns}" + ("" if made else " (run the cell that creates it)")
    if account is None or unknown:
        return
    allowed = {action for action in ACTIONS if may("ci-bot", ns, action)}
    missed, extra = len(allowed - given), len(given - allowed)
    yield not missed, "you found every action ci-bot may do" + (f" ({missed} missing)" if missed else "")
    verb = "is" if extra == 1 else "are"
    yield not extra, "every action you listed is allowed" + (f" ({extra} {verb} not)" if extra else "")
