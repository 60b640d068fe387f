"""Lab 33, OOMKilled: a container killed by the kernel at its memory limit, found from the symptom."""

from __future__ import annotations

from typing import Any

from kdsutils.labs import live_pod, scenario
from kdsutils.labs._example import API, churn_api, dump, job
from kdsutils.resources import wait

#: The nightly training of the lesson's scenario, and the customers it trains on since the data grew.
NIGHTLY = "nightly-train"
NIGHTLY_ROWS = 1_500_000
#: The memory the team gave it when the data was smaller (the training needs about 700 MiB now).
NIGHTLY_MEMORY = "512Mi"
#: The server's memory limit in oomkilled-api: less than Python with pandas and scikit-learn takes to start
#: (the server holds about 120 MiB once it has trained its small model; lesson 17 measured about 150 MiB).
API_MEMORY = "64Mi"


def nightly_train(memory: str = NIGHTLY_MEMORY) -> dict[str, Any]:
    """The nightly training Job on NIGHTLY_ROWS customers with `memory` as request and limit (pure).

    Examples:
        >>> nightly_train("1Gi")["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
        {'memory': '1Gi'}
    """
    resources = {"requests": {"cpu": "500m", "memory": memory}, "limits": {"memory": memory}}
    command = ["python", "-m", "churn.train", "--rows", str(NIGHTLY_ROWS)]
    return job(NIGHTLY, command, backoff_limit=1, resources=resources)


def training_failed(namespace: str) -> None:
    """Wait until the nightly training has given up."""
    wait("job", NIGHTLY, for_="condition=Failed", namespace=namespace, timeout=240)


@scenario(
    "oomkilled",
    message=(
        'A message from Sam: "The nightly training failed last night, and again when I started it by hand this '
        f"morning (the Job {NIGHTLY}). Its logs show nothing: no error, no traceback. It ran fine every "
        'night for months. Any idea?"'
    ),
    settle=training_failed,
)
def oomkilled() -> str:
    """The nightly training, on more customers than its memory limit was sized for."""
    return dump(nightly_train())


def restarting(namespace: str) -> None:
    """Wait until the server's Pod has been killed twice and waits in CrashLoopBackOff."""
    pod = live_pod(f"app={API}", namespace, oldest=True)
    wait("pod", pod, for_="jsonpath={.status.containerStatuses[0].restartCount}=2", namespace=namespace,
         timeout=240)  # fmt: skip
    wait("pod", pod, for_="jsonpath={.status.containerStatuses[0].state.waiting.reason}=CrashLoopBackOff",
         namespace=namespace, timeout=120)  # fmt: skip


@scenario(
    "oomkilled-api",
    message=(
        'A message from Priya: "This morning I applied my tidied-up manifest for the churn API. Since then it '
        "never becomes ready and its Pod keeps restarting, but its logs show nothing wrong: no error, no "
        'traceback. Can you get it back up?"'
    ),
    settle=restarting,
)
def oomkilled_api() -> str:
    """The model server with a memory limit smaller than its start needs."""
    resources = {"requests": {"cpu": "100m", "memory": API_MEMORY}, "limits": {"memory": API_MEMORY}}
    return churn_api(container_fields={"resources": resources})
