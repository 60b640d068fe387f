"""Checks of the topic "forbidden" (lab 39): a notebook's account that may create Jobs, an API that fits its quota."""

from __future__ import annotations

from collections.abc import Iterator

from kubernetes import client

from kdsutils.checks import _kit
from kdsutils.checks._kit import TIMEOUT, Item, apps, batch, checker, core, item, pod_log, read_or_none, same_quantity
from kdsutils.checks.namespaces import may
from kdsutils.kube import effective_namespace
from kdsutils.labs._example import API
from kdsutils.labs.forbidden import (
    ACCOUNT,
    MONITOR,
    MONITOR_ACCOUNT,
    OLD_NAMESPACE,
    QUOTA,
    QUOTA_HARD,
    RETRY,
    SERVER,
    TRAIN,
)

#: How many replicas of the churn API forbidden_ex3 asks for.
REPLICAS = 2


def cluster_bindings(account: str, namespace: str) -> list[str]:
    """Return the ClusterRoleBindings that name the ServiceAccount `account` of `namespace` as a subject.

    Examples:
        >>> cluster_bindings("notebook", "lesson-forbidden")  # doctest: +SKIP
        []
    """
    listed = _kit.typed_api(client.RbacAuthorizationV1Api).list_cluster_role_binding(_request_timeout=TIMEOUT)
    return sorted(
        binding.metadata.name
        for binding in listed.items
        if any(_names(subject, account, namespace) for subject in binding.subjects or [])
    )


def _names(subject: client.RbacV1Subject, account: str, namespace: str) -> bool:
    return subject.kind == "ServiceAccount" and subject.name == account and subject.namespace == namespace


def _has_condition(job: client.V1Job, kind: str) -> bool:
    conditions = (job.status and job.status.conditions) or []
    return any(condition.type == kind and condition.status == "True" for condition in conditions)


def _last_line(pod: str) -> str:
    lines = [line for line in pod_log(pod).splitlines() if line.strip()]
    return lines[-1] if lines else ""


def _no_more(account: str, ns: str) -> Iterator[Item]:
    """The items that say `account` got nothing broader than it needs: no cluster-wide binding, no Secrets."""
    wide = cluster_bindings(account, ns)
    yield item(not wide, f"no ClusterRoleBinding gives {account} rights in every namespace",
               f"{', '.join(wide)} does: delete it, a RoleBinding in {ns} is enough")  # fmt: skip
    secrets = may(account, ns, "read secrets")
    yield item(not secrets, f"{account} may still not read secrets, so it got no broader role than it needs",
               "it may: it was given far more, such as edit, admin or cluster-admin")  # fmt: skip


@checker(
    "forbidden_ex1",
    hints=(
        "The notebook does not act as you: it acts as the ServiceAccount its Pod runs as. Read the refusal "
        "word by word, then ask the API server the same question as that account.",
        "Lesson 39, steps 2 to 4 of 'How we found it': `kubectl logs jupyter-sam --tail=1` shows who was refused "
        "what, and in which API group; `kubectl auth "
        "can-i` with --as=system:serviceaccount:$namespace:notebook asks the same question; `kubectl get "
        "rolebinding,role -o yaml` shows what the account was given. Compare the rule for Jobs with the group "
        "in the refusal.",
        'The Role\'s rule for jobs says apiGroups: [""], but Jobs live in the group batch: `kubectl patch role '
        'notebook -n $namespace --type=json -p \'[{"op": "replace", "path": "/rules/1/apiGroups", "value": '
        '["batch"]}]\'`, then `kubectl auth can-i create jobs --as=system:serviceaccount:$namespace:notebook '
        "-n $namespace` says yes and the notebook's next attempt goes through",
    ),
)
def forbidden_ex1() -> Iterator[Item]:
    """Check that the notebook's ServiceAccount may create Jobs here and no more, and its training Job ran.

    Examples:
        >>> check("forbidden_ex1")  # doctest: +SKIP
        ✔ Well done: forbidden_ex1 passes.
          ✔ notebook may create jobs (API group batch) in lesson-forbidden
    """
    ns = effective_namespace()
    account = read_or_none(core().read_namespaced_service_account, ACCOUNT)
    yield item(account is not None, f"there is a ServiceAccount named {ACCOUNT} in {ns}",
               "there is none: run the cell with kds.lab('forbidden')")  # fmt: skip
    if account is None:
        return
    allowed = may(ACCOUNT, ns, "create jobs")
    yield item(allowed, f"{ACCOUNT} may create jobs (API group batch) in {ns}", "`kubectl auth can-i` says no")
    yield from _no_more(ACCOUNT, ns)
    server = read_or_none(core().read_namespaced_pod, SERVER)
    last = _last_line(SERVER) if server is not None else ""
    went_through = "submitted" in last
    seen = (
        "there is no such Pod: run the cell with kds.lab('forbidden') again"
        if server is None
        else f"its last line says: {last}" + (f" (it tries again every {RETRY} s)" if allowed else "")
    )
    yield item(went_through, f"the notebook {SERVER} has submitted the training Job", seen)
    job = read_or_none(batch().read_namespaced_job, TRAIN)
    if job is None:
        yield False, f"the training Job {TRAIN} has completed (there is no Job {TRAIN} yet)"
        return
    done = _has_condition(job, "Complete")
    progress = "it failed: read its logs" if _has_condition(job, "Failed") else "it is still training: check again"
    yield item(done, f"the training Job {TRAIN} has completed", progress)


