"""Lab 32, CrashLoopBackOff: a Python exception at start, read from the logs of the crash before."""

from __future__ import annotations

from typing import Any

from kdsutils._run import run
from kdsutils.kube import require_course_context
from kdsutils.labs import live_pod, scenario
from kdsutils.labs._example import API, churn_api, dump, job
from kdsutils.resources import wait

#: Where the team's training Job saves the model, on the claim `models`.
SAVED_AT = "/models/model.joblib"
#: Where the server was told to look.
LOOKED_AT = "/models/churn.joblib"

_CLAIM = {
    "apiVersion": "v1",
    "kind": "PersistentVolumeClaim",
    "metadata": {"name": "models", "labels": {"team": "growth"}},
    "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "100Mi"}}},
}
_ON_CLAIM = {"volumes": [{"name": "models", "persistentVolumeClaim": {"claimName": "models"}}]}
_MOUNT = [{"name": "models", "mountPath": "/models"}]


def crash_looping(namespace: str) -> None:
    """Wait until the training has saved the model and the server's Pod is in CrashLoopBackOff."""
    wait("job", "train", for_="condition=Complete", namespace=namespace, timeout=180)
    pod = live_pod(f"app={API}", namespace, oldest=True)
    wait("pod", pod, for_="jsonpath={.status.containerStatuses[0].state.waiting.reason}=CrashLoopBackOff",
         namespace=namespace, timeout=180)  # fmt: skip


@scenario(
    "crashloop",
    message=(
        'A message from Sam, who trains the churn model: "I retrained the model last night and the Job '
        "finished fine, but since then the churn API does not come up: its Pod keeps restarting. "
        "Nothing in the server's code changed. Can you see why?\""
    ),
    settle=crash_looping,
)
def crashloop() -> str:
    """The training Job saves to one file; the server is told to load another."""
    train = job("train", ["python", "-m", "churn.train", "--out", SAVED_AT], volumeMounts=_MOUNT,
                pod_fields=_ON_CLAIM)  # fmt: skip
    server = churn_api(env={"MODEL_PATH": LOOKED_AT}, container_fields={"volumeMounts": _MOUNT}, pod_fields=_ON_CLAIM)
    return dump(_CLAIM, train) + "---\n" + server


#: The nightly scoring's CronJob in crashloop-threshold, and the run Priya started by hand from it.
SCORING = "nightly-scoring"
SCORING_TEST = "nightly-scoring-test"
#: What Priya wrote where the scorer expects a number.
BROKEN_THRESHOLD = "70%"


def nightly_scoring(threshold: str) -> dict[str, Any]:
    """The nightly scoring as a CronJob at 02:00 whose Pods restart in place on failure (pure).

    Examples:
        >>> nightly_scoring("0.5")["spec"]["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"]
        'OnFailure'
    """
    scoring = job(SCORING, ["python", "-m", "churn.score"], env={"THRESHOLD": threshold}, backoff_limit=10)
    scoring["spec"]["template"]["spec"]["restartPolicy"] = "OnFailure"
    return {
        "apiVersion": "batch/v1",
        "kind": "CronJob",
        "metadata": {"name": SCORING, "labels": scoring["metadata"]["labels"]},
        "spec": {
            "schedule": "0 2 * * *",
            "concurrencyPolicy": "Forbid",
            "jobTemplate": {"metadata": {"labels": scoring["metadata"]["labels"]}, "spec": scoring["spec"]},
        },
    }


def run_by_hand(namespace: str) -> None:
    """Start one run of the nightly scoring now, as Priya did: ``kubectl create job --from=cronjob/...``."""
    context = require_course_context()
    kubectl = ["kubectl", "--context", context]
    # Foreground: the old run's Pods are gone too, so the new run's Pod is the only one to watch.
    run([*kubectl, "delete", "job", SCORING_TEST, "-n", namespace, "--ignore-not-found", "--grace-period=1",
         "--cascade=foreground", "--wait=true", "--timeout=120s"], timeout=150)  # fmt: skip
    run([*kubectl, "create", "job", SCORING_TEST, f"--from=cronjob/{SCORING}", "-n", namespace], timeout=60)


def scoring_crash_looping(namespace: str) -> None:
    """Wait until the run by hand has crashed twice and waits in CrashLoopBackOff."""
    pod = live_pod(f"job-name={SCORING_TEST}", namespace, oldest=True)
    wait("pod", pod, for_="jsonpath={.status.containerStatuses[0].restartCount}=2", namespace=namespace,
         timeout=180)  # fmt: skip
    wait("pod", pod, for_="jsonpath={.status.containerStatuses[0].state.waiting.reason}=CrashLoopBackOff",
         namespace=namespace, timeout=120)  # fmt: skip


@scenario(
    "crashloop-threshold",
    message=(
        'A message from Priya, on the retention team: "I changed the nightly scoring yesterday (the CronJob '
        f"{SCORING}). To try it before tonight I started one run by hand, {SCORING_TEST}, and its Pod keeps "
        "restarting. Tonight's run must work. Can you find out what is wrong?\""
    ),
    setup=run_by_hand,
    settle=scoring_crash_looping,
)
def crashloop_threshold() -> str:
    """The nightly scoring's threshold, written as a percentage where Python expects a number."""
    return dump(nightly_scoring(BROKEN_THRESHOLD))


#: The sweep of crashloop-sweep: each Job's C. sweep-3 was meant to regularize least.
SWEEP = {"sweep-1": "0.1", "sweep-2": "1", "sweep-3": "0"}
#: The label the sweep's Jobs share, as in lesson 16.
SWEEP_LABEL = {"sweep": "c"}


def sweep_run(name: str, c: str) -> dict[str, Any]:
    """One training Job of the sweep, with ``--c`` `c` and the label ``sweep=c`` (pure).

    Examples:
        >>> sweep_run("sweep-9", "10")["spec"]["template"]["spec"]["containers"][0]["command"][-2:]
        ['--c', '10']
    """
    training = job(name, ["python", "-m", "churn.train", "--c", c])
    for meta in (training["metadata"], training["spec"]["template"]["metadata"]):
        meta["labels"].update(SWEEP_LABEL)
    return training


def sweep_given_up(namespace: str) -> None:
    """Wait until the two good runs completed and the bad one gave up (BackoffLimitExceeded)."""
    for name, c in SWEEP.items():
        done = "condition=Failed" if c == "0" else "condition=Complete"
        wait("job", name, for_=done, namespace=namespace, timeout=240)


@scenario(
    "crashloop-sweep",
    message=(
        'A message from Sam: "Before lunch I started a small sweep over C, three training Jobs labelled '
        "sweep=c. Two of them gave me scores; the third, sweep-3, says Failed and printed no score. I "
        'did not change the training code. What happened?"'
    ),
    settle=sweep_given_up,
)
def crashloop_sweep() -> str:
    """Three training Jobs of a sweep over C; the third asks scikit-learn for C = 0."""
    return dump(*(sweep_run(name, c) for name, c in SWEEP.items()))
