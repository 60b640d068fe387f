"""Checks of the topic "namespaces" (lesson 18): a namespace with a quota, what accounts may do, a Job a quota stops."""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from kubernetes import client

from kdsutils.checks._kit import (
    TIMEOUT,
    Item,
    authorization,
    batch,
    checker,
    core,
    item,
    job_pods,
    pod_log,
    read_or_none,
    same_quantity,
)
from kdsutils.kube import effective_namespace

#: The namespace namespaces_ex1 asks for; the `lesson-` prefix lets the course find leftovers.
SANDBOX = "lesson-namespaces-sandbox"
#: The label namespaces_ex1 asks the namespace to carry.
SANDBOX_LABEL = ("team", "churn")
#: The quota namespaces_ex1 asks for, as ResourceQuota `spec.hard` writes it.
SANDBOX_QUOTA = {"pods": "5", "requests.cpu": "2", "requests.memory": "4Gi"}

#: The actions the checks ask about: (verb, resource, subresource, API group).
ACTIONS: dict[str, tuple[str, str, str, str]] = {
    "list pods": ("list", "pods", "", ""),
    "read pod logs": ("get", "pods", "log", ""),
    "delete pods": ("delete", "pods", "", ""),
    "list jobs": ("list", "jobs", "", "batch"),
    "create jobs": ("create", "jobs", "", "batch"),
    "delete jobs": ("delete", "jobs", "", "batch"),
    "read secrets": ("get", "secrets", "", ""),
    "list deployments": ("list", "deployments", "", "apps"),
    "create deployments": ("create", "deployments", "", "apps"),
}
#: What the dashboard of namespaces_ex2 may do, and what it may not.
DASHBOARD_MAY = ("list pods", "read pod logs", "list jobs", "list deployments")
DASHBOARD_MAY_NOT = ("delete pods", "create jobs", "read secrets")
#: The actions namespaces_ex3 lists in its task, in its order.
CI_BOT_QUESTIONS = (
    "list pods", "read pod logs", "delete pods", "create jobs", "delete jobs", "read secrets", "create deployments",
)  # fmt: skip

#: The Job of namespaces_ex4, the quota the platform team set, and what the Job prints once it has scored.
NIGHTLY = "nightly-score"
PLATFORM_QUOTA = "platform-quota"
PLATFORM_HARD = {"pods": "4", "requests.cpu": "1", "requests.memory": "1Gi", "limits.memory": "1Gi"}
SCORED = "scored 200 customers for 2026-12-01"


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
        "A namespace is a folder for objects, a label on it says whose it is, and a ResourceQuota caps what "
        "everything in that folder may ask for, all together.",
        "Lesson 18, 'Two teams, one cluster' and 'Quotas: a fair share of the cluster': in the terminal, "
        "`kubectl create namespace`, `kubectl label` (lesson 12), then `kubectl create quota` with "
        "--hard=pods=...,requests.cpu=...,requests.memory=... and -n naming the new namespace.",
        f"`kubectl create namespace {SANDBOX}`, `kubectl label namespace {SANDBOX} team=churn`, then "
        f"`kubectl create quota team-quota --hard=pods=5,requests.cpu=2,requests.memory=4Gi -n {SANDBOX}`",
    ),
)
def namespaces_ex1() -> Iterator[Item]:
    """Check the namespace `lesson-namespaces-sandbox`, its team label and its ResourceQuota `team-quota`.

    Examples:
        >>> check("namespaces_ex1")  # doctest: +SKIP
        ✔ Well done: namespaces_ex1 passes.
          ✔ there is a namespace named lesson-namespaces-sandbox
    """
    ns = read_or_none(core().read_namespace, SANDBOX)
    yield ns is not None, f"there is a namespace named {SANDBOX}"
    if ns is None:
        return
    key, value = SANDBOX_LABEL
    given = (ns.metadata.labels or {}).get(key)
    yield item(given == value, f"it is labelled {key}={value}", f"it has no {key} label" if given is None
               else f"it is labelled {key}={given}")  # fmt: skip
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
        "Read-only access to a whole namespace is asked for so often that the cluster ships a role for it: "
        "you only need an identity and a binding.",
        "Lesson 18, 'Roles and RoleBindings': the ready-made ClusterRoles view, edit and admin; a RoleBinding "
        "gives a ClusterRole inside one namespace with --clusterrole instead of --role. Test with `auth can-i` "
        "and --as.",
        "`kubectl create serviceaccount dashboard -n $namespace`, then `kubectl create rolebinding "
        "dashboard-views --clusterrole=view --serviceaccount=$namespace:dashboard -n $namespace`; test with "
        "`kubectl auth can-i list jobs --as=system:serviceaccount:$namespace:dashboard -n $namespace`",
    ),
)
def namespaces_ex2() -> Iterator[Item]:
    """Check that the ServiceAccount `dashboard` may read pods, logs, Jobs and Deployments, and change nothing.

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
    for action in DASHBOARD_MAY:
        yield may("dashboard", ns, action), f"dashboard may {action}"
    for action in DASHBOARD_MAY_NOT:
        yield not may("dashboard", ns, action), f"dashboard may not {action}"


@checker(
    "namespaces_ex3",
    hints=(
        "Ask the API server, not the Role: it answers yes or no for one action of one account at a time.",
        "Lesson 18, 'Roles and RoleBindings': `auth can-i` with --as=system:serviceaccount:<namespace>:ci-bot, "
        "once per action or with --list for all; put the allowed actions in the list, spelled as in the task.",
        "`kubectl auth can-i create jobs --as=system:serviceaccount:$namespace:ci-bot -n $namespace`, once per "
        "action, or `kubectl auth can-i --list --as=system:serviceaccount:$namespace:ci-bot -n $namespace`; "
        "then allowed = ['list pods', ...] with every action that said yes",
    ),
)
def namespaces_ex3(answer: object = None) -> Iterator[Item]:
    """Check that `answer` names exactly the actions of `CI_BOT_QUESTIONS` that `ci-bot` may do.

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
    unknown = sorted(given - set(CI_BOT_QUESTIONS))
    yield not unknown, "every action is one of the list in the task" + (f" (not: {unknown})" if unknown else "")
    ns = effective_namespace()
    account = read_or_none(core().read_namespaced_service_account, "ci-bot")
    made = account is not None
    yield made, f"there is a ServiceAccount named ci-bot in {ns}" + ("" if made else " (run the cell that creates it)")
    if account is None or unknown:
        return
    allowed = {action for action in CI_BOT_QUESTIONS if may("ci-bot", ns, action)}
    if not allowed:
        yield False, "ci-bot may do some of the actions (it may do none: run the cell that creates it and its Role)"
        return
    missed, extra = len(allowed - given), len(given - allowed)
    yield not missed, "you found every action ci-bot may do" + (f" ({missed} missing)" if missed else "")
    verb = "is" if extra == 1 else "are"
    yield not extra, "every action you listed is allowed" + (f" ({extra} {verb} not)" if extra else "")


