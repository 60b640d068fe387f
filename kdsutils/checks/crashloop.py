"""Checks of the topic "crashloop" (lab 32): a server, a nightly scoring and a sweep brought back from crashing."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubernetes import client

from kdsutils.checks._kit import (
    TIMEOUT,
    Item,
    apps,
    batch,
    checker,
    core,
    item,
    job_pods,
    owned_by,
    pod_log,
    pod_ready,
    read_or_none,
    restarts,
    rollout,
)
from kdsutils.kube import effective_namespace
from kdsutils.labs.crashloop import BROKEN_THRESHOLD, SAVED_AT, SCORING, SCORING_TEST, SWEEP, SWEEP_LABEL

#: The threshold Priya meant in crashloop_ex2 (70 %).
MEANT_THRESHOLD = 0.7
#: What churn.score prints once it has scored the day.
SCORED = re.compile(r"^scored 200 customers for \S+: \d+ likely to churn \(threshold (\S+)\)$", re.MULTILINE)
#: The Job of the sweep to fix in crashloop_ex3, and the C it failed with.
SWEEP_RUN = "sweep-3"
BROKEN_C = SWEEP[SWEEP_RUN]
#: The last line churn.train prints once the model is fitted and scored.
SCORES = re.compile(r"^c=(\S+) accuracy=\d\.\d+ auc=\d\.\d+$", re.MULTILINE)


def setting(container: client.V1Container, option: str, variable: str) -> str | None:
    """The value a churn program reads for a setting: ``--option X`` or ``--option=X`` first, then ``$VARIABLE`` (pure).

    Examples:
        >>> train = client.V1Container(name="t", command=["python", "-m", "churn.train", "--c", "10"])
        >>> setting(train, "c", "C")
        '10'
        >>> setting(client.V1Container(name="s", env=[client.V1EnvVar(name="THRESHOLD", value="70%")]),
        ...         "threshold", "THRESHOLD")
        '70%'
        >>> setting(client.V1Container(name="s"), "threshold", "THRESHOLD") is None
        True
    """
    words = [*(container.command or []), *(container.args or [])]
    for number, word in enumerate(words):
        if word == f"--{option}" and number + 1 < len(words):
            return words[number + 1]
        if word.startswith(f"--{option}="):
            return word.partition("=")[2]
    return next((env.value for env in container.env or [] if env.name == variable), None)


def number(text: str | None) -> float | None:
    """The number Python reads from `text` with ``float()``, or None when it cannot (pure).

    Examples:
        >>> number("0.7"), number("70%"), number(None)
        (0.7, None, None)
    """
    try:
        return float(text) if text is not None else None
    except ValueError:
        return None


def rolled_out(deploy: client.V1Deployment, pods: list[client.V1Pod]) -> Item:
    """Say whether every replica runs the newest template and is ready, with the restarts when not (pure).

    Examples:
        >>> deploy = client.V1Deployment(metadata=client.V1ObjectMeta(generation=2),
        ...     spec=client.V1DeploymentSpec(replicas=1, selector=client.V1LabelSelector(),
        ...                                  template=client.V1PodTemplateSpec()),
        ...     status=client.V1DeploymentStatus(observed_generation=2, replicas=1, updated_replicas=1))
        >>> rolled_out(deploy, [])
        (False, 'the rollout finished: every replica runs the newest template and is ready (1 of 1 updated, 0 ready)')
    """
    done, seen = rollout(deploy)
    crashed = max((restarts(pod) for pod in pods), default=0)
    if crashed:
        seen += f"; a Pod has restarted {crashed} times: the logs of its previous run say why"
    return item(done, "the rollout finished: every replica runs the newest template and is ready", seen)


def app_pods(app: str) -> list[client.V1Pod]:
    """The Pods labelled ``app=<app>`` in the exercise's namespace."""
    return core().list_namespaced_pod(effective_namespace(), label_selector=f"app={app}",
                                      _request_timeout=TIMEOUT).items  # fmt: skip


