"""Checks of the topic "pods" (lesson 11): run a Python one-liner in a Pod, and look inside a running one."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubernetes import client

from kdsutils import manifests
from kdsutils._run import run
from kdsutils.checks._kit import Item, checker, core, missing_text, pod_log, read_or_none
from kdsutils.errors import KdsError
from kdsutils.images import IMAGES_DIR
from kdsutils.kube import effective_namespace, require_course_context


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


def _installed(pod: str, package: str) -> str:
    """Return the version of `package` installed in the running Pod `pod`, asked quietly with kubectl exec."""
    program = f"import importlib.metadata as m; print(m.version({package!r}))"
    args = ["kubectl", "--context", require_course_context(), "exec", pod, "-n", effective_namespace()]
    return run([*args, "--", "python3", "-c", program], timeout=30).stdout.strip()


def _uses_course_python(pod: client.V1Pod) -> Item:
    image, course = pod.spec.containers[0].image, manifests.PYTHON_DS_IMAGE
    if image.rsplit(":", 1)[0] == course.rsplit(":", 1)[0]:
        return True, f"it runs the course's Python image ({image})"
    return False, f"it runs {image}, not the course's Python image {course}"


@checker(
    "pods_ex1",
    hints=(
        "A Pod that runs one command and then stops for good needs a restart policy other than the "
        "default, Always.",
        "Lesson 11, 'Your first Pod: a Python one-liner' and 'Restart policy': the `run` verb with the "
        "course image, the restart policy Never, and the Python command after `--`; `logs` shows what it printed.",
        "`kubectl run pandas-version --image=$PYTHON_DS_IMAGE --restart=Never --image-pull-policy=IfNotPresent "
        '-n $namespace -- python3 -c "import pandas; print(pandas.__version__)"`, '
        "then `kubectl logs pandas-version -n $namespace`",
    ),
)
def pods_ex1() -> Iterator[Item]:
    """Check that a Pod `pandas-version` ran once and printed the image's pandas version.

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
    yield policy in ("Never", "OnFailure"), f"it runs once and stops (restartPolicy is {policy})"
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
        "Keep a Pod running (a long sleep does it), then run a command inside it to see what is installed.",
        "Lesson 11, 'Looking inside a running Pod: exec': start the Pod with the `run` verb and a sleep as "
        "its command, then `exec` pip's list inside it and read scikit-learn's line.",
        "`kubectl run toolbox --image=$PYTHON_DS_IMAGE --image-pull-policy=IfNotPresent -n $namespace "
        "-- sleep 3600`, then `kubectl exec toolbox -n $namespace -- pip list`, and pass the version you "
        "read: kds.check('pods_ex2', answer='x.y.z')",
    ),
)
def pods_ex2(answer: object = None) -> Iterator[Item]:
    """Check that a Pod `toolbox` runs and `answer` is the scikit-learn version installed in it.

    Examples:
        >>> check("pods_ex2", answer="1.6.1")  # doctest: +SKIP
        ✔ Well done: pods_ex2 passes.
          ✔ there is a Pod named toolbox
    """
    pod = read_or_none(core().read_namespaced_pod, "toolbox")
    if pod is None:
        yield False, f"there is a Pod named toolbox in namespace {effective_namespace()}"
        return
    yield True, "there is a Pod named toolbox"
    yield _uses_course_python(pod)
    phase = pod.status.phase
    if phase != "Running":
        yield False, f"it is running, so you can exec into it (its phase is {phase})"
        return
    yield True, "it is running, so you can exec into it"
    problem = missing_text("pods_ex2", answer, "'1.2.3'")
    if problem is not None:
        yield problem
        return
    try:
        installed = _installed("toolbox", "scikit-learn")
    except KdsError:
        yield False, "scikit-learn can be asked for its version inside toolbox (is it the course image?)"
        return
    given = str(answer).strip()
    if given == installed:
        yield True, f"{given!r} is the scikit-learn version installed in toolbox"
    else:
        yield False, f"{given!r} is not the scikit-learn version installed in toolbox"