def _has_condition(job: client.V1Job, kind: str) -> bool:
    conditions = (job.status and job.status.conditions) or []
    return any(condition.type == kind and condition.status == "True" for condition in conditions)


def _progress(job: client.V1Job, pods: list[client.V1Pod]) -> str:
    """Say how far a Job that has not completed got, from what a learner would see with `kubectl get`."""
    if _has_condition(job, "Failed"):
        return "it failed: read its Pod's logs"
    if not pods:
        return "it has not started a single Pod"
    if any(pod.status and pod.status.phase == "Failed" for pod in pods):
        return "its Pod failed: read its logs"
    return "its Pod is still working: check again in a moment"


@checker(
    "namespaces_ex4",
    hints=(
        "A Job that never shows a Pod was stopped before any Pod existed, and the Job itself keeps a note of "
        "why.",
        "Lesson 18, 'Quotas: a fair share of the cluster': the Events of `describe` for the Job, read next to "
        "`describe quota`. A Job's Pod template cannot change once the Job exists: delete the Job and create "
        "it again.",
        "`kubectl describe job nightly-score -n $namespace` shows FailedCreate: exceeded quota, the Pod's "
        "limits.memory (2Gi) is more than the quota allows (1Gi). Set the memory limit in the colleague's YAML "
        "to 512Mi, `kubectl delete job nightly-score -n $namespace`, and run the cell again",
    ),
)
def namespaces_ex4() -> Iterator[Item]:
    """Check that the Job `nightly-score` completed and scored, under the platform team's quota as it was set.

    Examples:
        >>> check("namespaces_ex4")  # doctest: +SKIP
        ✔ Well done: namespaces_ex4 passes.
          ✔ there is a Job named nightly-score in lesson-namespaces-ex
    """
    job = read_or_none(batch().read_namespaced_job, NIGHTLY)
    yield item(
        job is not None,
        f"there is a Job named {NIGHTLY} in {effective_namespace()}",
        "there is none: run the cell that creates it, and run it again after your fix",
    )
    if job is None:
        return
    pods = job_pods(NIGHTLY)
    done = _has_condition(job, "Complete")
    yield item(done, f"{NIGHTLY} has completed", _progress(job, pods))
    if not done:
        return
    finished = [pod for pod in pods if pod.status and pod.status.phase == "Succeeded"]
    printed = pod_log(finished[-1].metadata.name) if finished else ""
    yield item(SCORED in printed, f"its Pod printed the day's result ('{SCORED}: ...')",
               "it did not: keep the colleague's command")  # fmt: skip
    quota = read_or_none(core().read_namespaced_resource_quota, PLATFORM_QUOTA)
    hard = (quota.spec.hard or {}) if quota is not None else {}
    changed = [key for key, wanted in PLATFORM_HARD.items() if not same_quantity(hard.get(key), wanted)]
    seen = (
        "it is gone: run the platform team's cell again, then make the Job fit"
        if quota is None
        else f"{', '.join(changed)} changed: the quota is theirs to set; make the Job ask for less"
    )
    yield item(quota is not None and not changed, f"the platform team's quota {PLATFORM_QUOTA} is as they set it", seen)
