"""Checks of the topic "platform" (lesson 41): a quota sized from what runs, shared storage, a request to send."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from decimal import Decimal

from kubernetes import client

from kdsutils.checks._kit import (
    TIMEOUT,
    Item,
    apps,
    batch,
    checker,
    core,
    item,
    missing_text,
    quantity,
    read_or_none,
)
from kdsutils.kube import effective_namespace

#: The quota platform_ex1 asks for, and the three figures it must set.
QUOTA = "team-quota"
KEYS = ("requests.cpu", "requests.memory", "limits.memory")
#: The running example as the exercise notebook deploys it.
API = "churn-api"
API_REPLICAS = 2
NIGHTLY = "nightly-score"
#: The claim and the Pod of platform_ex2, and the access mode the claim asks for as set up.
SHARED_CLAIM = "shared-models"
SHARED_POD = "churn-api-shared"
SHARED_MODE = "ReadWriteMany"
#: The fields of the request template of lesson 41, in its order, and other names learners give them.
FIELDS = ("Team", "Contact", "Namespace", "Workloads", "Resources", "Access", "Storage", "Network", "GPU", "Timeline")
ALIASES = {"what runs": "Workloads", "gpus": "GPU", "hostname": "Network", "role": "Access"}

_FIELD_LINE = re.compile(r"^\s*(?:[-*]\s+)?\**\s*([A-Za-z][A-Za-z /]*?)\s*\**\s*:\s*(.*)$")
_PLACEHOLDER = re.compile(r"<[^>]*>")
_QUANTITY = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(Ki|Mi|Gi|Ti|m|k|M|G|T)?(?:i?B)?(?![A-Za-z0-9])")
_RWX = re.compile(r"readwritemany|read-write-many|read write many|\brwx\b", re.IGNORECASE)
_SHARED = re.compile(
    r"readwritemany|\brwx\b|\bnfs\b|\befs\b|filestore|azure files|cephfs|shared (?:file|storage|volume|disk|folder)"
    r"|\bbucket\b|object storage",
    re.IGNORECASE,
)
_HOSTNAME = re.compile(r"\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,}\b", re.IGNORECASE)
_TLS = re.compile(r"\btls\b|\bhttps\b|certificate", re.IGNORECASE)
_EDIT = re.compile(r"\bedit\b", re.IGNORECASE)
_TOO_MUCH = re.compile(r"cluster-admin", re.IGNORECASE)


def hard_figure(hard: dict[str, str], key: str) -> str | None:
    """The figure a quota's `hard` sets for `key`, also when written short (``cpu`` for ``requests.cpu``) (pure).

    Examples:
        >>> hard_figure({"cpu": "1", "limits.memory": "2Gi"}, "requests.cpu"), hard_figure({}, "limits.memory")
        ('1', None)
    """
    short = key.removeprefix("requests.") if key.startswith("requests.") else None
    return hard.get(key) or (hard.get(short) if short else None)


def pod_asks(spec: client.V1PodSpec) -> dict[str, Decimal]:
    """What one Pod of `spec` counts against a quota: its containers' cpu and memory requests, memory limits (pure).

    Examples:
        >>> asks = client.V1ResourceRequirements(requests={"cpu": "200m", "memory": "256Mi"}, limits={"memory": "1Gi"})
        >>> spec = client.V1PodSpec(containers=[client.V1Container(name="a", resources=asks)] * 2)
        >>> {key: str(value) for key, value in pod_asks(spec).items()}
        {'requests.cpu': '0.400', 'requests.memory': '536870912', 'limits.memory': '2147483648'}
    """
    totals = dict.fromkeys(KEYS, Decimal(0))
    for container in spec.containers:
        resources = container.resources or client.V1ResourceRequirements()
        given = {f"requests.{k}": v for k, v in (resources.requests or {}).items()}
        given |= {f"limits.{k}": v for k, v in (resources.limits or {}).items()}
        for key in KEYS:
            if key in given:
                totals[key] += quantity(given[key])
    return totals


def _finished(job: client.V1Job) -> bool:
    conditions = (job.status and job.status.conditions) or []
    return any(c.type in ("Complete", "Failed") and c.status == "True" for c in conditions)


def workloads(namespace: str) -> list[tuple[str, int, client.V1PodSpec]]:
    """The namespace's workloads: (``kind/name``, Pods at once, Pod spec) for Deployments, CronJobs, and Jobs.

    A Deployment counts its replicas; a CronJob, one run; a Job, its parallelism while it has not
    finished (a Job started by a CronJob is that CronJob's run, already counted).

    Examples:
        >>> workloads("lesson-platform-ex")  # doctest: +SKIP
        [('Deployment/churn-api', 2, {...}), ('CronJob/nightly-score', 1, {...})]
    """
    found = [
        (f"Deployment/{d.metadata.name}", d.spec.replicas or 0, d.spec.template.spec)
        for d in apps().list_namespaced_deployment(namespace, _request_timeout=TIMEOUT).items
    ]
    for cron in batch().list_namespaced_cron_job(namespace, _request_timeout=TIMEOUT).items:
        run = cron.spec.job_template.spec
        found.append((f"CronJob/{cron.metadata.name}", run.parallelism or 1, run.template.spec))
    for job in batch().list_namespaced_job(namespace, _request_timeout=TIMEOUT).items:
        by_cron = any(ref.kind == "CronJob" for ref in job.metadata.owner_references or [])
        if not by_cron and not _finished(job):
            found.append((f"Job/{job.metadata.name}", job.spec.parallelism or 1, job.spec.template.spec))
    return found


def sum_asks(found: Iterable[tuple[str, int, client.V1PodSpec]]) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
    """What all of `found` asks for at once, and the room one more Pod of the largest Deployment needs (pure).

    Examples:
        >>> asks = client.V1ResourceRequirements(requests={"cpu": "1", "memory": "1Gi"}, limits={"memory": "1Gi"})
        >>> spec = client.V1PodSpec(containers=[client.V1Container(name="a", resources=asks)])
        >>> total, room = sum_asks([("Deployment/api", 2, spec), ("CronJob/nightly", 1, spec)])
        >>> str(total["requests.cpu"]), str(room["requests.cpu"])
        ('3', '1')
    """
    total = dict.fromkeys(KEYS, Decimal(0))
    room = dict.fromkeys(KEYS, Decimal(0))
    for name, copies, spec in found:
        one = pod_asks(spec)
        for key in KEYS:
            total[key] += copies * one[key]
            if name.startswith("Deployment/") and copies:
                room[key] = max(room[key], one[key])
    return total, room


def request_fields(text: str) -> dict[str, str]:
    r"""The fields of a request written on the template of lesson 41: ``Name: value`` lines (pure).

    A line continues the field above it unless it starts with a field's name. Names are read
    without case, bullets or bold; a value that is only ``<placeholders>`` counts as empty.

    Examples:
        >>> request_fields("Team: growth\n- **GPU**: <how many>\nWorkloads:\n  churn-api,\n  nightly-score\n")
        {'Team': 'growth', 'GPU': '', 'Workloads': 'churn-api, nightly-score'}
    """
    names = {name.lower(): name for name in FIELDS} | ALIASES
    fields: dict[str, str] = {}
    current = None
    for line in text.splitlines():
        found = _FIELD_LINE.match(line)
        name = names.get(" ".join(found.group(1).lower().split())) if found else None
        if found and name:
            current = name
            fields[current] = f"{fields.get(current, '')} {found.group(2).strip()}".strip()
        elif current and line.strip():
            fields[current] = f"{fields[current]} {line.strip()}".strip()
    return {name: "" if not _PLACEHOLDER.sub("", value).strip() else value for name, value in fields.items()}


def quantities_in(text: str) -> set[Decimal]:
    """The Kubernetes quantities written in `text`, as numbers: ``1.5 CPU``, ``1280Mi``, ``2 GiB`` (pure).

    Examples:
        >>> sorted(quantities_in("requests 700m CPU and 1.25GiB, limits 2Gi")) == sorted(
        ...     {quantity("700m"), quantity("1280Mi"), quantity("2Gi")})
        True
    """
    return {quantity(f"{number}{unit or ''}") for number, unit in _QUANTITY.findall(text)}


@checker(
    "platform_ex1",
    hints=(
        "A quota is the room you ask for: add up what every workload asks for when all of it runs at once (each "
        "replica, and the nightly run too), then leave room for one more API Pod, because a rollout starts its new "
        "Pod before it stops an old one.",
        "Lesson 41, 'How much to ask for': read each workload's requests and limits (`kubectl get deployment "
        "churn-api -o yaml`, and the CronJob's jobTemplate), multiply by the replicas, add one churn-api Pod and stay "
        "under twice the sum; then `kubectl create quota team-quota --hard=requests.cpu=...,requests.memory=...,"
        "limits.memory=... -n $namespace`.",
        "`kubectl get deployment churn-api -n $namespace -o jsonpath='{.spec.replicas} {.spec.template.spec."
        "containers[0].resources}'` and `kubectl get cronjob nightly-score -n $namespace -o jsonpath='{.spec."
        "jobTemplate.spec.template.spec.containers[0].resources}'`: 2 x 100m + 300m = 500m CPU, 2 x 256Mi + 384Mi = "
        "896Mi, limits 2 x 384Mi + 512Mi = 1280Mi; with one more API Pod, and at most twice that: `kubectl create "
        "quota team-quota --hard=requests.cpu=800m,requests.memory=1280Mi,limits.memory=2Gi -n $namespace`",
    ),
)
def platform_ex1() -> Iterator[Item]:
    """Check that `team-quota` covers what runs plus one more API Pod, and is at most twice what runs.

    Examples:
        >>> check("platform_ex1")  # doctest: +SKIP
        ✔ Well done: platform_ex1 passes.
          ✔ the running example runs here as the notebook deployed it (churn-api, 2 replicas; nightly-score)
    """
    ns = effective_namespace()
    api = read_or_none(apps().read_namespaced_deployment, API)
    nightly = read_or_none(batch().read_namespaced_cron_job, NIGHTLY)
    if api is None or nightly is None:
        seen = f"{API if api is None else NIGHTLY} is missing: run the notebook's first cell of exercise 1"
    else:
        count = f"{api.spec.replicas} replica{'' if api.spec.replicas == 1 else 's'}"
        seen = f"{API} has {count}: the quota is for what runs, so leave the workloads as they are"
    as_deployed = api is not None and nightly is not None and api.spec.replicas == API_REPLICAS
    yield item(as_deployed, f"the running example runs here as the notebook deployed it ({API}, "
               f"{API_REPLICAS} replicas; {NIGHTLY})", seen)  # fmt: skip
    if not as_deployed:
        return
    quota = read_or_none(core().read_namespaced_resource_quota, QUOTA)
    yield item(quota is not None, f"there is a ResourceQuota named {QUOTA} in {ns}",
               "there is none yet: create it in a terminal, with -n " + ns)  # fmt: skip
    if quota is None:
        return
    hard = quota.spec.hard or {}
    total, room = sum_asks(workloads(ns))
    for key in KEYS:
        figure = hard_figure(hard, key)
        if figure is None:
            yield False, f"it sets {key} (it does not: the quota must count it too)"
            continue
        given = quantity(figure)
        if given < total[key] + room[key]:
            seen = f"it is {figure}: less than what runs plus one more {API} Pod"
        else:
            seen = f"it is {figure}: more than twice what runs"
        yield item(total[key] + room[key] <= given <= 2 * total[key],
                   f"{key} covers what runs and one more {API} Pod, and is at most twice what runs", seen)  # fmt: skip


@checker(
    "platform_ex2",
    hints=(
        "A Pod that waits for its claim says little itself; the claim says more, in its own events, and this "
        "cluster's storage class decides which access modes can be had here.",
        "Lesson 41, 'Storage that several Pods share': `describe` the claim shared-models (its Events) and `get "
        "storageclass`. A claim's access modes cannot be changed: delete the Pod and the claim, apply the claim again "
        "with a mode this cluster supports, then the Pod. Pass what you would ask the platform team for as answer=...",
        "`kubectl describe pvc shared-models -n $namespace` ends in ProvisioningFailed: the provisioner supports "
        "ReadWriteOnce only. In CLAIM, ReadWriteMany -> ReadWriteOnce; `kubectl delete pod churn-api-shared -n "
        "$namespace`, `kubectl delete pvc shared-models -n $namespace`, kds.apply(CLAIM), kds.apply(POD), "
        "kds.wait('pod/churn-api-shared', for_='condition=Ready', timeout=180); then kds.check('platform_ex2', "
        "answer='a storage class that supports ReadWriteMany')",
    ),
)
def platform_ex2(answer: object = None) -> Iterator[Item]:
    """Check that `churn-api-shared` runs on the claim `shared-models`, now ReadWriteOnce, and what to ask for.

    While the claim is still as set up (ReadWriteMany, unbound), the check says only that the Pod does not
    run: finding why is the exercise.

    Examples:
        >>> check("platform_ex2", answer="a StorageClass with ReadWriteMany")  # doctest: +SKIP
        ✔ Well done: platform_ex2 passes.
    """
    pod = read_or_none(core().read_namespaced_pod, SHARED_POD)
    yield item(pod is not None, f"there is a Pod named {SHARED_POD} in {effective_namespace()}",
               "there is none: apply POD again once the claim is fixed")  # fmt: skip
    if pod is None:
        return
    phase = pod.status.phase if pod.status else None
    ready = phase == "Running" and any(s.ready for s in (pod.status.container_statuses or []))
    claim = read_or_none(core().read_namespaced_persistent_volume_claim, SHARED_CLAIM)
    modes = (claim.spec.access_modes or []) if claim is not None else []
    bound = claim is not None and claim.status is not None and claim.status.phase == "Bound"
    if not ready and SHARED_MODE in modes and not bound:
        yield False, f"{SHARED_POD} is Running and ready (it is {phase}: find out why with kubectl)"
        return
    mounts = [v.persistent_volume_claim.claim_name for v in pod.spec.volumes or [] if v.persistent_volume_claim]
    yield item(SHARED_CLAIM in mounts, f"it mounts the claim {SHARED_CLAIM}",
               f"it mounts {', '.join(mounts) or 'no claim'}: keep the colleague's claim")  # fmt: skip
    yield item(claim is not None, f"there is a PersistentVolumeClaim named {SHARED_CLAIM}",
               "there is none: apply CLAIM again, with your fix")  # fmt: skip
    if claim is None:
        return
    fits = "ReadWriteOnce" in modes and SHARED_MODE not in modes
    yield item(fits, "the claim asks for an access mode this cluster's storage class provides",
               f"it asks for {', '.join(modes)}")  # fmt: skip
    phase_of_claim = claim.status.phase if claim.status else None
    yield item(bound, f"the claim {SHARED_CLAIM} is Bound",
               f"it is {phase_of_claim}: `kubectl describe pvc {SHARED_CLAIM}` says why")  # fmt: skip
    seen = f"it is {phase}" + (", not ready yet: it trains the model first, check again in a moment"
                               if phase == "Running" else "")  # fmt: skip
    yield item(ready, f"{SHARED_POD} is Running and ready", seen)
    not_text = missing_text("platform_ex2", answer, "'what you would ask the platform team for'")
    if not_text is not None:
        yield not_text
        return
    assert isinstance(answer, str)
    yield item(bool(_RWX.search(answer)), "your answer names the access mode to ask the platform team for",
               "it does not: which mode did the claim ask for, that this cluster could not give?")  # fmt: skip


@checker(
    "platform_ex3",
    hints=(
        "A platform engineer acts on names and figures they can check: your namespace, what runs in it, the quota "
        "you sized, the role, the storage, the hostname. Fill every field of the template with yours.",
        "Lesson 41, 'A one-page request': copy its template. The namespace is this notebook's; `kubectl get "
        "deployments,cronjobs -n $namespace` lists what runs; `kubectl describe resourcequota team-quota -n "
        "$namespace` gives the figures for Resources, written as the quota writes them (such as 1280Mi).",
        "request = 'Team: growth analytics\\nContact: you@example.com\\nNamespace: $namespace\\nWorkloads: "
        "Deployment churn-api (2 replicas), CronJob nightly-score\\nResources: requests.cpu 800m, requests.memory "
        "1280Mi, limits.memory 2Gi (your team-quota)\\nAccess: the ClusterRole edit in our namespace\\nStorage: a "
        "StorageClass with ReadWriteMany for the model folder\\nNetwork: churn.growth.example.com, TLS through your "
        "Gateway\\nGPU: none\\nTimeline: by the end of the month'; kds.check('platform_ex3', request=request)",
    ),
)
def platform_ex3(request: object = None) -> Iterator[Item]:
    r"""Check a request written on the template of lesson 41 against the namespace, its workloads and its quota.

    Examples:
        >>> check("platform_ex3", request="Team: growth\nNamespace: lesson-platform-ex ...")  # doctest: +SKIP
    """
    if not isinstance(request, str):
        yield False, "pass your request as text: kds.check('platform_ex3', request=request)"
        return
    fields = request_fields(request)
    filled = {name: value for name, value in fields.items() if value}
    if not filled:
        yield False, "your request fills in the template's fields (all are empty so far)"
        return
    empty = [name for name in FIELDS if name not in filled]
    yield item(not empty, "it fills in every field of the template", f"empty or missing: {', '.join(empty)}")
    ns = effective_namespace()
    if "Namespace" in filled:
        yield item(re.search(rf"(?<![\w-]){re.escape(ns)}(?![\w-])", filled["Namespace"]) is not None,
                   f"Namespace: names your namespace, {ns}", f"it says {filled['Namespace']!r}")  # fmt: skip
    if "Workloads" in filled:
        yield from _workload_items(filled["Workloads"], ns)
    if "Resources" in filled:
        yield from _resource_items(filled["Resources"])
    if "Access" in filled:
        access = filled["Access"]
        too_much = _TOO_MUCH.search(access)
        seen = f"it names {too_much.group(0)}: ask for the smallest that works" if too_much else "it does not name it"
        yield item(
            bool(_EDIT.search(access)) and not too_much,
            "Access: asks for the built-in role that lets you deploy in your namespace, and no more",
            seen,
        )
    if "Storage" in filled:
        yield item(bool(_SHARED.search(filled["Storage"])), "Storage: asks for storage that several Pods can share",
                   "it does not say which kind: what could this cluster not give you in exercise 2?")  # fmt: skip
    if "Network" in filled:
        network = filled["Network"]
        host, tls = _HOSTNAME.search(network), _TLS.search(network)
        seen = "no hostname in it" if not host else "it does not say how the traffic is secured"
        yield item(bool(host and tls), "Network: names a hostname, and asks for TLS", seen)


def _workload_items(text: str, ns: str) -> Iterator[Item]:
    names = [name.partition("/")[2] for name, _, _ in workloads(ns) if not name.startswith("Job/")]
    if not names:
        yield False, f"Workloads: names what runs in {ns} (nothing runs there yet: run exercise 1's first cell)"
        return
    unnamed = [name for name in names if name not in text]
    yield item(not unnamed, f"Workloads: names what runs in {ns} ({', '.join(names)})",
               f"it does not name {', '.join(unnamed)}")  # fmt: skip


def _resource_items(text: str) -> Iterator[Item]:
    quota = read_or_none(core().read_namespaced_resource_quota, QUOTA)
    if quota is None:
        yield False, f"Resources: carries the figures of your quota {QUOTA} (there is none: do exercise 1 first)"
        return
    hard = quota.spec.hard or {}
    written = quantities_in(text)
    figures = {key: hard_figure(hard, key) for key in KEYS}
    absent = [f"{key} {value}" for key, value in figures.items() if value and quantity(value) not in written]
    yield item(not absent, f"Resources: carries the figures of your quota {QUOTA} (exercise 1)",
               f"missing: {', '.join(absent)}")  # fmt: skip
