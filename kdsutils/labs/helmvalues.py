"""Lab 38, a Helm release with bad values: a key Helm ignores, an upgrade to roll back, a number without a unit.

Two scenarios install the course's ``hello`` chart from the app store (a small web page in the
course's Python image; it has no values schema, like many public charts); the third, the course's
MLflow chart. The release is made by the scenario's ``setup`` with Helm; the YAML applied first
is the colleague's values file, kept in a ConfigMap so the learner can read it as the team wrote it.
"""

from __future__ import annotations

import time
from typing import Any

import yaml

from kdsutils._run import run
from kdsutils.appstore import URL
from kdsutils.builder import load_image
from kdsutils.errors import KdsError
from kdsutils.kube import require_course_context
from kdsutils.labs import scenario
from kdsutils.labs._example import TEAM, dump
from kdsutils.manifests import PYTHON_DS_IMAGE
from kdsutils.resources import rollout_status, wait

#: The chart and its version, as the app store holds them at ``kds up``.
CHART, VERSION = "hello", "0.1.0"
#: The release both scenarios install, and the Deployment the chart makes for it.
RELEASE = "status-page"
DEPLOYMENT = f"{RELEASE}-{CHART}"
#: The ConfigMap that holds the colleague's values file, under the key `values.yaml`.
VALUES = f"{RELEASE}-values"
#: How many copies the colleague asked for.
COPIES = 3
#: The image the course's python-ds image is, split as the chart's values split it.
REPOSITORY, TAG = PYTHON_DS_IMAGE.rsplit(":", 1)
#: The page's text in each revision of helmvalues-rollback: install, a good upgrade, the bad one.
MESSAGES = ("Churn API: all systems normal", "Churn API: all systems normal (model retrained Monday)",
            "Churn API: new model live")  # fmt: skip
#: The image tag of the bad upgrade: a release of the image that was never built.
MISSING_TAG = "2027.01"

#: helmvalues-memory: the team's MLflow release, its chart, the Deployment it makes, and where its values are.
TRACKING, TRACKER_CHART, TRACKER_VERSION = "tracking", "mlflow", "0.1.0"
TRACKING_DEPLOYMENT = f"{TRACKING}-{TRACKER_CHART}"
TRACKING_VALUES = f"{TRACKING}-values"
#: The memory limit Jo wrote (she meant MB) and the smallest and largest limit that is the "2 GB" she wanted.
WRITTEN_MEMORY, MEANT_MEMORY = 2048, ("2G", "2Gi")

#: Jo's values file: a memory limit without a unit, which Kubernetes reads as bytes.
NO_UNIT = f"""\
# MLflow ran out of memory in Tuesday's sweep (the chart's limit is 1Gi): give it 2 GB.
resources:
  limits:
    memory: {WRITTEN_MEMORY}
"""

#: The colleague's values file: `replicaCount` landed inside `image:` (two spaces too many).
MISINDENTED = f"""\
# The team's status page, for Friday's customer demo: three copies, as the platform team
# asks of anything customers see.
message: "{MESSAGES[0]}"
image:
  repository: {REPOSITORY}
  tag: "{TAG}"
  replicaCount: {COPIES}
"""


def values_file(text: str, name: str = VALUES) -> dict[str, Any]:
    r"""The ConfigMap `name` that holds a values file as the team wrote it (pure).

    Examples:
        >>> values_file("replicaCount: 2\\n")["data"]
        {'values.yaml': 'replicaCount: 2\\n'}
    """
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "labels": dict(TEAM)},
            "data": {"values.yaml": text}}  # fmt: skip


def _helm(*args: str, namespace: str, values: str | None = None, check: bool = True) -> int:
    """Run one helm command on the course cluster, values from a text (``-f -``) when given; its exit code."""
    context = ["--kube-context", require_course_context(), "-n", namespace]
    stdin = ["-f", "-"] if values is not None else []
    return run(["helm", *args, *context, *stdin], input=values, timeout=300, check=check).returncode


def _reap(namespace: str) -> None:
    """Delete at once the release's Pods that are stopping: the page ignores SIGTERM and would linger 30 s."""
    args = ["kubectl", "get", "pods", "-n", namespace, "-l", f"app.kubernetes.io/instance={RELEASE}", "-o",
            "jsonpath={range .items[?(@.metadata.deletionTimestamp)]}{.metadata.name}{' '}{end}"]  # fmt: skip
    stopping = run(args, timeout=30).stdout.split()
    if stopping:
        run(["kubectl", "delete", "pods", *stopping, "-n", namespace, "--grace-period=1", "--ignore-not-found",
             "--wait=true"], timeout=120)  # fmt: skip


def _install(namespace: str, values: str) -> None:
    """Install the release afresh (uninstalling an earlier one), from the app store, with `values`."""
    _helm("uninstall", RELEASE, "--ignore-not-found", "--wait", namespace=namespace)
    _reap(namespace)
    _helm("install", RELEASE, CHART, "--repo", URL, "--version", VERSION, namespace=namespace, values=values)


def installed(namespace: str) -> None:
    """Install the colleague's release with the mis-indented values file."""
    _install(namespace, MISINDENTED)


def rolled_out(namespace: str) -> None:
    """Wait until the release's Deployment has rolled out and its replaced Pods are gone."""
    rollout_status("deployment", DEPLOYMENT, namespace=namespace, timeout=180)
    _reap(namespace)


