"""Checks of the topic "jobs" (lesson 16): a sweep over C, a CronJob for the scorer, a training Job repaired."""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from itertools import pairwise

from kubernetes import client

from kdsutils import manifests
from kdsutils.checks._kit import (
    TIMEOUT,
    Item,
    batch,
    checker,
    item,
    job_pods,
    owned_by,
    pod_log,
    read_or_none,
)
from kdsutils.kube import effective_namespace

#: The last line churn.train prints: ``c=1 accuracy=0.799 auc=0.787``.
_SCORES = re.compile(r"^c=(\S+) accuracy=(\d+(?:\.\d+)?) auc=(\d+(?:\.\d+)?)$", re.MULTILINE)
_ROWS = re.compile(r"^training on (\d+) customers", re.MULTILINE)
_DAYS_OF_WEEK = {"1-5", "mon-fri"}


def _words(job: client.V1Job) -> list[str]:
    return [w for c in job.spec.template.spec.containers for w in [*(c.command or []), *(c.args or [])]]


def _runs(job: client.V1Job, module: str) -> bool:
    """Tell whether the Job's container runs ``python -m <module>``."""
    words = _words(job)
    return any(a == "-m" and b == module for a, b in pairwise(words)) or any(
        f"-m {module}" in w for w in words
    )


def _c(job: client.V1Job) -> float | None:
    """The C a churn.train Job trains with: ``--c``, else ``$C``, else its default 1.0 (None: unreadable)."""
    words = _words(job)
    given = next((b for a, b in pairwise(words) if a == "--c"), None)
    given = given or next((w.partition("=")[2] for w in words if w.startswith("--c=")), None)
    if given is None:
        env = [e.value for c in job.spec.template.spec.containers for e in c.env or [] if e.name == "C"]
        given = env[0] if env else "1.0"
    try:
        return float(given)
    except (TypeError, ValueError):
        return None


def _log_of_success(job: client.V1Job) -> str | None:
    """What the Job's successful Pod printed, or None when none succeeded (or its log is gone)."""
    for pod in job_pods(job.metadata.name):
        if pod.status.phase == "Succeeded":
            return pod_log(pod.metadata.name)
    return None


def _failure(job: client.V1Job) -> str:
    for cond in job.status.conditions or []:
        if cond.type == "Failed" and cond.status == "True":
            return f"it failed: {cond.reason}"
    return f"not yet: {job.status.failed or 0} failed attempt(s) so far"


@checker(
    "jobs_ex1",
    hints=(
        "One Job per value of C, all with one label in common so you can find them together; each one's "
        "last log line holds its scores, which a DataFrame can compare.",
        "Lesson 16, 'A sweep over C, in parallel': a loop that builds Jobs running python -m churn.train "
        "with --c (and --rows), labelled sweep=ex1; wait for each with condition=Complete, read the last "
        "line of each Job's logs, and sort by auc.",
        "for c in (0.001, 0.1, 10): kds.apply(kds.manifests.job(f\"ex1-c{c:g}\".replace('.', '-'), "
        "kds.manifests.PYTHON_DS_IMAGE, ['python', '-m', 'churn.train', '--c', str(c), '--rows', '20000'], "
        "labels={'sweep': 'ex1'})); then wait for each and parse the last line of kds.logs(f'job/{name}'); "
        "best_c is the C of the largest auc",
    ),
)
def jobs_ex1(answer: object = None) -> Iterator[Item]:
    """Check three completed churn.train Jobs labelled sweep=ex1, with distinct C on 20000 rows, and the best C.

    Examples:
        >>> check("jobs_ex1", answer=0.1)  # doctest: +SKIP
        ✔ Well done: jobs_ex1 passes.
          ✔ there are three Jobs labelled sweep=ex1
    """
    found = batch().list_namespaced_job(effective_namespace(), label_selector="sweep=ex1", _request_timeout=TIMEOUT)
    jobs = sorted(found.items, key=lambda job: job.metadata.name)
    yield item(len(jobs) >= 3, "there are three Jobs labelled sweep=ex1", f"there are {len(jobs)}")
    if not jobs:
        return
    others = [job.metadata.name for job in jobs if not _runs(job, "churn.train")]
    yield item(not others, "each of them runs python -m churn.train", f"not: {', '.join(others)}")
    cs = [_c(job) for job in jobs]
    yield item(
        None not in cs and len(set(cs)) == len(jobs),
        "each trains with a different C",
        f"their C values are {', '.join('unreadable' if c is None else f'{c:g}' for c in cs)}",
    )
    waiting = [job.metadata.name for job in jobs if not job.status.succeeded]
    yield item(not waiting, "all of them are complete", f"not yet: {', '.join(waiting)}")
    if waiting:
        return
    logs = {job.metadata.name: _log_of_success(job) or "" for job in jobs}
    rows = {name: _ROWS.findall(text) for name, text in logs.items()}
    small = [name for name, found in rows.items() if found[-1:] != ["20000"]]
    yield item(not small, "each trained on 20000 customers", f"not: {', '.join(small)}")
    scores = {name: _SCORES.findall(text) for name, text in logs.items()}
    silent = [name for name, found in scores.items() if not found]
    yield item(not silent, "every Job printed its scores in its logs", f"not: {', '.join(silent)}")
    if silent:
        return
    auc = {float(found[-1][0]): float(found[-1][2]) for found in scores.values()}
    top = max(auc.values())
    best = sorted(c for c, value in auc.items() if value == top)
    if not isinstance(answer, int | float) or isinstance(answer, bool):
        yield False, "pass the C with the best auc as a number: check('jobs_ex1', answer=best_c)"
    else:
        right = any(math.isclose(answer, c, rel_tol=1e-6) for c in best)
        yield item(right, f"{answer:g} is the C with the best auc of the sweep", "look at the auc column again")


