"""Checks of the topic "namespaces" (lesson 18): a namespace with a quota, and what a ServiceAccount may do."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kubernetes import client

from kdsutils.checks._kit import TIMEOUT, Item, authorization, checker, core, read_or_none, same_quantity
from kdsutils.kube import effective_namespace

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


def may(service_account: str, namespace: str, action: str) -> bool:
    """Ask the API server whether a ServiceAccount may do one of `ACTIONS`, as `kubectl auth can-i --as` does.

    Args:
        service_account: The ServiceAccount's name.
        namespace: Its namespace, which is also where the action happens.
        action: A key of `ACTIONS`, such as ``"list pods"``.

    Returns:
        True when RBAC allows it.

    Examples:
        >>> may("dashboard", "lesson-namespaces-ex", "list pods")  # doctest: +SKIP
        True
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
    answer = authorization().create_subject_access_review(review, _request_timeout=TIMEOUT)
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
    hints=(
        "A namespace is a folder for objects; a ResourceQuota caps what everything in that folder may ask "
        "for, all together.",
        "Lesson 18, 'Quotas: a fair share of the cluster': `create namespace`, then `create quota` with "
        "--hard=pods=...,requests.cpu=...,requests.memory=... and -n naming the new namespace.",
        f"`kubectl create namespace {SANDBOX}`, then `kubectl create quota team-quota "
        f"--hard=pods=5,requests.cpu=2,requests.memory=4Gi -n {SANDBOX}`",
    ),
)
def namespaces_ex1() -> Iterator[Item]:
    """Check the namespace `lesson-namespaces-sandbox` and its ResourceQuota `team-quota`.

    Examples:
        >>> check("namespaces_ex1")  # doctest: +SKIP
        ✔ Well done: namespaces_ex1 passes.
          ✔ there is a namespace named lesson-namespaces-sandbox
    """
    ns = read_or_none(core().read_namespace, SANDBOX)
    yield ns is not None, f"there is a namespace named {SANDBOX}"
    if ns is None:
        return
    quota = read_or_none(core().read_namespaced_resource_quota, "team-quota", namespace=SANDBOX)
    yield quota is not None, f"there is a ResourceQuota named team-quota in {SANDBOX}"
    if quota is None:
        return
    hard = quota.spec.hard or {}
    for key, wanted in SANDBOX_QUOTA.items():
        shown = f" (it is {hard[key]})" if key in hard and not same_quantity(hard[key], wanted) else ""
        yield same_quantity(hard.get(key), wanted), f"it limits {key} to {wanted}{shown}"


@checker(
    "namespaces_ex2",
    hints=(
        "Access takes three objects: who (a ServiceAccount), what it may do (a Role), and the link between "
        "them (a RoleBinding).",
        "Lesson 18, 'Roles and RoleBindings' and 'The ServiceAccount at work': a Role with the verbs get, "
        "list and watch on pods and pods/log, bound to the ServiceAccount; `auth can-i` with --as tests it.",
        "`kubectl create serviceaccount dashboard -n $namespace`, "
        "`kubectl create role pod-viewer --verb=get,list,watch --resource=pods,pods/log -n $namespace`, "
        "`kubectl create rolebinding dashboard-views-pods --role=pod-viewer "
        "--serviceaccount=$namespace:dashboard -n $namespace`; test with "
        "`kubectl auth can-i list pods --as=system:serviceaccount:$namespace:dashboard -n $namespace`",
    ),
)
def namespaces_ex2() -> Iterator[Item]:
    """Check that the ServiceAccount `dashboard` may read pods and their logs, and nothing more.

    Examples:
        >>> check("namespaces_ex2")  # doctest: +SKIP
        ✔ Well done: namespaces_ex2 passes.
          ✔ dashboard may list pods
    """
    ns = effective_namespace()
    account = read_or_none(core().read_namespaced_service_account, "dashboard")
    yield account is not None, f"there is a ServiceAccount named dashboard in {ns}"
    if account is None:
        return
    for action in ("list pods", "read pod logs"):
        yield may("dashboard", ns, action), f"dashboard may {action}"
    for action in ("delete pods", "read secrets", "create jobs"):
        yield not may("dashboard", ns, action), f"dashboard may not {action}"


@checker(
    "namespaces_ex3",
    hints=(
        "Ask the API server, not the Role: it answers yes or no for one action of one account at a time.",
        "Lesson 18, 'The ServiceAccount at work': `auth can-i` with --as=system:serviceaccount:<namespace>:ci-bot, "
        "once per action or with --list for all; put the allowed actions in the list, spelled as in the task.",
        "`kubectl auth can-i create jobs --as=system:serviceaccount:$namespace:ci-bot -n $namespace`, once per "
        "action, or `kubectl auth can-i --list --as=system:serviceaccount:$namespace:ci-bot -n $namespace`; "
        "then allowed = ['list pods', ...] with every action that said yes",
    ),
)
def namespaces_ex3(answer: object = None) -> Iterator[Item]:
    """Check that `answer` names exactly the actions of `ACTIONS` that `ci-bot` may do.

    Examples:
        >>> check("namespaces_ex3", answer=["list pods"])  # doctest: +SKIP
        ✘ Not yet: namespaces_ex3.
    """
    if answer is None:
        yield False, "pass your list to the check: check('namespaces_ex3', answer=[...])"
        return
    given = actions_of(answer)
    if given is None:
        yield False, f"answer is a {type(answer).__name__}; the check expects a list of actions, such as ['list pods']"
        return
    if not given:
        yield False, "your list names the actions ci-bot may do (it is empty: ask about each action of the task)"
        return
    unknown = sorted(given - ACTIONS.keys())
    yield not unknown, "every action is one of the list in the task" + (f" (not: {unknown})" if unknown else "")
    ns = effective_namespace()
    account = read_or_none(core().read_namespaced_service_account, "ci-bot")
    made = account is not None
    yield made, f"there is a ServiceAccount named ci-bot in {ns}" + ("" if made else " (run the cell that creates it)")
    if account is None or unknown:
        return
    allowed = {action for action in ACTIONS if may("ci-bot", ns, action)}
    if not allowed:
        yield False, "ci-bot may do some of the actions (it may do none: run the cell that creates it and its Role)"
        return
    missed, extra = len(allowed - given), len(given - allowed)
    yield not missed, "you found every action ci-bot may do" + (f" ({missed} missing)" if missed else "")
    verb = "is" if extra == 1 else "are"
    yield not extra, "every action you listed is allowed" + (f" ({extra} {verb} not)" if extra else "")
