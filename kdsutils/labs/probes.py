"""Lab 37, probes that lie: a readiness probe on a page the server does not have, a liveness probe too impatient."""

from __future__ import annotations

import time

from kdsutils._run import run
from kdsutils.errors import KdsError
from kdsutils.labs import live_pod, scenario
from kdsutils.labs._example import API, churn_api, probe
from kdsutils.resources import wait

#: The page the colleague's readiness probe asks for; the server answers 404 there.
WRONG_PATH = "/healthz"
#: The customers the server of probes-slowstart trains on at start: 8 to 25 s on the course cluster,
#: measured idle and busy (pandas and scikit-learn take 4 to 9 s to import, the fit the rest), 1.2 GiB.
SLOW_ROWS = 3_000_000
#: Memory for that bigger model (the team sized it right: this lab is not about memory).
SLOW_RESOURCES = {"requests": {"cpu": "100m", "memory": "1536Mi"}, "limits": {"memory": "2Gi"}}
#: The colleague's liveness probe: the first check after 3 s, a restart after 2 failures 2 s apart (about 5 s).
IMPATIENT = probe(initialDelaySeconds=3, periodSeconds=2, failureThreshold=2)


def _unhealthy(namespace: str, pod: str, says: str, *, count: int, timeout: float) -> None:
    """Wait until the kubelet has reported `count` probe failures of `pod` whose message starts with `says`."""
    deadline = time.monotonic() + timeout
    args = ["kubectl", "get", "events", "-n", namespace, "--field-selector",
            f"involvedObject.name={pod},reason=Unhealthy", "-o",
            "jsonpath={range .items[*]}{.count}{' '}{.message}{'\\n'}{end}"]  # fmt: skip
    while True:
        lines = run(args, timeout=30).stdout.splitlines()
        seen = sum(int(n or 1) for n, _, message in (line.partition(" ") for line in lines) if message.startswith(says))
        if seen >= count:
            return
        if time.monotonic() > deadline:
            raise KdsError(
                f"The probes of {pod} did not report {says!r} {count} times within {timeout:g} s.",
                fix=f"look at the Pod: `kubectl describe pod {pod} -n {namespace}`",
            )
        time.sleep(1)


def never_ready(namespace: str) -> None:
    """Wait until the server runs and its readiness probe has been answered 404 twice."""
    pod = live_pod(f"app={API}", namespace)
    wait("pod", pod, for_="jsonpath={.status.containerStatuses[0].started}=true", namespace=namespace, timeout=120)
    _unhealthy(namespace, pod, "Readiness probe failed: HTTP probe failed with statuscode: 404", count=2,
               timeout=120)  # fmt: skip


@scenario(
    "probes",
    message=(
        "A message from Priya: \"I tidied the churn API's manifest this morning and applied it. The Pod is Running, "
        "no restarts, the logs look normal, but `kubectl rollout status` never finishes and the dashboard that "
        'calls the API says it cannot connect. Nothing crashed, so what is it waiting for?"'
    ),
    settle=never_ready,
)
def probes() -> str:
    """The model server, with its readiness probe on a page the server does not serve."""
    return churn_api(container_fields={"readinessProbe": probe(WRONG_PATH, periodSeconds=2)})


def restarting(namespace: str) -> None:
    """Wait until the liveness probe has restarted the server twice."""
    wait("pod", live_pod(f"app={API}", namespace), for_="jsonpath={.status.containerStatuses[0].restartCount}=2",
         namespace=namespace, timeout=300)  # fmt: skip


@scenario(
    "probes-slowstart",
    message=(
        'A message from Sam: "I made the churn API train on many more customers at start, for a better model, and '
        "gave it more memory, as the platform team said. Now its Pod keeps restarting, and the dashboard's calls to "
        'it fail most of the time. There is no error in its logs, no traceback, nothing. What is killing it?"'
    ),
    settle=restarting,
)
def probes_slowstart() -> str:
    """The model server, slow to start on a bigger model, with a liveness probe that does not wait for it."""
    fields = {"resources": SLOW_RESOURCES, "livenessProbe": IMPATIENT}
    return churn_api(env={"ROWS": str(SLOW_ROWS)}, container_fields=fields)