@checker(
    "forbidden_ex2",
    hints=(
        "A RoleBinding joins two things: a Role, and the accounts it is given to. Both exist here; read what "
        "the binding actually names, field by field.",
        "Lesson 39, 'What you learned' (the two halves of access): `kubectl auth can-i list pods "
        "--as=system:serviceaccount:$namespace:monitor -n $namespace` asks as the "
        "monitor; `kubectl get rolebinding monitor-reads-pods -n $namespace -o wide` shows the accounts it "
        "names, as namespace/name.",
        f"Its subject is the ServiceAccount monitor of the namespace {OLD_NAMESPACE}, not of yours: `kubectl "
        "set subject rolebinding monitor-reads-pods --serviceaccount=$namespace:monitor -n $namespace` adds the "
        "right one (or patch /subjects/0/namespace)",
    ),
)
def forbidden_ex2() -> Iterator[Item]:
    """Check that the model monitor's ServiceAccount may list Pods here, no more, and the monitor sees them.

    Examples:
        >>> check("forbidden_ex2")  # doctest: +SKIP
        ✔ Well done: forbidden_ex2 passes.
          ✔ monitor may list pods in lesson-forbidden-ex
    """
    ns = effective_namespace()
    account = read_or_none(core().read_namespaced_service_account, MONITOR_ACCOUNT)
    yield item(account is not None, f"there is a ServiceAccount named {MONITOR_ACCOUNT} in {ns}",
               "there is none: run the cell with kds.lab('forbidden-binding')")  # fmt: skip
    if account is None:
        return
    allowed = may(MONITOR_ACCOUNT, ns, "list pods")
    yield item(allowed, f"{MONITOR_ACCOUNT} may list pods in {ns}", "`kubectl auth can-i` says no")
    yield from _no_more(MONITOR_ACCOUNT, ns)
    monitor = read_or_none(core().read_namespaced_pod, MONITOR)
    last = _last_line(MONITOR) if monitor is not None else ""
    seen = (
        "there is no such Pod: run the cell with kds.lab('forbidden-binding') again"
        if monitor is None
        else f"its last line says: {last}" + (f" (it tries again every {RETRY} s)" if allowed else "")
    )
    yield item("pod(s) found" in last, f"the latest check of {MONITOR} went through", seen)


@checker(
    "forbidden_ex3",
    hints=(
        "A Pod that was never created leaves no Pod to describe. Look one level up: who creates the Pods of a "
        "Deployment, and where does it write down that it could not?",
        "Lesson 39, 'What you learned', and lesson 18 on quotas: `kubectl describe replicaset -l app=churn-api -n "
        "$namespace` (its Events, FailedCreate) or `kubectl get "
        "events -n $namespace`, next to `kubectl describe quota -n $namespace`. Change the Deployment, not the "
        "platform team's quota.",
        "The quota counts limits.memory, so every container must set one: `kubectl set resources deployment "
        "churn-api --limits=memory=256Mi -n $namespace`, then `kubectl rollout status deployment/churn-api -n "
        "$namespace`",
    ),
)
def forbidden_ex3() -> Iterator[Item]:
    """Check that the churn API runs its 2 replicas under the platform team's quota, as they set it.

    Examples:
        >>> check("forbidden_ex3")  # doctest: +SKIP
        ✔ Well done: forbidden_ex3 passes.
          ✔ there is a Deployment named churn-api in lesson-forbidden-ex
    """
    ns = effective_namespace()
    deployment = read_or_none(apps().read_namespaced_deployment, API)
    yield item(deployment is not None, f"there is a Deployment named {API} in {ns}",
               "there is none: run the cell with kds.lab('forbidden-quota')")  # fmt: skip
    if deployment is None:
        return
    wanted = deployment.spec.replicas
    yield item(wanted == REPLICAS, f"it still asks for {REPLICAS} replicas", f"it asks for {wanted}")
    ready = (deployment.status and deployment.status.ready_replicas) or 0
    yield item(ready >= REPLICAS, f"{API} has {REPLICAS} ready replicas", f"it has {ready}")
    quota = read_or_none(core().read_namespaced_resource_quota, QUOTA)
    hard = (quota.spec.hard or {}) if quota is not None else {}
    changed = [key for key, value in QUOTA_HARD.items() if not same_quantity(hard.get(key), value)]
    seen = (
        "it is gone: run the cell with kds.lab('forbidden-quota') again, then make the Deployment fit"
        if quota is None
        else f"{', '.join(changed)} changed: the quota is the platform team's; make the Deployment fit it"
    )
    yield item(quota is not None and not changed, f"the platform team's quota {QUOTA} is as they set it", seen)
