"""Lab 31, ImagePullBackOff and ErrImageNeverPull: the image a Pod needs never reaches the node.

Course images live under the registry ``kds.invalid``, a name that never resolves, so any pull
fails the same way online and offline. Three ways the running example waits for its image: the
churn API's tag has two digits swapped (``imagepull``), the right image with
``imagePullPolicy: Always`` (``imagepull-always``), and a training Job on a colleague's own
image that was built on a laptop but never loaded into the cluster, with ``imagePullPolicy:
Never`` (``imagepull-never``).
"""

from __future__ import annotations

from kdsutils.labs import Step, live_pod, scenario
from kdsutils.labs._example import API, churn_api, dump, job
from kdsutils.manifests import PYTHON_DS_IMAGE
from kdsutils.resources import wait

#: Sam's own training image: built on a laptop, never loaded into the course cluster.
SAMS_IMAGE = "kds.invalid/sam-churn:0.3"
#: The training Job of ``imagepull-never``.
TRAIN = "train"


def typo(image: str) -> str:
    """The image with the last two characters of its tag swapped, as a tired hand types it (pure).

    Examples:
        >>> typo("kds.invalid/python-ds:2026.12")
        'kds.invalid/python-ds:2026.21'
        >>> typo("kds.invalid/busybox:1.11")
        'kds.invalid/busybox:1.110'
    """
    name, _, tag = image.rpartition(":")
    swapped = tag[:-2] + tag[-1] + tag[-2]
    return f"{name}:{swapped if swapped != tag else tag + '0'}"


#: The image the churn API was rolled out with in ``imagepull``.
TYPO_IMAGE = typo(PYTHON_DS_IMAGE)


def _waiting(selector: str, reason: str) -> Step:
    """A settle step: wait until the first Pod of `selector` waits with `reason` (its image did not come)."""

    def settle(namespace: str) -> None:
        pod = live_pod(selector, namespace)
        wait("pod", pod, for_=f"jsonpath={{.status.containerStatuses[0].state.waiting.reason}}={reason}",
             namespace=namespace, timeout=120)  # fmt: skip

    return settle


@scenario(
    "imagepull",
    message=(
        "A message from Alex, on the growth team: \"This morning I moved the churn API to this month's course "
        "image, the same one the training uses. Since then the API is down: its Pod is not ready, and `kubectl "
        'logs` says the container is waiting to start. There is nothing else in the logs. Did I break it?"'
    ),
    settle=_waiting(f"app={API}", "ImagePullBackOff"),
)
def imagepull() -> str:
    """The churn API on the course image, with two digits of its tag swapped."""
    return churn_api(image=TYPO_IMAGE)


@scenario(
    "imagepull-always",
    message=(
        "A message from Priya, on the retention team: \"I copied the churn API's Deployment from the production "
        "repository, where it has run for months, so that the dev cluster runs exactly what production runs. "
        "Here its Pod never starts, and it says something about pulling. The image is the one everything else "
        'in this cluster uses: I compared the name letter by letter. What is different here?"'
    ),
    settle=_waiting(f"app={API}", "ImagePullBackOff"),
)
def imagepull_always() -> str:
    """The churn API on the right image, told to download it on every start (``imagePullPolicy: Always``)."""
    return churn_api(container_fields={"imagePullPolicy": "Always"})


@scenario(
    "imagepull-never",
    message=(
        'A message from Sam, who trains the churn model: "Yesterday I built my own training image on my laptop, '
        f"{SAMS_IMAGE}; it is only the course image with nothing of mine added yet. My Job {TRAIN} has been "
        'sitting there for an hour: no error, no logs, it just does not start. Is the cluster stuck?"'
    ),
    settle=_waiting(f"job-name={TRAIN}", "ErrImageNeverPull"),
)
def imagepull_never() -> str:
    """The training Job on an image the node does not have, with ``imagePullPolicy: Never``."""
    return dump(job(TRAIN, ["python", "-m", "churn.train"], image=SAMS_IMAGE, imagePullPolicy="Never"))
