"""Checks for lesson 16, Jobs and CronJobs: a sweep of three Jobs and a scheduled scoring run."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from typing import Any

from kubernetes import client

from kdsutils.checks import checker
from kdsutils.checks.lesson14 import item, read_namespaced
from kdsutils.kube import api_client, effective_namespace
from kdsutils.manifests import PYTHON_DS_IMAGE

_ACCURACY = re.compile(r"accuracy=(\d+(?:\.\d+)?)")


def _env(job: Any, name: str) -> str | None:
    for container in job.spec.template.spec.containers:
        for env in container.env or []:
            if env.name == name:
                return env.value
    return None


def _accuracy(job: Any) -> float | None:
    """Return the last accuracy=... that a Pod of `job` printed, or None."""
    core = client.CoreV1Api(api_client())
    ns = effective_namespace()
    pods = core.list_namespaced_pod(ns, label_selector=f"job-name={job.metadata.name}", _request_timeout=15)
    for pod in pods.items:
        if pod.status.phase == "Succeeded":
            found = _ACCURACY.findall(core.read_namespaced_pod_log(pod.metadata.name, ns, _request_timeout=15))
            if found:
                return float(found[-1])
    return None


@checker(
    "jobs_ex1",
    hint="create three Jobs in a loop with kds.manifests.job(..., env={'N_ESTIMATORS': n}, "
    "labels={'sweep': 'trees'}), wait for each, and take the largest accuracy= from their logs",
)
def jobs_ex1(answer: object = None) -> Iterator[tuple[bool, str]]:
    """Check three completed Jobs labelled sweep=trees with different N_ESTIMATORS, and the best score."""
    jobs = (
        client.BatchV1Api(api_client())
        .list_namespaced_job(effective_namespace(), label_selector="sweep=trees", _request_timeout=15)
        .items
    )
    yield item(len(jobs) >= 3, "there are three Jobs labelled sweep=trees", f"there are {len(jobs)}")
    if not jobs:
        return
    settings = {_env(job, "N_ESTIMATORS") for job in jobs}
    yield (
        None not in settings and len(settings) == len(jobs),
        "each Job sets a different N_ESTIMATORS",
    )
    waiting = sorted(job.metadata.name for job in jobs if not job.status.succeeded)
    yield item(not waiting, "all of them are complete", f"not yet: {', '.join(waiting)}")
    if waiting:
        return
    scores = [score for score in map(_accuracy, jobs) if score is not None]
    yield len(scores) == len(jobs), "every Job printed its accuracy= in its logs"
    if not scores:
        return
    if not isinstance(answer, int | float) or isinstance(answer, bool):
        yield False, "pass the best accuracy as a number: check('jobs_ex1', answer=best)"
    else:
        best = max(scores)
        yield math.isclose(answer, best, abs_tol=5e-4), f"{answer} is the best accuracy of the sweep"


@checker(
    "jobs_ex2",
    hint="kds.manifests.cronjob('nightly-score', ..., schedule='30 2 * * *'), then "
    "`kubectl create job NAME --from=cronjob/nightly-score` and wait for it",
)
def jobs_ex2() -> Iterator[tuple[bool, str]]:
    """Check a CronJob `nightly-score` at 02:30 daily on the course image, and one run of it that completed."""
    batch = client.BatchV1Api(api_client())
    cron = read_namespaced(batch.read_namespaced_cron_job, "nightly-score")
    if cron is None:
        yield False, "there is a CronJob named nightly-score"
        return
    yield True, "there is a CronJob named nightly-score"
    schedule = " ".join(cron.spec.schedule.split())
    yield item(schedule == "30 2 * * *", "it runs every day at 02:30", f"its schedule is {cron.spec.schedule!r}")
    images = [c.image for c in cron.spec.job_template.spec.template.spec.containers]
    yield item(PYTHON_DS_IMAGE in images, f"it runs the course image {PYTHON_DS_IMAGE}", f"it runs {', '.join(images)}")
    jobs = batch.list_namespaced_job(effective_namespace(), _request_timeout=15).items
    runs = [
        job
        for job in jobs
        if any(ref.kind == "CronJob" and ref.name == "nightly-score" for ref in job.metadata.owner_references or [])
    ]
    done = [job for job in runs if job.status.succeeded]
    seen = f"{runs[0].metadata.name} has not yet" if runs else "no Job was created from it yet"
    yield item(bool(done), "a Job created from it has completed", seen)