@checker(
    "crashloop_ex1",
    hints=(
        "A container that keeps restarting has usually told you why, just before it died: in the logs of the "
        "run before the current one.",
        "Lab 32, 'How we found it': "
        "`kubectl logs --previous` on the server's Pod ends with a Python traceback; compare the file it names "
        "with where the training Job says it saved the model (`kubectl logs job/train`).",
        f"`kubectl set env deployment/churn-api MODEL_PATH={SAVED_AT} -n $namespace`, then "
        "`kubectl rollout status deployment/churn-api -n $namespace`",
    ),
)
def crashloop_ex1() -> Iterator[Item]:
    """Check that churn-api is ready, without restarts, serving the model the training Job saved on the claim.

    Examples:
        >>> check("crashloop_ex1")  # doctest: +SKIP
        ✔ Well done: crashloop_ex1 passes.
          ✔ there is a Deployment named churn-api in lesson-crashloop
    """
    deploy = read_or_none(apps().read_namespaced_deployment, "churn-api")
    yield deploy is not None, f"there is a Deployment named churn-api in {effective_namespace()}"
    if deploy is None:
        return
    if setting(deploy.spec.template.spec.containers[0], "model", "MODEL_PATH") is None:
        yield False, "the server is told which model file to load (it is not: it would train a small one at start)"
        return
    pods = app_pods("churn-api")
    finished = rolled_out(deploy, pods)
    yield finished
    if not finished[0]:
        return
    pods = [pod for pod in pods if pod_ready(pod)]
    again = sum(restarts(pod) for pod in pods)
    yield item(again == 0, "the server has not restarted since the fix", f"its Pods restarted {again} times")
    if not pods:
        return
    printed = pod_log(pods[0].metadata.name)
    loaded = f"loaded the model from {SAVED_AT}"
    seen = "it trained a model at start" if "at start" in printed else "they do not"
    yield item(loaded in printed, f"its logs say '{loaded}', the file the training Job saved on the claim", seen)


def _completed_run(jobs: list[client.V1Job]) -> client.V1Job | None:
    """The newest of `jobs` that completed."""
    done = [job for job in jobs if job.status and job.status.succeeded]
    return max(done, key=lambda job: job.metadata.creation_timestamp or 0, default=None)


@checker(
    "crashloop_ex2",
    hints=(
        "The run by hand is a copy of the CronJob's template: the cause is in the template, and the fix belongs "
        "there too, or tonight's run crashes the same way.",
        "Lab 32, 'How we found it': "
        "`kubectl logs --previous` on the run's Pod ends with the exception and the value it could not read; "
        "`kubectl set env` works on a CronJob, and `kubectl create job NAME --from=cronjob/...` starts a run "
        "of the fixed template now.",
        f"`kubectl set env cronjob/{SCORING} THRESHOLD=0.7 -n $namespace`, `kubectl delete job {SCORING_TEST} "
        f"-n $namespace`, `kubectl create job {SCORING_TEST} --from=cronjob/{SCORING} -n $namespace` and "
        f"`kubectl wait --for=condition=Complete job/{SCORING_TEST} -n $namespace`",
    ),
)
def crashloop_ex2() -> Iterator[Item]:
    """Check that the CronJob's threshold is the 0.7 Priya meant and that a run of the fixed template completed.

    Examples:
        >>> check("crashloop_ex2")  # doctest: +SKIP
        ✔ Well done: crashloop_ex2 passes.
          ✔ there is a CronJob named nightly-scoring in lesson-crashloop-ex
    """
    cron = read_or_none(batch().read_namespaced_cron_job, SCORING)
    yield cron is not None, f"there is a CronJob named {SCORING} in {effective_namespace()}"
    if cron is None:
        return
    template = cron.spec.job_template.spec.template.spec.containers[0]
    given = setting(template, "threshold", "THRESHOLD") or "0.5"
    threshold = number(given)
    if given == BROKEN_THRESHOLD:
        yield False, "a run of the nightly scoring completes (its runs still crash as they did: find out why)"
        return
    yield item(threshold is not None, "its template's threshold is a number Python can read",
               f"it is {given!r}: read the logs of a crashed run")  # fmt: skip
    if threshold is None:
        return
    yield item(threshold == MEANT_THRESHOLD, f"its threshold is {MEANT_THRESHOLD:g}, the 70 % Priya meant",
               f"it is {threshold:g}")  # fmt: skip
    jobs = batch().list_namespaced_job(effective_namespace(), _request_timeout=TIMEOUT).items
    runs = [job for job in jobs if owned_by(job, "CronJob", SCORING)]
    fixed = [job for job in runs if (setting(job.spec.template.spec.containers[0], "threshold", "THRESHOLD")
                                     or "0.5") == given]  # fmt: skip
    broken = [job.metadata.name for job in runs if job not in fixed and job.status and job.status.active]
    yield item(not broken, "no run of the old template is still restarting",
               f"{', '.join(broken)} still is: delete it, its template cannot change")  # fmt: skip
    done = _completed_run(fixed)
    yield item(done is not None, f"a run started from the fixed CronJob completed (`kubectl create job NAME "
               f"--from=cronjob/{SCORING}`, then wait for it)", "none yet")  # fmt: skip
    if done is None:
        return
    succeeded = [pod for pod in job_pods(done.metadata.name) if pod.status.phase == "Succeeded"]
    printed = pod_log(succeeded[0].metadata.name) if succeeded else ""
    scored = SCORED.search(printed)
    yield item(scored is not None and number(scored.group(1)) == threshold,
               f"its logs show the day's scores at threshold {threshold:g}", "they do not")  # fmt: skip


