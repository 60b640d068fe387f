"""Checks of the topic "pods" (lesson 11): a run-once Pod, a look inside the churn server, a failed scorer fixed."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubernetes import client

from kdsutils import manifests
from kdsutils._run import run
from kdsutils.checks._kit import Item, checker, command_text, core, item, pod_log, read_or_none
from kdsutils.errors import KdsError
from kdsutils.images import IMAGES_DIR
from kdsutils.kube import effective_namespace, require_course_context

#: The day the colleague's scorer of pods_ex3 should score.
SCORE_DAY = "2026-12-01"
#: What churn.score prints when it has scored a day: ``scored 200 customers for 2026-12-01: ...``.
_SCORED = re.compile(r"^scored \d+ customers for (\S+):", re.MULTILINE)
#: How many churned among the first 1000 customers, asked inside the Pod (pods_ex2).
_CHURNED = "from churn.data import customers; print(int(customers(1000)['churned'].sum()))"


def _pinned(package: str) -> str | None:
    """Return the version of `package` pinned for the python-ds image, or None when unknown."""
    requirements = IMAGES_DIR / "python-ds" / "requirements.txt"
    if not requirements.is_file():
        return None
    for line in requirements.read_text().splitlines():
        name, _, version = line.partition("==")
        if name.strip().lower() == package and version.strip():
            return version.strip()
    return None


def _ask(pod: str, program: str) -> str:
    """Return what a Python `program` prints inside the running Pod `pod`, asked quietly with kubectl exec."""
    args = ["kubectl", "--context", require_course_context(), "exec", pod, "-n", effective_namespace()]
    return run([*args, "--", "python3", "-c", program], timeout=60).stdout.strip()


def _uses_course_python(pod: client.V1Pod) -> Item:
    image, course = pod.spec.containers[0].image, manifests.PYTHON_DS_IMAGE
    if image.rsplit(":", 1)[0] == course.rsplit(":", 1)[0]:
        return True, f"it runs the course's Python image ({image})"
    return False, f"it runs {image}, not the course's Python image {course}"


def _runs_module(pod: client.V1Pod, module: str) -> bool:
    """Tell whether the Pod's container runs ``python -m <module>`` (as a list or inside a shell line)."""
    return re.search(rf"-m\s+{re.escape(module)}(\s|$)", command_text(pod)) is not None


@checker(
    "pods_ex1",
    hints=(
        "Of the three restart policies, one retries a program that fails and leaves alone one that succeeded.",
        "Lesson 11, 'Restart policy: run once, or keep it going': pick the policy from its table, give it "
        "to the `run` verb with --restart, and put the Python one-liner after `--`; `logs` shows what it printed.",
        "`kubectl run pandas-version --image=$PYTHON_DS_IMAGE --restart=OnFailure -n $namespace "
        '-- python -c "import pandas; print(pandas.__version__)"`, '
        "then `kubectl logs pandas-version -n $namespace`",
    ),
)
def pods_ex1() -> Iterator[Item]:
    """Check that a Pod `pandas-version` (restartPolicy OnFailure) succeeded and printed the pandas version.

    Examples:
        >>> check("pods_ex1")  # doctest: +SKIP
        ✔ Well done: pods_ex1 passes.
          ✔ there is a Pod named pandas-version
    """
    pod = read_or_none(core().read_namespaced_pod, "pandas-version")
    if pod is None:
        yield False, f"there is a Pod named pandas-version in namespace {effective_namespace()}"
        return
    yield True, "there is a Pod named pandas-version"
    yield _uses_course_python(pod)
    policy = pod.spec.restart_policy
    yield item(
        policy == "OnFailure",
        "it is started again only if it fails, and stops for good once it succeeds (restartPolicy OnFailure)",
        f"its restartPolicy is {policy}",
    )
    phase = pod.status.phase
    if phase != "Succeeded":
        yield False, f"it has finished without error (its phase is {phase}; wait for Succeeded)"
        return
    yield True, "it has finished without error (phase Succeeded)"
    printed = pod_log("pandas-version")
    expected = _pinned("pandas")
    if expected is None:
        found = re.search(r"\b\d+\.\d+\.\d+\b", printed) is not None
        yield found, "its logs show a version number"
    else:
        yield expected in printed, f"its logs show the pandas version ({expected})"


