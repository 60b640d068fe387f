"""Checks of the topic "tracking" (lesson 22): the churn model's runs in the team's MLflow.

Log a sweep into the experiment ``churn-ex`` (``tracking_ex1``), tag its best run
(``tracking_ex2``), and find why a colleague's nightly Job logs nothing (``tracking_ex3``).
The checks ask MLflow itself, through the API server's proxy to the Service
``tracking-mlflow`` (``/api/v1/namespaces/NS/services/tracking-mlflow:5000/proxy/...``), so
they need no port-forward.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from kubernetes.client import ApiException

from kdsutils.checks._kit import Item, batch, checker, item, read_or_none, service_call

SERVICE, PORT = "tracking-mlflow", 5000
EXPERIMENT = "churn-ex"
SWEEP = (0.03, 0.3, 3.0)


def mlflow_api(path: str, body: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """Call MLflow's REST API through the API server; None when MLflow does not answer."""
    try:
        text = service_call(SERVICE, PORT, f"api/2.0/mlflow/{path}", body)
    except ApiException as exc:
        # MLflow's own "no such experiment" is an answer; the API server's 404 (no such Service) is not.
        text = exc.body.decode(errors="replace") if isinstance(exc.body, bytes) else str(exc.body or "")
        return {} if "RESOURCE_DOES_NOT_EXIST" in text else None
    return json.loads(text or "{}")


def experiment_runs(experiment: str) -> tuple[Item, list[dict[str, Any]]]:
    """The item "MLflow has the experiment", and its runs (params, metrics and tags as dicts)."""
    found = mlflow_api(f"experiments/get-by-name?experiment_name={experiment}")
    if found is None:
        return (False, f"MLflow answers as the Service {SERVICE} (run the cell that installs the release "
                       "tracking)"), []  # fmt: skip
    if not found.get("experiment"):
        return (False, f"MLflow has an experiment named {experiment}"), []
    searched = mlflow_api("runs/search", {"experiment_ids": [found["experiment"]["experiment_id"]], "max_results": 200})
    runs = []
    for run in (searched or {}).get("runs", []):
        data = run.get("data", {})
        runs.append({
            "name": run["info"].get("run_name", ""), "status": run["info"].get("status"),
            "id": run["info"]["run_id"],
            "params": {p["key"]: p["value"] for p in data.get("params", [])},
            "metrics": {m["key"]: m["value"] for m in data.get("metrics", [])},
            "tags": {t["key"]: t["value"] for t in data.get("tags", [])},
        })  # fmt: skip
    return (True, f"MLflow has an experiment named {experiment}"), runs


def _c(run: dict[str, Any]) -> float | None:
    try:
        return float(run["params"]["c"])
    except (KeyError, ValueError):
        return None


@checker(
    "tracking_ex1",
    hints=(
        "Each value of C is one run, and a run is logged by the training code itself, wherever it runs: "
        "the Job only needs to know where MLflow is.",
        "Lesson 22, 'The sweep, tracked': one Job per C in the mlflow image, the ConfigMap track mounted at "
        "/code, MLFLOW_TRACKING_URI set to the Service's name, and --experiment churn-ex. Create the "
        "experiment from the notebook first ('An experiment, from the notebook').",
        "For each c in [0.03, 0.3, 3]: kds.apply(kds.manifests.job(f'ex-c{c:g}'.replace('.', '-'), MLFLOW_IMAGE, "
        "['python', '/code/track.py', '--c', str(c), '--experiment', 'churn-ex'], env={'MLFLOW_TRACKING_URI': "
        "'http://tracking-mlflow:5000'}, volumes={'/code': 'configmap/track'}))",
    ),
)
def tracking_ex1() -> Iterator[Item]:
    """Check that churn-ex holds a finished run with an auc for each of C = 0.03, 0.3 and 3.

    Examples:
        >>> check("tracking_ex1")  # doctest: +SKIP
        ✔ Well done: tracking_ex1 passes.
    """
    there, runs = experiment_runs(EXPERIMENT)
    yield there
    if not there[0]:
        return
    finished = {_c(r) for r in runs if r["status"] == "FINISHED" and "auc" in r["metrics"]} - {None}
    seen = f"finished runs with an auc have C = {sorted(finished) or 'none'}"
    for c in SWEEP:
        yield item(c in finished, f"it holds a finished run with C = {c:g} and its auc", seen)


@checker(
    "tracking_ex2",
    hints=(
        "A tag is a label on a run, like a label on a Pod; the best run is the first row once the runs are "
        "sorted by their score.",
        "Lesson 22, 'Reading runs back': mlflow.search_runs with order_by=['metrics.auc DESC'] gives the runs "
        "best first, with a run_id column; MlflowClient().set_tag(run_id, key, value) tags one.",
        "with kds.port_forward('service/tracking-mlflow', 5000) as url: mlflow.set_tracking_uri(url); runs = "
        "mlflow.search_runs(experiment_names=['churn-ex'], order_by=['metrics.auc DESC']); "
        "mlflow.MlflowClient().set_tag(runs.iloc[0]['run_id'], 'chosen', 'yes')",
    ),
)
def tracking_ex2() -> Iterator[Item]:
    """Check that the run of churn-ex with the highest auc, and only that run, has the tag chosen=yes.

    Examples:
        >>> check("tracking_ex2")  # doctest: +SKIP
        ✔ Well done: tracking_ex2 passes.
    """
    there, runs = experiment_runs(EXPERIMENT)
    yield there
    scored = [r for r in runs if "auc" in r["metrics"]]
    if not there[0] or not scored:
        if there[0]:
            yield False, "it holds runs with an auc (exercise 1)"
        return
    best = max(scored, key=lambda r: r["metrics"]["auc"])
    chosen = [r["name"] or r["id"] for r in runs if r["tags"].get("chosen") == "yes"]
    yield item(best["tags"].get("chosen") == "yes", f"its best run by auc ({best['name']}) has the tag chosen=yes",
               f"the runs tagged so are: {chosen or 'none'}")  # fmt: skip
    yield item(len(chosen) <= 1, "no other run is tagged chosen=yes", f"these are: {chosen}")


@checker(
    "tracking_ex3",
    hints=(
        "The code is the lesson's and the experiment exists; what differs between her laptop and a Pod is where "
        "the code looks for MLflow.",
        "Lesson 11's `kubectl logs` shows the error the Job ended with; lesson 14 says what a name means inside "
        "a Pod. A Job cannot be edited once it exists: delete it and create it again.",
        "kubectl delete job nightly-train -n $namespace, then create it again with MLFLOW_TRACKING_URI="
        "http://tracking-mlflow:5000 (the solution shows it with kds.manifests.job)",
    ),
)
def tracking_ex3() -> Iterator[Item]:
    """Check that the Job nightly-train completed and logged a finished run named nightly into churn-ex.

    Examples:
        >>> check("tracking_ex3")  # doctest: +SKIP
        ✘ Not yet: tracking_ex3.
    """
    job = read_or_none(batch().read_namespaced_job, "nightly-train")
    if job is None:
        yield False, "there is a Job named nightly-train (run the cell that starts it)"
        return
    done = any(c.type == "Complete" and c.status == "True" for c in job.status.conditions or [])
    yield item(done, "the Job nightly-train completed", "it has not: its logs say why")
    there, runs = experiment_runs(EXPERIMENT)
    yield there
    if there[0]:
        nightly = [r for r in runs if r["name"] == "nightly" and r["status"] == "FINISHED"]
        yield item(bool(nightly), f"{EXPERIMENT} holds a finished run named nightly", "there is none yet")
