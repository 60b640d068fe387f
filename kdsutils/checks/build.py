"""Checks of the topic "build" (lesson 02): your own train.py in an image, run as a Job."""

from __future__ import annotations

import re
from collections.abc import Iterator

from kubernetes import client

from kdsutils.checks._kit import Item, batch, checker, item, job_pods, pod_log, read_or_none
from kdsutils.images import course_images
from kdsutils.kube import effective_namespace

#: A score line: a name, "=" or ":", and a fraction, as in ``auc=0.812`` or ``accuracy: .80``.
_SCORE = re.compile(r"\b[a-z][\w-]*\s*[=:]\s*[01]?\.\d+", re.IGNORECASE)
#: Where the colleague's image of exercise 3 lives (its folder is built in the exercise notebook).
NIGHTLY_REPOSITORY = "kds.invalid/nightly-train"


def split_image(image: str) -> tuple[str, str]:
    """Return an image name's repository and tag; no tag means ``latest``, as for Kubernetes (pure).

    Examples:
        >>> split_image("kds.invalid/churn-train:2")
        ('kds.invalid/churn-train', '2')
        >>> split_image("localhost:5000/churn-train")
        ('localhost:5000/churn-train', 'latest')
    """
    if "@" in image:
        return image.split("@", 1)[0], "@" + image.split("@", 1)[1]
    name, colon, tag = image.rpartition(":")
    if not colon or "/" in tag:
        return image, "latest"
    return name, tag


def score_line(text: str) -> str | None:
    r"""Return the last line of `text` that holds a score such as ``auc=0.812``, or None (pure).

    Examples:
        >>> score_line("training on 3750 customers\nmax_depth=4 auc=0.781\n")
        'max_depth=4 auc=0.781'
        >>> score_line("done") is None
        True
    """
    found = [line.strip() for line in text.splitlines() if _SCORE.search(line)]
    return found[-1] if found else None


def _image(job: client.V1Job) -> str:
    return job.spec.template.spec.containers[0].image


def _logs(job: client.V1Job) -> str:
    """What the Job's successful Pod printed ("" when none has succeeded)."""
    done = [pod for pod in job_pods(job.metadata.name) if pod.status.phase == "Succeeded"]
    return pod_log(done[0].metadata.name) if done else ""


def _waiting(job: client.V1Job) -> str:
    """Why the Job is not complete yet, as its newest Pod shows it (for the ✘ item of a half-done answer)."""
    pods = sorted(job_pods(job.metadata.name), key=lambda pod: str(pod.metadata.creation_timestamp or ""))
    if not pods:
        return "it has no Pod yet"
    pod = pods[-1]
    for status in pod.status.container_statuses or []:
        if status.state and status.state.waiting and status.state.waiting.reason:
            return f"its Pod {pod.metadata.name} is waiting: {status.state.waiting.reason}"
    return f"its Pod {pod.metadata.name} is {pod.status.phase}"


def _completed(job: client.V1Job, *, why: bool = True) -> Item:
    seen = _waiting(job) if why else "not yet"
    return item(bool(job.status.succeeded), "it has completed", seen)


@checker(
    "build_ex1",
    hints=(
        "Three steps, as in the lesson: change the training code in a folder of your own, build it into an "
        "image with a new version, then run that image as a Job named my-train.",
        "Lesson 02, 'Build the image' and 'Run it as a Job': a folder under work/ with your changed train.py "
        "and the Dockerfile that starts FROM the course image; build it with a version the lesson did not use "
        "(3, say); then `kubectl create job` with --image, `kubectl wait --for=condition=Complete` and "
        "`kubectl logs`.",
        "kds.build('work/my-train', tag='kds.invalid/churn-train:3'), then "
        "`kubectl create job my-train --image=kds.invalid/churn-train:3 -n $namespace` and "
        "`kubectl wait --for=condition=Complete job/my-train -n $namespace`; your train.py prints a line "
        "such as auc=0.812",
    ),
)
def build_ex1() -> Iterator[Item]:
    """Check a completed Job `my-train` that runs a learner's own versioned image and printed a score.

    Examples:
        >>> check("build_ex1")  # doctest: +SKIP
        ✔ Well done: build_ex1 passes.
          ✔ there is a Job named my-train
    """
    job = read_or_none(batch().read_namespaced_job, "my-train")
    if job is None:
        yield False, f"there is a Job named my-train in namespace {effective_namespace()}"
        return
    yield True, "there is a Job named my-train"
    image = _image(job)
    repository, tag = split_image(image)
    course = {split_image(i.ref)[0] for i in course_images()}
    yield item(repository not in course, "it runs an image you built, not a course image", f"it runs {image}")
    if tag == "latest":
        yield False, f"its image names a version, not latest ({image} means {repository}:latest)"
        return
    yield True, f"its image names a version ({image})"
    done = _completed(job)
    yield done
    if not done[0]:
        return
    line = score_line(_logs(job))
    yield item(line is not None, "its logs hold a score line, such as auc=0.812", "no line with name=0.xyz")


