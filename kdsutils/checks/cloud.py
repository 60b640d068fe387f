"""Checks of the topic "cloud" (lesson 42): what changes on a cloud cluster, tried on the course cluster.

A LoadBalancer Service whose address stays pending here while its node port works
(``cloud_ex1``), a manifest written for EKS made to run here (``cloud_ex2``), and the context
guard met on purpose in a scratch kubeconfig (``cloud_ex3``, which reads files only: it never
reaches a cluster and changes nothing, not even ``KUBECONFIG``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from kubernetes import client

from kdsutils import kube
from kdsutils.checks._kit import (
    TIMEOUT,
    Item,
    apps,
    checker,
    core,
    item,
    read_or_none,
    ready_endpoints,
    rollout,
)
from kdsutils.checks.storage import mount_path
from kdsutils.cluster import NODE
from kdsutils.errors import KdsError
from kdsutils.kube import effective_namespace

#: The churn API the exercise notebook deploys, and the Service cloud_ex1 asks for in front of it.
API = "churn-api"
PUBLIC = "churn-api-public"
#: The Deployment and the claim of cloud_ex2, and what the tutorial wrote them for: an EKS disk
#: type and an EKS node group, neither of which the course cluster has.
SCORER = "batch-scorer"
CLAIM = "scores"
CLOUD_CLASS = "gp3"
POOL_LABEL = "eks.amazonaws.com/nodegroup"


def target_port(port: client.V1ServicePort, template: client.V1PodTemplateSpec) -> str:
    """Return the container port a Service port sends to, a named one looked up in `template` (pure).

    Examples:
        >>> named = client.V1ContainerPort(name="http", container_port=8000)
        >>> template = client.V1PodTemplateSpec(spec=client.V1PodSpec(containers=[
        ...     client.V1Container(name="api", ports=[named])]))
        >>> target_port(client.V1ServicePort(port=80, target_port="http"), template)
        '8000'
        >>> target_port(client.V1ServicePort(port=80), template)
        '80'
    """
    target = str(port.target_port if port.target_port is not None else port.port)
    named = {p.name: p.container_port for c in template.spec.containers for p in c.ports or [] if p.name}
    return str(named.get(target, target))


def selects(selector: Mapping[str, str] | None, labels: Mapping[str, str] | None) -> bool:
    """Tell whether a Service's selector picks Pods labelled `labels`; an empty selector picks none here (pure).

    Examples:
        >>> selects({"app": "churn-api"}, {"app": "churn-api", "tier": "web"})
        True
        >>> selects({"app": "churn_api"}, {"app": "churn-api"}), selects({}, {"app": "churn-api"})
        (False, False)
    """
    return bool(selector) and all((labels or {}).get(key) == value for key, value in (selector or {}).items())


def load_balancer_address(service: client.V1Service) -> str | None:
    """Return the address a load balancer gave the Service (an IP, or a DNS name on AWS), or None (pure).

    Examples:
        >>> pending = client.V1Service(status=client.V1ServiceStatus(load_balancer=client.V1LoadBalancerStatus()))
        >>> load_balancer_address(pending) is None
        True
        >>> given = client.V1LoadBalancerStatus(ingress=[client.V1LoadBalancerIngress(hostname="a1b2.elb.example")])
        >>> load_balancer_address(client.V1Service(status=client.V1ServiceStatus(load_balancer=given)))
        'a1b2.elb.example'
    """
    status = service.status.load_balancer if service.status else None
    for ingress in (status.ingress if status else None) or []:
        if ingress.ip or ingress.hostname:
            return ingress.ip or ingress.hostname
    return None


def port_number(answer: object) -> int | None:
    """Return `answer` as a port number when it is one (an int, or text of digits such as kubectl prints), else None.

    Examples:
        >>> port_number(31234), port_number(" 31234 "), port_number("80:31234/TCP"), port_number(True)
        (31234, 31234, None, None)
    """
    if isinstance(answer, bool):
        return None
    if isinstance(answer, int):
        return answer
    if isinstance(answer, str) and answer.strip().isdigit():
        return int(answer.strip())
    return None


def context_names(kubeconfig: Mapping[str, Any]) -> list[str]:
    """Return the names of the contexts a kubeconfig (as a dict) lists (pure).

    Examples:
        >>> context_names({"contexts": [{"name": "kds-local", "context": {}}, {"name": "gke_p_r_c"}]})
        ['kds-local', 'gke_p_r_c']
        >>> context_names({})
        []
    """
    entries = kubeconfig.get("contexts") or []
    return [entry["name"] for entry in entries if isinstance(entry, dict) and entry.get("name")]


def _course_contexts() -> list[str]:
    """The contexts the helpers accept: the two local backends and any registered workshop."""
    return [*kube.COURSE_CONTEXTS, *kube.workshop_contexts()]


@checker(
    "cloud_ex1",
    hints=(
        "A LoadBalancer Service is a NodePort Service that also asks the cloud for a load balancer. Where no "
        "cloud answers, the address stays pending, but the port on the nodes is there all the same.",
        "Lesson 42, 'LoadBalancer Services': `kubectl expose` with --type=LoadBalancer, --port and --target-port "
        "(or the builder with type='LoadBalancer'), then the PORT(S) column of `kubectl get service`, or the field "
        "spec.ports[0].nodePort.",
        "`kubectl expose deployment churn-api --name=churn-api-public --type=LoadBalancer --port=80 "
        "--target-port=8000 -n $namespace`, then node_port = kds.kubectl('get', 'service', 'churn-api-public', "
        "'-o', 'jsonpath={.spec.ports[0].nodePort}') and kds.check('cloud_ex1', node_port=node_port)",
    ),
)
def cloud_ex1(node_port: object = None) -> Iterator[Item]:
    """Check a LoadBalancer Service `churn-api-public` (80 to 8000) in front of churn-api, and its nodePort.

    Examples:
        >>> check("cloud_ex1", node_port=31234)  # doctest: +SKIP
        ✔ Well done: cloud_ex1 passes.
          ✔ there is a Deployment named churn-api in lesson-cloud-ex
    """
    deploy = read_or_none(apps().read_namespaced_deployment, API)
    yield item(deploy is not None, f"there is a Deployment named {API} in {effective_namespace()}",
               "run the cell of the exercise that deploys it")  # fmt: skip
    if deploy is None:
        return
    ready = (deploy.status.ready_replicas or 0) if deploy.status else 0
    yield item(ready >= 1, f"{API} has a ready Pod", "none is ready yet: wait for its rollout")
    svc = read_or_none(core().read_namespaced_service, PUBLIC)
    yield svc is not None, f"there is a Service named {PUBLIC} in {effective_namespace()}"
    if svc is None:
        return
    yield item(svc.spec.type == "LoadBalancer", "it is of type LoadBalancer", f"it is {svc.spec.type}")
    by_port = {p.port: p for p in svc.spec.ports or []}
    yield item(80 in by_port, "it listens on port 80", f"its ports: {sorted(by_port)}")
    if 80 in by_port:
        target = target_port(by_port[80], deploy.spec.template)
        yield item(target == "8000", "port 80 sends traffic to port 8000 of the Pods", f"it sends to {target}")
    selector, labels = svc.spec.selector or {}, deploy.spec.template.metadata.labels or {}
    shown = ", ".join(f"{k}={v}" for k, v in selector.items()) or "nothing"
    yield item(selects(selector, labels), f"its selector picks the Pods of {API}", f"it selects {shown}")
    endpoints = ready_endpoints(PUBLIC)
    yield item(endpoints >= 1, "it has ready endpoints, the churn API's Pods", "it has none")
    address = load_balancer_address(svc)
    yield item(
        address is None,
        "its external address is pending, since nothing on this cluster makes load balancers "
        "(on a cloud, status.loadBalancer.ingress would hold the load balancer's address)",
        f"this cluster gave it one, {address}: the exercise expects the course cluster",
    )
    if node_port is None:
        yield False, f"you passed the nodePort Kubernetes gave {PUBLIC}: check('cloud_ex1', node_port=...)"
        return
    given = port_number(node_port)
    if given is None:
        yield False, f"node_port is {node_port!r}; the check expects a port number, as a number or as text of digits"
        return
    live = by_port[80].node_port if 80 in by_port else None
    seen = (
        f"{PUBLIC} has no port 80 with a nodePort yet"
        if live is None
        else "it is not: the PORT(S) column of `kubectl get service` shows 80:<nodePort>/TCP"
    )
    yield item(given == live, f"the node_port you passed is the one Kubernetes gave {PUBLIC}", seen)


def _running_items(pods: list[client.V1Pod]) -> Iterator[Item]:
    """Say whether a Pod of batch-scorer runs on the course node, and whether any is still Pending."""
    running = [pod for pod in pods if pod.status and pod.status.phase == "Running"]
    pending = sorted(pod.metadata.name for pod in pods if pod.status and pod.status.phase == "Pending")
    on_node = [pod for pod in running if pod.spec.node_name == NODE]
    if running and not on_node:
        seen = f"it runs on {running[0].spec.node_name}"
    elif pending:
        seen = f"it is Pending: `kubectl describe pod {pending[0]}` says what it waits for now"
    else:
        seen = "no Pod of it runs"
    yield item(bool(on_node), f"a Pod of {SCORER} runs on {NODE}", seen)
    yield item(not pending, f"no Pod of {SCORER} is Pending", f"{', '.join(pending)} is Pending")


@checker(
    "cloud_ex2",
    hints=(
        "A manifest written for one cloud names things that cloud's clusters have: a kind of disk, a group of "
        "nodes. Ask this cluster what it has, and read what the Pod and its claim are waiting for.",
        "Lesson 42, 'Node pools' and 'Storage classes': `kubectl describe pod -l app=batch-scorer` (its "
        "Node-Selectors and its Events), `kubectl describe pvc scores`, `kubectl get storageclass` and "
        "`kubectl get nodes --show-labels`. The scheduler names one blocker at a time: look again after each fix.",
        "`kubectl delete pvc scores -n $namespace`, then kds.apply(CLAIM.replace('  storageClassName: gp3\\n', '')) "
        "for a claim of the default class; `kubectl patch deployment batch-scorer -n $namespace --type=json "
        '-p \'[{"op": "remove", "path": "/spec/template/spec/nodeSelector"}]\'`; then '
        "`kubectl rollout status deployment/batch-scorer -n $namespace`",
    ),
)
def cloud_ex2() -> Iterator[Item]:
    """Check that batch-scorer runs on the course node with its claim `scores` Bound, nothing left Pending.

    While both of the tutorial's cloud names are still there, the check says only that nothing runs:
    finding why is the exercise.

    Examples:
        >>> check("cloud_ex2")  # doctest: +SKIP
        ✔ Well done: cloud_ex2 passes.
          ✔ there is a Deployment named batch-scorer in lesson-cloud-ex
    """
    deploy = read_or_none(apps().read_namespaced_deployment, SCORER)
    yield item(deploy is not None, f"there is a Deployment named {SCORER} in {effective_namespace()}",
               "run the cell of the exercise that applies the tutorial's manifests")  # fmt: skip
    if deploy is None:
        return
    template = deploy.spec.template
    claim = read_or_none(core().read_namespaced_persistent_volume_claim, CLAIM)
    listed = core().list_namespaced_pod(effective_namespace(), label_selector=f"app={SCORER}", _request_timeout=TIMEOUT)
    pods = [pod for pod in listed.items if pod.metadata.deletion_timestamp is None]
    done, counts = rollout(deploy)
    as_brought = (
        claim is not None
        and claim.spec.storage_class_name == CLOUD_CLASS
        and POOL_LABEL in (template.spec.node_selector or {})
    )
    if as_brought and not done:
        waiting = any(pod.status and pod.status.phase == "Pending" for pod in pods)
        seen = "it is Pending: find out why with kubectl" if waiting else "find out why with kubectl"
        yield False, f"a Pod of {SCORER} runs ({seen})"
        return
    yield item(claim is not None, f"there is a PersistentVolumeClaim named {CLAIM} in {effective_namespace()}",
               f"{SCORER} mounts it: create it again, changed so that this cluster can provide it")  # fmt: skip
    if claim is not None:
        phase = claim.status.phase if claim.status else None
        seen = f"it is {phase}: `kubectl describe pvc {CLAIM}` says what it waits for"
        yield item(phase == "Bound", f"the claim {CLAIM} is Bound", seen)
    yield item(
        mount_path(template, CLAIM) is not None,
        f"{SCORER}'s Pods still mount the claim {CLAIM}, so the scores outlive them",
        "its Pod template no longer does: keep the volume, change only what this cluster cannot provide",
    )
    yield item(done, f"{SCORER} is rolled out", counts)
    yield from _running_items(pods)


@checker(
    "cloud_ex3",
    hints=(
        "Meet the refusal on purpose, in a file that is not your real kubeconfig, then put everything back: "
        "the check reads that file and asks which context is yours now.",
        "Lesson 42, 'The guard travels with you': copy the course entry with `kubectl config view --minify "
        "--flatten`, add a cloud-looking cluster, user and context, make it current in the scratch file, point "
        "os.environ['KUBECONFIG'] at the file, call a helper that changes something, then restore KUBECONFIG.",
        "scratch = Path(tempfile.mkdtemp()) / 'config'; config = yaml.safe_load(kds.kubectl('config', 'view', "
        "'--minify', '--flatten')); add the entries of CLOUD = 'arn:aws:eks:eu-west-1:123456789012:cluster/ml-prod' "
        "to config['clusters'], config['users'] and config['contexts'], set config['current-context'] = CLOUD and "
        "write it; saved = os.environ.get('KUBECONFIG'); os.environ['KUBECONFIG'] = str(scratch); try kds.apply(...) "
        "and catch ContextRefused; restore KUBECONFIG (del os.environ['KUBECONFIG'] when saved is None); then "
        "kds.check('cloud_ex3', refused_context=CLOUD, kubeconfig=scratch)",
    ),
)
def cloud_ex3(refused_context: object = None, kubeconfig: object = None) -> Iterator[Item]:
    """Check the scratch kubeconfig of the exercise, the context refused in it, and that the learner's own is back.

    Reads files only: the scratch file, the kubeconfig files this process uses, and the list of
    workshop contexts. It reaches no cluster and changes nothing.

    Examples:
        >>> check("cloud_ex3", refused_context="arn:aws:eks:eu-west-1:123456789012:cluster/ml-prod",
        ...       kubeconfig=scratch)  # doctest: +SKIP
        ✔ Well done: cloud_ex3 passes.
          ✔ the scratch kubeconfig file exists
    """
    if kubeconfig is None:
        yield False, "no scratch kubeconfig yet: pass the path of your file, check('cloud_ex3', ..., kubeconfig=path)"
        return
    if not isinstance(kubeconfig, str | os.PathLike):
        yield False, f"kubeconfig is a {type(kubeconfig).__name__}; the check expects the path of your scratch file"
        return
    path = Path(kubeconfig).expanduser()
    yield item(path.is_file(), "the scratch kubeconfig file exists", "there is no file at that path")
    if not path.is_file():
        return
    try:
        config = kube.read_kubeconfig(path)
    except KdsError as exc:
        yield False, f"the scratch file is a kubeconfig ({exc.message})"
        return
    names = context_names(config)
    yield item(len(names) >= 2, "it holds at least two contexts, the course cluster's and a cloud-looking one",
               f"it holds {len(names)}")  # fmt: skip
    current = str(config.get("current-context") or "")
    course = _course_contexts()
    seen = f"it is {current}: make the cloud-looking one current" if current else "it sets none"
    yield item(bool(current) and current not in course, "its current context is not a course cluster", seen)
    if not isinstance(refused_context, str) or not refused_context.strip():
        yield False, "refused_context names the context the helpers refused, as text (the error message quotes it)"
    else:
        seen = f"you passed {refused_context.strip()!r}, the file's current context is {current!r}"
        yield item(refused_context.strip() == current, "refused_context is that current context", seen)
    in_use = {Path(p).expanduser().resolve() for p in kube.kubeconfig_paths().split(os.pathsep) if p}
    if path.resolve() not in in_use:
        seen = ""
    elif "KUBECONFIG" in os.environ:
        seen = "KUBECONFIG still names it: put back the value you saved"
    else:
        seen = "it is the kubeconfig kubectl reads by default: write the scratch file in a folder of its own"
    yield item(not seen, "the scratch file is no longer one that kubectl and the helpers read", seen)
    try:
        now = kube.current_context()
    except KdsError as exc:
        yield False, f"your own current context is a course cluster again ({exc.message})"
        return
    yield item(now in course, "your own current context is a course cluster again", f"it is {now}")
