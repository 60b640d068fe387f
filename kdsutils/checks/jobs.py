"""Checks of the topic "jobs" (lesson 16): a sweep of three Jobs and a scheduled scoring run."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator

from kubernetes import client

from kdsutils import manifests
from kdsutils.checks._kit import TIMEOUT, Item, batch, checker, item, job_pods, owned_by, pod_log, read_or_none
from kdsutils.kube import effective_namespace

_ACCURACY = re.compile(r"accuracy=(\d+(?:\.\d+)?)")


def _env(job: client.V1Job, name: str) -> str | None:
    for container in job.spec.template.spec.containers:
        for env in container.env or []:
            if env.name == name:
                return env.value
    return None


def _accuracy(job: client.V1Job) -> float | None:
    """Return the last accuracy=... that a Pod of `job` printed, or None."""
    for pod in job_pods(job.metadata.name):
        if pod.status.phase == "Succeeded":
            found = _ACCURACY.findall(pod_log(pod.metadata.name))
            if found:
                return float(found[-1])
    return None


@checker(
    "jobs_ex1",
    hints=(
        "One Job per setting: three Jobs that differ only in N_ESTIMATORS, with one label in common so you "
        "can find them all.",
        "Lesson 16, 'A hyper-parameter sweep as parallel Jobs': a loop that builds Jobs with "
        "env={'N_ESTIMATORS': n} and labels={'sweep': 'trees'}; wait for each to complete, then read "
        "accuracy= in each Job's logs.",
        "for n in (10, 50, 200): kds.apply(kds.manifests.job(f'trees-{n}', kds.manifests.PYTHON_DS_IMAGE, "
        "['python3', '-c', SWEEP], env={'N_ESTIMATORS': n}, labels={'sweep': 'trees'})); then, for each n, "
        "kds.wait(f'job/trees-{n}', for_='condition=Complete', timeout=300), and best is the largest accuracy= "
        "in kds.logs(f'job/trees-{n}')",
    ),
)
def jobs_ex1(answer: object = None) -> Iterator[Item]:
    """Check three completed Jobs labelled sweep=trees with different N_ESTIMATORS, and the best score.

    Examples:
        >>> check("jobs_ex1", answer=0.961)  # doctest: +SKIP
        ✔ Well done: jobs_ex1 passes.
          ✔ there are three Jobs labelled sweep=trees
    """
    found = batch().list_namespaced_job(effective_namespace(), label_selector="sweep=trees", _request_timeout=TIMEOUT)
    jobs = found.items
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
    hints=(
        "A CronJob starts Jobs on a schedule; you can also start one by hand from its template, without "
        "waiting for 02:30.",
        "Lesson 16, 'CronJobs: the nightly scoring run': a schedule has five fields (minute, hour, day of "
        "the month, month, day of the week); `create job` with --from=cronjob/... runs it now.",
        "`kubectl create cronjob nightly-score --image=$PYTHON_DS_IMAGE --schedule='30 2 * * *' "
        "-n $namespace -- python3 -c \"print('scored')\"`, then "
        "`kubectl create job nightly-score-now --from=cronjob/nightly-score -n $namespace` and "
        "`kubectl wait --for=condition=Complete job/nightly-score-now -n $namespace`",
    ),
)
def jobs_ex2() -> Iterator[Item]:
    """Check a CronJob `nightly-score` at 02:30 daily on the course image, and one run of it that completed.

    Examples:
        >>> check("jobs_ex2")  # doctest: +SKIP
        ✔ Well done: jobs_ex2 passes.
          ✔ there is a CronJob named nightly-score
    """
    cron = read_or_none(batch().read_namespaced_cron_job, "nightly-score")
    if cron is None:
        yield False, "there is a CronJob named nightly-score"
        return
    yield True, "there is a CronJob named nightly-score"
    schedule = " ".join(cron.spec.schedule.split())
    yield item(schedule == "30 2 * * *", "it runs every day at 02:30", f"its schedule is {cron.spec.schedule!r}")
    images = [c.image for c in cron.spec.job_template.spec.template.spec.containers]
    course = manifests.PYTHON_DS_IMAGE
    yield item(course in images, f"it runs the course image {course}", f"it runs {', '.join(images)}")
    jobs = batch().list_namespaced_job(effective_namespace(), _request_timeout=TIMEOUT).items
    runs = [job for job in jobs if owned_by(job, "CronJob", "nightly-score")]
    done = [job for job in runs if job.status.succeeded]
    seen = f"{runs[0].metadata.name} has not yet" if runs else "no Job was created from it yet"
    yield item(bool(done), "a Job created from it has completed", seen)
