"""Checks for lesson 11, pods: run a Python one-liner in a Pod, and look inside a running one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from kubernetes import client

from kdsutils.checks import checker, read_or_none
from kdsutils.errors import KdsError
from kdsutils.kube import api_client, effective_namespace
from kdsutils.manifests import IMAGES_DIR, PYTHON_DS_IMAGE
from kdsutils.resources import exec as exec_in

_IMAGE_NAME = PYTHON_DS_IMAGE.rsplit(":", 1)[0]


def _pod(name: str) -> Any:
    """Return the Pod `name` of the current namespace, or None when there is none."""
    return read_or_none(client.CoreV1Api(api_client()).read_namespaced_pod, name, effective_namespace())


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


def _uses_course_python(pod: Any) -> tuple[bool, str]:
    image = pod.spec.containers[0].image
    if image.rsplit(":", 1)[0] == _IMAGE_NAME:
        return True, f"it runs the course's Python image ({image})"
    return False, f"it runs {image}, not the course's Python image {PYTHON_DS_IMAGE}"


@checker(
    "pods_ex1",
    hint=f"kubectl run pandas-version --image={PYTHON_DS_IMAGE} --restart=Never "
    '--image-pull-policy=IfNotPresent -- python3 -c "import pandas; print(pandas.__version__)"',
)
def pods_ex1() -> Iterator[tuple[bool, str]]:
    """Check that a Pod `pandas-version` ran once and printed the image's pandas version."""
    pod = _pod("pandas-version")
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
    printed = client.CoreV1Api(api_client()).read_namespaced_pod_log(
        "pandas-version", effective_namespace(), _request_timeout=15
    )
    expected = _pinned("pandas")
    if expected is None:
        found = re.search(r"\b\d+\.\d+\.\d+\b", printed) is not None
        yield found, "its logs show a version number"
    else:
        yield expected in printed, f"its logs show the pandas version ({expected})"


@checker(
    "pods_ex2",
    hint=f"start it with kubectl run toolbox --image={PYTHON_DS_IMAGE} "
    "--image-pull-policy=IfNotPresent -- sleep 3600, then kubectl exec toolbox -- pip list, "
    "and pass the version you read: check('pods_ex2', answer='x.y.z')",
)
def pods_ex2(answer: object = None) -> Iterator[tuple[bool, str]]:
    """Check that a Pod `toolbox` runs and `answer` is the scikit-learn version installed in it."""
    pod = _pod("toolbox")
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
    if answer is None:
        yield False, "pass the version you found: check('pods_ex2', answer='x.y.z')"
        return
    try:
        installed = exec_in(
            "toolbox",
            ["python3", "-c", "import importlib.metadata as m; print(m.version('scikit-learn'))"],
            timeout=30,
        ).strip()
    except KdsError:
        yield False, "scikit-learn can be asked for its version inside toolbox (is it the course image?)"
        return
    given = str(answer).strip()
    if given == installed:
        yield True, f"{given!r} is the scikit-learn version installed in toolbox"
    else:
        yield False, f"{given!r} is not the scikit-learn version installed in toolbox"
