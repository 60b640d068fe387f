"""Lab 39, Forbidden: the API server refuses a request (RBAC), or a quota refuses a Pod before it exists.

``forbidden``: a notebook server (the Pod a team's JupyterHub starts for Sam) runs as the
ServiceAccount ``notebook`` and submits the training Job through the API. Its Role was copied
from the rule for Pods, so it names ``jobs`` in the core API group, where no Jobs live: every
submission is answered 403. ``forbidden-quota``: the namespace's ResourceQuota counts memory
limits, and the team's Deployment sets none, so no Pod is ever created.
"""

from __future__ import annotations

import json
import time

from kdsutils._run import run
from kdsutils.errors import KdsError
from kdsutils.labs import scenario
from kdsutils.labs._example import API, TEAM, churn_api, container, dump, job
from kdsutils.resources import wait

#: The ServiceAccount (and its Role and RoleBinding) the team's JupyterHub gives a user's server.
ACCOUNT = "notebook"
#: The Pod that stands in for Sam's notebook server, named as JupyterHub's KubeSpawner names it.
SERVER = "jupyter-sam"
#: The training Job the notebook submits.
TRAIN = "train"
#: What the notebook prints when the API server refuses it.
REFUSED = "403 Forbidden"
#: The field manager the notebook's requests carry, so the Job's record shows who created it.
MANAGER = "jupyter-sam"
#: Seconds between two submissions while they are refused.
RETRY = 5
#: The quota of ``forbidden-quota``, as the platform team set it.
QUOTA = "team-quota"
QUOTA_HARD = {"pods": "4", "requests.cpu": "1", "requests.memory": "1Gi", "limits.memory": "1Gi"}

#: Sam's notebook cell, as the server runs it: submit the training Job through the API, as
#: ``kubectl create -f`` would, with the Pod's own ServiceAccount token; retry while refused.
SUBMIT = f"""\
import json, os, signal, sys, time
import requests

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
account = "/var/run/secrets/kubernetes.io/serviceaccount"
namespace = open(f"{{account}}/namespace").read()
job = json.loads(os.environ["TRAINING_JOB"])
url = f"https://kubernetes.default.svc/apis/batch/v1/namespaces/{{namespace}}/jobs"
while True:
    token = open(f"{{account}}/token").read()
    answer = requests.post(url, json=job, params={{"fieldManager": "{MANAGER}"}}, verify=f"{{account}}/ca.crt",
                           headers={{"Authorization": f"Bearer {{token}}"}}, timeout=30)
    if answer.ok or answer.status_code == 409:
        print(f"job.batch/{{job['metadata']['name']}} submitted: {{answer.status_code}} {{answer.reason}}", flush=True)
        break
    print(f"submitting the training Job failed: {{answer.status_code}} {{answer.reason}}: "
          f"{{answer.json().get('message')}}", flush=True)
    time.sleep({RETRY})
while True:
    time.sleep(3600)
"""

#: The model monitor of ``forbidden-binding``, its ServiceAccount, Role and RoleBinding.
MONITOR = "model-monitor"
MONITOR_ACCOUNT = "monitor"
MONITOR_ROLE = "pod-reader"
MONITOR_BINDING = "monitor-reads-pods"
#: The namespace the team moved from, which the copied RoleBinding still names.
OLD_NAMESPACE = "growth-staging"

#: The model monitor: every few seconds, count the churn API's Pods through the API.
WATCH = f"""\
import signal, sys, time
import requests

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
account = "/var/run/secrets/kubernetes.io/serviceaccount"
namespace = open(f"{{account}}/namespace").read()
url = f"https://kubernetes.default.svc/api/v1/namespaces/{{namespace}}/pods"
while True:
    token = open(f"{{account}}/token").read()
    answer = requests.get(url, params={{"labelSelector": "app={API}"}}, verify=f"{{account}}/ca.crt",
                          headers={{"Authorization": f"Bearer {{token}}"}}, timeout=30)
    if answer.ok:
        print(f"{API}: {{len(answer.json()['items'])}} pod(s) found", flush=True)
    else:
        print(f"listing the {API} pods failed: {{answer.status_code}} {{answer.reason}}: "
              f"{{answer.json().get('message')}}", flush=True)
    time.sleep({RETRY})
"""

_RBAC = "rbac.authorization.k8s.io"


def _account() -> dict:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": ACCOUNT, "labels": TEAM}}


def _role() -> dict:
    """The notebook's Role: Pods and their logs, and Jobs written in the core API group (the mistake)."""
    verbs = ["get", "list", "watch", "create", "delete"]
    return {
        "apiVersion": f"{_RBAC}/v1",
        "kind": "Role",
        "metadata": {"name": ACCOUNT, "labels": TEAM},
        "rules": [
            {"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": verbs},
            {"apiGroups": [""], "resources": ["jobs"], "verbs": verbs},
        ],
    }


def _binding() -> dict:
    return {
        "apiVersion": f"{_RBAC}/v1",
        "kind": "RoleBinding",
        "metadata": {"name": ACCOUNT, "labels": TEAM},
        "roleRef": {"apiGroup": _RBAC, "kind": "Role", "name": ACCOUNT},
        "subjects": [{"kind": "ServiceAccount", "name": ACCOUNT}],
    }