@scenario(
    "helmvalues",
    message=(
        f"A message from Priya: \"For Friday's demo I installed our status page with Helm, release {RELEASE}, "
        f"with {COPIES} copies as the platform team asks. Helm said deployed, no error, and the page answers. But "
        f"`kubectl get pods` shows one Pod, not {COPIES}. My values file is in the ConfigMap {VALUES}. Where did "
        'my copies go?"'
    ),
    setup=installed,
    settle=rolled_out,
)
def helmvalues() -> str:
    """The colleague's values file, with `replicaCount` indented under `image:`."""
    return dump(values_file(MISINDENTED))


def revision(number: int) -> str:
    """The values file of revision `number` (1 to 3) of helmvalues-rollback (pure).

    Examples:
        >>> yaml.safe_load(revision(3))["image"]["tag"]
        '2027.01'
    """
    tag = MISSING_TAG if number == 3 else TAG
    return yaml.safe_dump({"message": MESSAGES[number - 1], "image": {"repository": REPOSITORY, "tag": tag}},
                          sort_keys=False)  # fmt: skip


def upgraded_badly(namespace: str) -> None:
    """Install revision 1, upgrade to the good revision 2, then to revision 3, whose image does not exist."""
    _install(namespace, revision(1))
    rolled_out(namespace)
    _helm("upgrade", RELEASE, CHART, "--repo", URL, "--version", VERSION, namespace=namespace, values=revision(2))
    rolled_out(namespace)
    _helm("upgrade", RELEASE, CHART, "--repo", URL, "--version", VERSION, namespace=namespace, values=revision(3))


def _newest_pod(namespace: str, *, timeout: float = 60) -> str:
    """The release's Pod that runs the image of revision 3, once the Deployment has made it."""
    deadline = time.monotonic() + timeout
    args = ["kubectl", "get", "pods", "-n", namespace, "-l", f"app.kubernetes.io/instance={RELEASE}", "-o",
            "jsonpath={range .items[*]}{.metadata.name}{' '}{.spec.containers[0].image}{'\\n'}{end}"]  # fmt: skip
    while True:
        pods = [line.split() for line in run(args, timeout=30).stdout.splitlines() if line.strip()]
        found = [name for name, image in pods if image.endswith(f":{MISSING_TAG}")]
        if found:
            return found[0]
        if time.monotonic() > deadline:
            raise KdsError(
                f"No Pod of revision 3 of {RELEASE} appeared in {namespace} within {timeout:g} s.",
                fix=f"look at the release: `helm history {RELEASE} -n {namespace}`",
            )
        time.sleep(0.5)


def cannot_pull(namespace: str) -> None:
    """Wait until the Pod of revision 3 cannot pull its image."""
    wait("pod", _newest_pod(namespace), for_="jsonpath={.status.containerStatuses[0].state.waiting.reason}="
         "ImagePullBackOff", namespace=namespace, timeout=180)  # fmt: skip


@scenario(
    "helmvalues-rollback",
    message=(
        f'A message from Sam: "I upgraded the release {RELEASE} with the new image for the model launch, and '
        "changed the page's text. Helm said deployed, but the page still shows the old text and one Pod is stuck. "
        "The launch is in ten minutes: put the page back the way it was this morning, we will fix the upgrade "
        'later."'
    ),
    setup=upgraded_badly,
    settle=cannot_pull,
)
def helmvalues_rollback() -> str:
    """The values file of the last upgrade, as Sam left it in the ConfigMap."""
    return dump(values_file(revision(3)))


def upgraded_with_a_number(namespace: str) -> None:
    """Install MLflow as the release tracking, then upgrade it with Jo's values file, which Kubernetes refuses.

    Raises:
        KdsError: when the upgrade goes through (then the lab would show nothing).
    """
    load_image(TRACKER_CHART)
    _helm("uninstall", TRACKING, "--ignore-not-found", "--wait", namespace=namespace)
    chart = [TRACKER_CHART, "--repo", URL, "--version", TRACKER_VERSION]
    _helm("install", TRACKING, *chart, namespace=namespace)
    rollout_status("deployment", TRACKING_DEPLOYMENT, namespace=namespace, timeout=300)
    if _helm("upgrade", TRACKING, *chart, namespace=namespace, values=NO_UNIT, check=False) == 0:
        raise KdsError(
            f"helm upgrade {TRACKING} accepted a memory limit of {WRITTEN_MEMORY} bytes: the lab shows nothing.",
            fix=f"look at the release: `helm history {TRACKING} -n {namespace}`",
        )


@scenario(
    "helmvalues-memory",
    message=(
        f'A message from Jo, on the pricing team: "Our MLflow ran out of memory in Tuesday\'s sweep, so I gave the '
        f"release {TRACKING} 2 GB in its values (my file is in the ConfigMap {TRACKING_VALUES}) and ran helm "
        "upgrade. Helm printed an error about a request that must be less than or equal to the memory limit, and "
        "`helm list` says failed. MLflow still answers. What did I do wrong? Can you give it its 2 GB?\""
    ),
    setup=upgraded_with_a_number,
)
def helmvalues_memory() -> str:
    """Jo's values file, as she left it in the ConfigMap."""
    return dump(values_file(NO_UNIT, TRACKING_VALUES))
