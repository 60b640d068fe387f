"""Checks of the topic "why" (lesson 00): which kubectl do I have, and which tools does my team miss."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

from kdsutils._run import run
from kdsutils.checks._kit import Item, checker, missing_text

#: Where the course meets a tool a learner may name: (word beginnings that name it, what it offers).
COURSE_MAP: tuple[tuple[tuple[str, ...], str], ...] = (
    (("jupyter", "notebook"), "Part 2 (in preparation) runs a JupyterLab for your team and shows JupyterHub"),
    (("dask", "spark", "ray", "distributed"), "lesson 23 runs a Dask cluster and computes on it from the notebook"),
    (
        ("airflow", "prefect", "metaflow", "dagster", "pipeline", "schedul", "cron", "nightly"),
        "lesson 16 schedules CronJobs; lesson 24 judges the public Airflow and Prefect charts before you install "
        "one",
    ),
    (("elastic", "search", "opensearch"), "Part 2 (in preparation) shows the Elasticsearch chart"),
    (
        ("mlflow", "tracking", "experiment", "helm"),
        "lesson 20 installs MLflow from a chart repository with Helm; lesson 22 tracks the churn model's runs in it",
    ),
    (
        ("serv", "api", "fastapi", "flask", "endpoint", "deploy"),
        "lessons 13 and 14 run and expose a model API, lesson 25 packages it as a chart; Part 4 (in preparation) "
        "ships one end to end",
    ),
    (
        ("train", "sweep", "hyper", "batch", "job", "gpu"),
        "lesson 16 trains a model as a Job and runs a hyper-parameter sweep",
    ),
    (("storage", "volume", "disk", "file", "artifact"), "lesson 19 keeps files across pod restarts"),
    (("secret", "credential", "password", "config"), "lesson 15 passes settings and credentials to pods"),
)
_ELSEWHERE = "not taught by name: Helm, which installs such tools, is lesson 20"


def _client_version() -> str:
    proc = run(["kubectl", "version", "--client", "-o", "json"], timeout=30)
    return json.loads(proc.stdout)["clientVersion"]["gitVersion"]


def where_taught(tool: str) -> str:
    """Return where the course helps with `tool` (pure).

    Args:
        tool: A tool or task, as a learner names it, such as ``"Airflow"``.

    Examples:
        >>> where_taught("Dask")
        'lesson 23 runs a Dask cluster and computes on it from the notebook'
        >>> where_taught("Kafka")
        'not taught by name: Helm, which installs such tools, is lesson 20'
    """
    words = re.findall(r"[a-z0-9]+", tool.lower())
    return next(
        (offer for starts, offer in COURSE_MAP if any(w.startswith(starts) for w in words)), _ELSEWHERE
    )


@checker(
    "why_ex1",
    hints=(
        "The command-line client can tell its own version; you want the client's version, not the cluster's.",
        "Lesson 00, 'Your first command': kubectl's `version` verb prints both versions, and one flag "
        "limits it to the client. Pass the text after 'Client Version:'.",
        "`kubectl version --client` prints it on the line 'Client Version'",
    ),
)
def why_ex1(answer: object = None) -> Iterator[Item]:
    """Check that `answer` is the version of the kubectl this environment runs.

    Examples:
        >>> check("why_ex1", answer="v1.36.0")  # doctest: +SKIP
        ✔ Well done: why_ex1 passes.
          ✔ 'v1.36.0' is the version of your kubectl
    """
    problem = missing_text("why_ex1", answer, "'v1.2.3'")
    if problem is not None:
        yield problem
        return
    given = str(answer).strip().removeprefix("Client Version:").strip()
    if given.lstrip("v") == _client_version().lstrip("v"):
        yield True, f"{answer!r} is the version of your kubectl"
    else:
        yield False, f"{answer!r} is not the version of your kubectl (compare with the 'Client Version' line)"


@checker(
    "why_ex2",
    hints=(
        "There is no wrong list: name the tools your team wishes it had, one tool per item, each as text.",
        "Lesson 00, 'The tools you want are rarely on the menu' and 'The map of the course': a notebook "
        "server, a scheduler, a search engine... a Python list of texts.",
        "wish_list = ['Airflow', 'a shared JupyterLab'], then kds.check('why_ex2', answer=wish_list)",
    ),
)
def why_ex2(answer: object = None) -> Iterator[Item]:
    """Check that `answer` is a list of tools the learner misses, and say where the course helps.

    Examples:
        >>> check("why_ex2", answer=["Dask"])  # doctest: +SKIP
        ✔ Well done: why_ex2 passes.
          ✔ Dask: lesson 23 runs a Dask cluster and computes on it from the notebook
    """
    if answer is None:
        yield False, "no answer yet: make a list of the tools your team misses and pass it, answer=your_list"
        return
    if isinstance(answer, str) or not isinstance(answer, list | tuple | set):
        yield False, f"answer is a {type(answer).__name__}; the check expects a list of text"
        return
    tools = [item.strip() for item in answer if isinstance(item, str) and item.strip()]
    if len(tools) != len(answer):
        yield False, "every item of the list should be a tool's name, as text"
        return
    if not tools:
        yield False, "the list is empty: name at least one tool you wish your team had"
        return
    for tool in tools:
        yield True, f"{tool}: {where_taught(tool)}"