@checker(
    "build_ex2",
    hints=(
        "The same image, started again, this time by typing the command in a terminal rather than running a cell.",
        "Lesson 02, 'Run it as a Job': in JupyterLab, File > New > Terminal; `kubectl create job` takes a name "
        "and --image; add `-n $namespace`, since a terminal does not know this notebook's namespace.",
        "In a terminal: `kubectl create job my-train-terminal --image=IMAGE -n $namespace`, where IMAGE is "
        "the one Job my-train runs (`kubectl get job my-train -n $namespace "
        "-o jsonpath='{.spec.template.spec.containers[0].image}'`)",
    ),
)
def build_ex2() -> Iterator[Item]:
    """Check a completed Job `my-train-terminal` that runs the same image as `my-train`.

    Examples:
        >>> check("build_ex2")  # doctest: +SKIP
        ✔ Well done: build_ex2 passes.
          ✔ there is a Job named my-train-terminal
    """
    job = read_or_none(batch().read_namespaced_job, "my-train-terminal")
    if job is None:
        yield False, f"there is a Job named my-train-terminal in namespace {effective_namespace()}"
        return
    yield True, "there is a Job named my-train-terminal"
    first = read_or_none(batch().read_namespaced_job, "my-train")
    if first is None:
        yield False, "it runs the same image as Job my-train (there is no Job my-train: do exercise 1 first)"
        return
    image, wanted = _image(job), _image(first)
    yield item(image == wanted, f"it runs the same image as Job my-train ({wanted})", f"it runs {image}")
    yield _completed(job)


@checker(
    "build_ex3",
    hints=(
        "Start from the symptom: find the Pod the Job started, see what state it is in, and read what "
        "Kubernetes says about it.",
        "Lesson 02, 'Why a version, never latest': `kubectl get pods -l job-name=nightly-train`, then "
        "`kubectl describe` that Pod and read its Events; compare the image it asks for with the one your "
        "colleague built. A Job's Pod template cannot be edited: delete the Job and create it again.",
        "`kubectl delete job nightly-train -n $namespace`, then "
        "`kubectl create job nightly-train --image=kds.invalid/nightly-train:1 -n $namespace`: a name "
        "without a tag means :latest, which Kubernetes always tries to download, and kds.invalid has "
        "nothing to download",
    ),
)
def build_ex3() -> Iterator[Item]:
    """Check that the Job `nightly-train` completed with the colleague's image, under a version that was built.

    Examples:
        >>> check("build_ex3")  # doctest: +SKIP
        ✔ Well done: build_ex3 passes.
          ✔ there is a Job named nightly-train
    """
    job = read_or_none(batch().read_namespaced_job, "nightly-train")
    if job is None:
        yield False, f"there is a Job named nightly-train in namespace {effective_namespace()}"
        return
    yield True, "there is a Job named nightly-train"
    done = _completed(job, why=False)
    yield done
    if not done[0]:
        return
    image = _image(job)
    repository, tag = split_image(image)
    yield item(
        repository == NIGHTLY_REPOSITORY and tag != "latest",
        f"it runs your colleague's image {NIGHTLY_REPOSITORY}, with the version that was built",
        f"it runs {image}",
    )