@checker(
    "pods_ex2",
    hints=(
        "The churn package lives in the image, not in your notebook: ask a Python that runs inside the Pod.",
        "Lesson 11, 'Looking inside a running Pod: exec': in a terminal, `exec` with -it and `python` as the "
        "command gives you a Python prompt inside the Pod; there, import customers from churn.data and sum "
        "the churned column of the first 1000.",
        "`kubectl run serve --image=$PYTHON_DS_IMAGE -n $namespace -- python -m churn.serve`, then "
        "`kubectl exec -it serve -n $namespace -- python` and at its prompt: "
        "`from churn.data import customers; customers(1000)['churned'].sum()`; pass the number: "
        "kds.check('pods_ex2', answer=...)",
    ),
)
def pods_ex2(answer: object = None) -> Iterator[Item]:
    """Check that the churn server runs in a Pod `serve`, and `answer` is how many of 1000 customers churned.

    Examples:
        >>> check("pods_ex2", answer=230)  # doctest: +SKIP
        ✔ Well done: pods_ex2 passes.
          ✔ there is a Pod named serve
    """
    pod = read_or_none(core().read_namespaced_pod, "serve")
    if pod is None:
        yield False, f"there is a Pod named serve in namespace {effective_namespace()}"
        return
    yield True, "there is a Pod named serve"
    yield _uses_course_python(pod)
    yield item(
        _runs_module(pod, "churn.serve"),
        "it runs the churn model server (python -m churn.serve)",
        f"it runs: {command_text(pod) or 'the image default'}",
    )
    phase = pod.status.phase
    if phase != "Running":
        yield False, f"it is running, so you can exec into it (its phase is {phase})"
        return
    yield True, "it is running, so you can exec into it"
    if answer is None:
        yield False, "no answer yet: pass the number you found, kds.check('pods_ex2', answer=...)"
        return
    given = str(answer).strip()
    if isinstance(answer, bool) or not given.isdigit():
        yield False, f"answer is {answer!r}; the check expects a whole number of customers"
        return
    try:
        truth = _ask("serve", _CHURNED)
    except KdsError:
        yield False, "the churn package answers inside serve (is it the course image, and running?)"
        return
    yield item(given == truth, "your answer is how many of the first 1000 customers churned", f"not {given}")


@checker(
    "pods_ex3",
    hints=(
        "A Pod that failed keeps what its program printed: read that before changing anything.",
        "Lesson 11, 'The life of a Pod': `logs` of the failed Pod shows the traceback, and `describe` its exit "
        "code. A Pod's command cannot be changed: delete it and run a fixed one with the same name.",
        "`kubectl logs scorer -n $namespace` ends with a ValueError about the day: the scorer wants it as "
        "YYYY-MM-DD. `kubectl delete pod scorer -n $namespace`, then `kubectl run scorer "
        "--image=$PYTHON_DS_IMAGE --restart=Never -n $namespace -- python -m churn.score --day 2026-12-01`",
    ),
)
def pods_ex3() -> Iterator[Item]:
    """Check that a Pod `scorer` ran churn.score to the end and scored the customers of 2026-12-01.

    Examples:
        >>> check("pods_ex3")  # doctest: +SKIP
        ✔ Well done: pods_ex3 passes.
          ✔ there is a Pod named scorer
    """
    pod = read_or_none(core().read_namespaced_pod, "scorer")
    if pod is None:
        yield False, f"there is a Pod named scorer in namespace {effective_namespace()}"
        return
    yield True, "there is a Pod named scorer"
    yield item(
        _runs_module(pod, "churn.score"),
        "it runs the nightly scorer (python -m churn.score)",
        f"it runs: {command_text(pod) or 'the image default'}",
    )
    phase = pod.status.phase
    if phase != "Succeeded":
        yield False, f"scorer has finished without error (its phase is {phase})"
        return
    yield True, "scorer has finished without error (phase Succeeded)"
    days = _SCORED.findall(pod_log("scorer"))
    yield item(
        days[-1:] == [SCORE_DAY],
        f"its logs report the scores of {SCORE_DAY}",
        f"they report {days[-1]}" if days else "they report no scores",
    )