def _client(name: str, account: str, program: dict, labels: dict[str, str]) -> dict:
    """A Pod that runs as `account` and talks to the API server with its token (`program`: its container)."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "labels": {"app": name, **labels, **TEAM}},
        "spec": {"serviceAccountName": account, "containers": [program]},
    }


def _server() -> dict:
    """Sam's notebook server: runs as `ACCOUNT` and submits the training Job at start."""
    training = job(TRAIN, ["python", "-m", "churn.train"])
    cell = container("notebook", ["python", "-c", SUBMIT], env={"TRAINING_JOB": json.dumps(training)})
    return _client(SERVER, ACCOUNT, cell, {"component": "singleuser-server"})


def no_training_yet(namespace: str) -> None:
    """Delete the training Job an earlier run of the lab left, so the notebook submits its own."""
    run(["kubectl", "delete", "job", TRAIN, "-n", namespace, "--ignore-not-found", "--wait=true"], timeout=90)


def refused(pod: str, namespace: str, *, timeout: float = 120) -> None:
    """Wait until the Pod `pod` is running and has printed its first refusal.

    Raises:
        KdsError: when it has not within `timeout` seconds.
    """
    wait("pod", pod, for_="condition=Ready", namespace=namespace, timeout=timeout)
    deadline = time.monotonic() + timeout
    while REFUSED not in run(["kubectl", "logs", pod, "-n", namespace], check=False, timeout=30).stdout:
        if time.monotonic() > deadline:
            raise KdsError(
                f"The Pod {pod} printed no refusal within {timeout:g} s.",
                fix=f"read what it printed: `kubectl logs {pod} -n {namespace}`",
            )
        time.sleep(0.5)


@scenario(
    "forbidden",
    message=(
        'A message from Sam, who trains the churn model: "Since the team moved to the new namespace, the cell '
        "in my notebook on our JupyterHub that submits the nightly training Job fails with a 403, again and "
        "again, and no Job ever appears. The same Job, created with kubectl from my laptop, runs fine. Did the "
        'platform team forget something?"'
    ),
    setup=no_training_yet,
    settle=lambda namespace: refused(SERVER, namespace),
)
def forbidden() -> str:
    """The notebook's ServiceAccount, a Role that misses Jobs (wrong API group), its binding, the server."""
    return dump(_account(), _role(), _binding(), _server())


def no_pods(namespace: str, *, timeout: float = 120) -> None:
    """Wait until the Deployment reports that its ReplicaSet cannot create Pods."""
    wait("deployment", API, for_="condition=ReplicaFailure", namespace=namespace, timeout=timeout)


@scenario(
    "forbidden-quota",
    message=(
        'A message from Priya, who looks after the churn API: "The platform team moved us to a namespace with '
        "a quota. I applied the churn API there exactly as before, two replicas, and `kubectl get deployment` "
        "says 0/2 ready. But there is no Pod to look at: `kubectl get pods` shows nothing at all. Where did "
        'they go?"'
    ),
    settle=no_pods,
)
def forbidden_quota() -> str:
    """A quota that counts memory limits, and the churn API with requests but no limits."""
    quota = {
        "apiVersion": "v1",
        "kind": "ResourceQuota",
        "metadata": {"name": QUOTA},
        "spec": {"hard": dict(QUOTA_HARD)},
    }
    requests_only = {"requests": {"cpu": "100m", "memory": "256Mi"}}
    return dump(quota) + "---\n" + churn_api(replicas=2, container_fields={"resources": requests_only})


@scenario(
    "forbidden-binding",
    message=(
        'A message from Priya: "We moved the model monitor over from growth-staging with the rest of our YAML. '
        "Here it prints nothing but 403 errors. Its Role and its RoleBinding are both in the namespace, I "
        'checked with kubectl get. What else can it need?"'
    ),
    settle=lambda namespace: refused(MONITOR, namespace),
)
def forbidden_binding() -> str:
    """The monitor's account and Role, and a RoleBinding that still names the account of the old namespace."""
    account = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": MONITOR_ACCOUNT, "labels": TEAM}}
    role = {
        "apiVersion": f"{_RBAC}/v1",
        "kind": "Role",
        "metadata": {"name": MONITOR_ROLE, "labels": TEAM},
        "rules": [{"apiGroups": [""], "resources": ["pods", "pods/log"], "verbs": ["get", "list", "watch"]}],
    }
    binding = {
        "apiVersion": f"{_RBAC}/v1",
        "kind": "RoleBinding",
        "metadata": {"name": MONITOR_BINDING, "labels": TEAM},
        "roleRef": {"apiGroup": _RBAC, "kind": "Role", "name": MONITOR_ROLE},
        "subjects": [{"kind": "ServiceAccount", "name": MONITOR_ACCOUNT, "namespace": OLD_NAMESPACE}],
    }
    small = {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "64Mi"}}
    program = container("monitor", ["python", "-c", WATCH], resources=small)
    return dump(account, role, binding, _client(MONITOR, MONITOR_ACCOUNT, program, {"component": "monitoring"}))
