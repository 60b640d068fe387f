"""Checks of the topic "charts" (lesson 24): judging a chart from what it renders, before installing it.

Work out what the course's dask-cluster chart may use at most with its defaults
(``charts_ex1``), and write values that make the Dask operator's chart fit a namespace of its
own, with no cluster-wide permissions (``charts_ex2``). Both checks render the chart with
``helm template`` from the app store, as the learner does; nothing is installed.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml

from kdsutils import appstore
from kdsutils._run import run
from kdsutils.checks._kit import Item, checker, item, missing_text, quantity
from kdsutils.errors import CommandError
from kdsutils.images import reference

OPERATOR, OPERATOR_VERSION = "dask-kubernetes-operator", "2026.3.0"
CLUSTER, CLUSTER_VERSION = "dask-cluster", "0.1.0"
TEAM_NAMESPACE = "team-dask"


def rendered(chart: str, version: str, *values: str) -> list[dict[str, Any]]:
    """The objects `helm template` makes of a chart of the app store, with extra helm arguments `values`."""
    out = run(["helm", "template", "check", chart, "--repo", appstore.URL, "--version", version, *values],
              timeout=120).stdout  # fmt: skip
    return [doc for doc in yaml.safe_load_all(out) if doc]


def _mebibytes(text: str) -> Decimal:
    return quantity(text) / 2**20


@checker(
    "charts_ex1",
    hints=(
        "With its defaults, a chart says how many copies of each container it runs and the memory limit of "
        "each; the most it may use is the sum of limit times copies.",
        "Lesson 24, 'Render, do not install': `helm template` of kds/dask-cluster 0.1.0 renders one "
        "DaskCluster, whose scheduler has a memory limit and whose workers have one each, times "
        "workers.replicas.",
        "The scheduler's 512Mi plus 2 workers of 768Mi each: kds.check('charts_ex1', answer='2Gi')",
    ),
)
def charts_ex1(answer: object = None) -> Iterator[Item]:
    """Check `answer`: the memory kds/dask-cluster 0.1.0 may use at most with its default values.

    Examples:
        >>> check("charts_ex1", answer="2048Mi")  # doctest: +SKIP
        ✔ Well done: charts_ex1 passes.
    """
    problem = missing_text("charts_ex1", answer, "'1536Mi' or '3Gi'")
    if problem is not None:
        yield problem
        return
    (cluster,) = [o for o in rendered(CLUSTER, CLUSTER_VERSION) if o["kind"] == "DaskCluster"]
    scheduler = cluster["spec"]["scheduler"]["spec"]["containers"][0]["resources"]["limits"]["memory"]
    worker = cluster["spec"]["worker"]["spec"]["containers"][0]["resources"]["limits"]["memory"]
    total = _mebibytes(scheduler) + cluster["spec"]["worker"]["replicas"] * _mebibytes(worker)
    try:
        given = _mebibytes(str(answer).strip())
    except (ValueError, ArithmeticError):
        yield False, f"{answer!r} is not a quantity of memory such as '1536Mi' or '3Gi'"
        return
    yield item(given == total, f"{answer} is the most it may use: the sum of its memory limits, times the copies",
               "add up each container's memory limit, times how many copies of it run")  # fmt: skip


def _values_file(answer: object) -> tuple[Path | None, Item | None]:
    problem = missing_text("charts_ex2", answer, "'work/operator-namespaced.yaml'")
    if problem is not None:
        return None, problem
    path = Path(str(answer))
    if not path.is_file():
        return None, (False, f"there is no file {path} next to this notebook: write the values file first")
    return path, None


@checker(
    "charts_ex2",
    hints=(
        "A chart's values often have a switch between cluster-wide and namespaced permissions, and an operator "
        "must then be told to watch only its own namespace.",
        "Lesson 24, the Dask operator's audit, and `helm show values kds/dask-kubernetes-operator`: look at "
        "rbac, kopfArgs, image and resources. Render your file with `helm template ... -f FILE` and audit it.",
        "A values file with image: {name: kds.invalid/dask, tag: '2026.8.0'}, rbac: {cluster: false}, "
        "kopfArgs: ['--namespace=team-dask'] and resources: {limits: {memory: 256Mi}}; then "
        "kds.check('charts_ex2', answer='work/operator-namespaced.yaml')",
    ),
)
def charts_ex2(answer: object = None) -> Iterator[Item]:
    """Check the values file `answer` for the Dask operator's chart: namespaced, course image, a memory limit.

    Examples:
        >>> check("charts_ex2", answer="work/operator-namespaced.yaml")  # doctest: +SKIP
        ✔ Well done: charts_ex2 passes.
    """
    path, problem = _values_file(answer)
    if path is None:
        yield problem or (False, "no values file")
        return
    try:
        objects = rendered(OPERATOR, OPERATOR_VERSION, "--skip-crds", "-f", str(path))
    except CommandError as exc:
        yield False, f"helm cannot render the chart with {path}: {exc.stderr.strip().splitlines()[-1]}"
        return
    kinds = [o["kind"] for o in objects]
    wide = sorted({k for k in kinds if k.startswith("Cluster")})
    yield item(not wide, "it makes no cluster-wide permissions (no ClusterRole, no ClusterRoleBinding)",
               f"it makes {', '.join(wide)}")  # fmt: skip
    yield item("Role" in kinds and "RoleBinding" in kinds, "it makes a Role and a RoleBinding in its namespace",
               "it makes none: the operator could not watch anything")  # fmt: skip
    (deployment,) = [o for o in objects if o["kind"] == "Deployment"]
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    args = [str(a) for a in container.get("args") or []]
    # kopf takes `--namespace=team-dask` or `--namespace team-dask` (and `-n`).
    joined = " ".join(args).replace("=", " ")
    named = any(f"{flag} {TEAM_NAMESPACE}" in joined for flag in ("--namespace", "-n"))
    watches = named and "--all-namespaces" not in args
    yield item(watches, f"the operator watches only the namespace {TEAM_NAMESPACE} (kopf's --namespace), not all",
               f"its arguments are {args}")  # fmt: skip
    image, course = container["image"], reference("dask")
    yield item(image == course, f"it runs the course's image {course}", f"it runs {image}")
    limit = ((container.get("resources") or {}).get("limits") or {}).get("memory")
    yield item(limit is not None, "its container has a memory limit", "it has none (resources: {})")