@checker(
    "crashloop_ex3",
    hints=(
        "A Job that gives up keeps its failed Pods, and each of them kept its logs: read how one of them ended, "
        "down to the last line.",
        "Lab 32, 'How we found it': "
        "`kubectl describe job sweep-3` shows the condition, `kubectl logs` on one of its Pods the error. In "
        "scikit-learn, C is the inverse of the regularization strength: the weakest regularization is the "
        "largest C. A Job's template cannot change: delete it and create it again, with the label sweep=c.",
        "`kubectl delete job sweep-3 -n $namespace`, then kds.apply(kds.manifests.job('sweep-3', "
        "kds.manifests.PYTHON_DS_IMAGE, ['python', '-m', 'churn.train', '--c', '100'], labels={'sweep': 'c'})) "
        "and kds.wait('job/sweep-3', for_='condition=Complete')",
    ),
)
def crashloop_ex3() -> Iterator[Item]:
    """Check that sweep-3 ran again with a valid C larger than the sweep's others, labelled, to completion.

    Examples:
        >>> check("crashloop_ex3")  # doctest: +SKIP
        ✔ Well done: crashloop_ex3 passes.
          ✔ there is a Job named sweep-3 in lesson-crashloop-ex
    """
    job = read_or_none(batch().read_namespaced_job, SWEEP_RUN)
    yield job is not None, f"there is a Job named {SWEEP_RUN} in {effective_namespace()}"
    if job is None:
        return
    ((key, value),) = SWEEP_LABEL.items()
    labels = job.metadata.labels or {}
    yield item(labels.get(key) == value, f"it has the label {key}={value}, like the rest of the sweep",
               "it has not: `kubectl get jobs -l sweep=c` would not list it")  # fmt: skip
    given = setting(job.spec.template.spec.containers[0], "c", "C") or "1.0"
    c = number(given)
    if given == BROKEN_C:
        yield False, f"{SWEEP_RUN} completed (it is still the Job that failed: find out why with kubectl)"
        return
    yield item(c is not None and c > 0, "it trains with a C that scikit-learn accepts (a number above 0)",
               f"it asks for C = {given}")  # fmt: skip
    if c is None or c <= 0:
        return
    jobs = batch().list_namespaced_job(effective_namespace(), label_selector=f"{key}={value}",
                                       _request_timeout=TIMEOUT).items  # fmt: skip
    others = [number(setting(j.spec.template.spec.containers[0], "c", "C") or "1.0") for j in jobs
              if j.metadata.name != SWEEP_RUN]  # fmt: skip
    largest = max((other for other in others if other is not None), default=0.0)
    yield item(c > largest, f"its C is larger than the other runs' (up to {largest:g}): the weakest regularization",
               f"C = {c:g} regularizes more: in scikit-learn a larger C means less regularization")  # fmt: skip
    status = job.status
    if not (status and status.succeeded):
        gave_up = bool(status and status.failed and not status.active)
        seen = "it failed: is it still the Job that gave up?" if gave_up else "it is still running: wait for it"
        yield False, f"the Job completed ({seen})"
        return
    yield True, "the Job completed"
    succeeded = [pod for pod in job_pods(SWEEP_RUN) if pod.status.phase == "Succeeded"]
    printed = pod_log(succeeded[0].metadata.name) if succeeded else ""
    scores = SCORES.search(printed)
    yield item(scores is not None and number(scores.group(1)) == c, f"its logs end with the scores for C = {c:g}",
               "they do not")  # fmt: skip
