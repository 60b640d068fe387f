"""Lab 36, a Service that answers nobody: the churn API is up and ready, and no call reaches it.

Three links of the chain from a Service to a server, each broken once: the selector picks no
Pod (``unreachable``), the Service sends to a port nothing listens on (``unreachable-port``),
and the server listens on 127.0.0.1 only, where no other Pod can reach it
(``unreachable-localhost``).
"""

from __future__ import annotations

from kdsutils._run import run
from kdsutils.labs import scenario
from kdsutils.labs._example import API, PORT, churn_api
from kdsutils.resources import wait

#: The label value the Service selects in ``unreachable``: one letter off.
TYPO = "churn-apl"
#: Where the Service of ``unreachable-port`` sends its port (the server listens on 8000).
WRONG_PORT = 8080
#: The address the server of ``unreachable-localhost`` listens on.
LOOPBACK = "127.0.0.1"
#: The team's readiness probe of ``unreachable-localhost``: a request from inside the container.
HEALTH_FROM_INSIDE = [
    "python",
    "-c",
    "import sys, urllib.request\n"
    "try:\n"
    f"    urllib.request.urlopen('http://127.0.0.1:{PORT}/health', timeout=2)\n"
    "except OSError as error:\n"
    "    sys.exit(f'not ready yet: {error}')\n",
]


def _settle(namespace: str) -> None:
    """Wait until the churn API is Ready and alone: from then on, only the Service is at fault.

    Starting over leaves the Pods of the previous start stopping for a moment; they are waited for,
    so that every look at the Service sees the new Pod only.
    """
    wait("deployment", API, for_="jsonpath={.status.readyReplicas}=1", namespace=namespace, timeout=180)
    columns = "custom-columns=NAME:.metadata.name,STOPPING:.metadata.deletionTimestamp"
    listed = run(["kubectl", "get", "pods", "-l", f"app={API}", "-n", namespace, "-o", columns, "--no-headers"])
    for line in listed.stdout.splitlines():
        name, stopping = line.split()
        if stopping != "<none>":
            wait("pod", name, for_="delete", namespace=namespace, timeout=120)


@scenario(
    "unreachable",
    message=(
        "A message from Jo, who builds the retention dashboard: \"Since this morning's redeploy of the churn "
        "API, every call from the dashboard to http://churn-api:8000 fails with 'connection refused'. Its Pod "
        'is Running and Ready, I checked. What changed?"'
    ),
    settle=_settle,
)
def unreachable() -> str:
    """The churn API and its Service, whose selector has a typo."""
    return churn_api(selector={"app": TYPO})


@scenario(
    "unreachable-port",
    message=(
        "A message from Jo: \"The churn API's Service was tidied up yesterday (named ports, new labels), and "
        "now the dashboard's calls to http://churn-api:8000 are refused. The Pod is Ready and its endpoints "
        'are listed, so the Service must be fine... right?"'
    ),
    settle=_settle,
)
def unreachable_port() -> str:
    """The churn API's Service sends its port to 8080, where nothing listens."""
    return churn_api(target_port=WRONG_PORT)


@scenario(
    "unreachable-localhost",
    message=(
        "A message from Sam: \"I moved the churn API's settings into environment variables, the same ones I "
        "use on my laptop, and switched its readiness probe to a small Python check of /health. The Pod is "
        "Ready, its logs say it serves, and the probe passes every few seconds. Yet the dashboard's calls "
        'to http://churn-api:8000 are refused. How can a Ready server refuse calls?"'
    ),
    settle=_settle,
)
def unreachable_localhost() -> str:
    """The churn API listens on 127.0.0.1 (``$HOST``), and its exec probe asks from inside the container."""
    probe = {"exec": {"command": HEALTH_FROM_INSIDE}, "initialDelaySeconds": 5, "periodSeconds": 3, "timeoutSeconds": 3}
    return churn_api(env={"HOST": LOOPBACK, "THRESHOLD": "0.5"}, container_fields={"readinessProbe": probe})