@checker(
    "jobs_ex2",
    hints=(
        "A CronJob is a Job template plus a schedule in cron's five fields; you can start one run now, from "
        "its template, to see that the command works.",
        "Lesson 16, 'CronJobs: nightly scoring': the `create cronjob` verb with --image and --schedule and the "
        "command after --; the day-of-week field takes a range; `create job --from=cronjob/...` runs it now.",
        "In a terminal: `kubectl create cronjob nightly-score --image=$PYTHON_DS_IMAGE --schedule='30 5 * * 1-5' "
        "-n $namespace -- python -m churn.score`, then `kubectl create job score-now --from=cronjob/nightly-score "
        "-n $namespace` and `kubectl wait --for=condition=Complete job/score-now -n $namespace`",
    ),
)
def jobs_ex2() -> Iterator[Item]:
    """Check a CronJob `nightly-score` at 05:30 on weekdays, running churn.score, and one run of it that completed.

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
    fields = cron.spec.schedule.lower().split()
    on_time = len(fields) == 5 and [int(f) if f.isdigit() else f for f in fields[:4]] == [30, 5, "*", "*"]
    yield item(
        on_time and fields[4] in _DAYS_OF_WEEK,
        "it runs at 05:30 from Monday to Friday",
        f"its schedule is {cron.spec.schedule!r}",
    )
    containers = cron.spec.job_template.spec.template.spec.containers
    images = [c.image for c in containers]
    course = manifests.PYTHON_DS_IMAGE
    yield item(course in images, f"it runs the course image {course}", f"it runs {', '.join(images)}")
    template = client.V1Job(spec=cron.spec.job_template.spec)
    command = " ".join(_words(template))
    yield item(_runs(template, "churn.score"), "its command is python -m churn.score", f"it is {command!r}")
    jobs = batch().list_namespaced_job(effective_namespace(), _request_timeout=TIMEOUT).items
    runs = [job for job in jobs if owned_by(job, "CronJob", "nightly-score")]
    done = [job for job in runs if job.status.succeeded]
    seen = f"{runs[0].metadata.name}: {_failure(runs[0])}" if runs else "no Job was created from it yet"
    yield item(bool(done), "a Job created from it has completed", seen)


@checker(
    "jobs_ex3",
    hints=(
        "The Job's Pods say why they stop, in their logs; a Job's template cannot be changed, so the fix is "
        "a new Job of the same name.",
        "Lesson 16, 'When training fails': `get pods -l job-name=retrain`, `logs job/retrain`, and the Job's "
        "YAML (`get job retrain -o yaml`): compare what the container is given with what churn.train expects "
        "(its --help lists flags and variables). Then `delete job` and apply a corrected one.",
        "`kubectl logs job/retrain -n $namespace` ends in the error; read the env of the Job with "
        "`kubectl get job retrain -o jsonpath='{.spec.template.spec.containers[0].env}' -n $namespace`; then "
        "`kubectl delete job retrain -n $namespace` and create it again with C written as Python reads a number",
    ),
)
def jobs_ex3() -> Iterator[Item]:
    """Check that a Job `retrain` completed and trained with C = 0.1, as its author meant.

    Examples:
        >>> check("jobs_ex3")  # doctest: +SKIP
        ✔ Well done: jobs_ex3 passes.
          ✔ retrain has completed
    """
    job = read_or_none(batch().read_namespaced_job, "retrain")
    if job is None:
        yield False, "there is a Job named retrain (run the cell that starts it)"
        return
    yield item(bool(job.status.succeeded), "retrain has completed", _failure(job))
    if not job.status.succeeded:
        return
    found = _SCORES.findall(_log_of_success(job) or "")
    c = found[-1][0] if found else None
    yield item(c == "0.1", "its logs say it trained with C = 0.1", f"they say c={c}" if c else "they show no scores")
