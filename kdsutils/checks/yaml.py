"""Checks of the topic "yaml" (lesson 12): Pods labelled by team, selected, changed by apply; a sweep mended."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

from kubernetes import client

from kdsutils.checks._kit import TIMEOUT, Item, checker, command_text, core, item, pod_log, read_or_none
from kdsutils.kube import effective_namespace

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
TEAMS = {"ingest": "data-eng", "clean": "data-eng", "train": "ml"}
#: The runs of the sweep in yaml_ex5, and the label that should find them all.
SWEEP = ("train-c01", "train-c1", "train-c10")
SWEEP_LABEL = ("experiment", "c-sweep")
#: The day the scorer of yaml_ex4 scores, and the labels its file gives it.
SCORE_DAY = "2026-12-01"
SCORE_LABELS = {"team": "data-eng", "stage": "prod"}
_NOT_APPLIED = "Pod {} was created from a file with `kubectl apply -f` (not kubectl run or create)"
_SCORED = re.compile(r"^scored \d+ customers for (\S+):", re.MULTILINE)


def _applied(pod: client.V1Pod) -> dict[str, Any] | None:
    """Return the manifest last applied with `kubectl apply`, or None when it was never applied."""
    text = (pod.metadata.annotations or {}).get(LAST_APPLIED)
    if text:
        return json.loads(text)
    if any(entry.operation == "Apply" for entry in pod.metadata.managed_fields or []):
        return {}  # server-side apply: declarative too, but no copy of the file is kept
    return None


def _labels_in_file(applied: dict[str, Any]) -> dict[str, str]:
    return (applied.get("metadata") or {}).get("labels") or {}


def _runs_module(pod: client.V1Pod, module: str) -> bool:
    """Tell whether the Pod's container runs ``python -m <module>`` (as a list or inside a shell line)."""
    return re.search(rf"-m\s+{re.escape(module)}(\s|$)", command_text(pod)) is not None


def _team_pods(teams: dict[str, str]) -> Iterator[Item]:
    for name, team in teams.items():
        pod = read_or_none(core().read_namespaced_pod, name)
        if pod is None:
            yield False, f"there is a Pod named {name}"
            continue
        label = (pod.metadata.labels or {}).get("team")
        yield (
            label == team,
            f"Pod {name} has the label team={team}"
            + ("" if label == team else f" (it has team={label})" if label else " (it has no team label)"),
        )
        if _applied(pod) is None:
            yield False, _NOT_APPLIED.format(name)


def _names(answer: object) -> list[str] | None:
    """Turn a list of names, or kubectl's ``pod/a pod/b`` text, into bare names."""
    if isinstance(answer, str):
        words: Iterable[object] = answer.split()
    elif isinstance(answer, list | tuple | set):
        words = answer
    else:
        return None
    return sorted(str(word).strip().removeprefix("pod/").removeprefix("pods/") for word in words)


@checker(
    "yaml_ex1",
    hints=(
        "One file can hold several manifests; labels say which team a Pod belongs to, and a training run "
        "should not be started again once it has finished.",
        "Lesson 12, 'Anatomy of a manifest' and 'Labels and selectors': three Pod manifests in one file, "
        "separated by lines of ---, each with metadata.labels.team; train's spec also needs the restart "
        "policy of a run-once Pod (lesson 11). Create them with `apply -f`, not `run` or `create`.",
        "write ingest and clean (team: data-eng, busybox running sleep 3600) and train (team: ml, "
        "args: [python, -m, churn.train], restartPolicy: Never) in team-pods.yaml, separated by lines of ---, "
        "then `kubectl apply -f team-pods.yaml -n $namespace`",
    ),
)
def yaml_ex1() -> Iterator[Item]:
    """Check that ingest, clean (team data-eng) and train (team ml, churn.train once) were applied.

    Examples:
        >>> check("yaml_ex1")  # doctest: +SKIP
        ✔ Well done: yaml_ex1 passes.
          ✔ Pod ingest has the label team=data-eng
    """
    yield from _team_pods(TEAMS)
    train = read_or_none(core().read_namespaced_pod, "train")
    if train is None:
        return
    yield item(
        _runs_module(train, "churn.train"),
        "train runs the churn training (python -m churn.train)",
        f"it runs: {command_text(train) or 'the image default'}",
    )
    policy = train.spec.restart_policy
    yield item(
        policy in ("Never", "OnFailure"),
        "train is not started again once it has finished (restartPolicy Never or OnFailure)",
        f"its restartPolicy is {policy}",
    )


@checker(
    "yaml_ex2",
    hints=(
        "A label selector asks the cluster for the Pods that carry a label; you need only their names.",
        "Lesson 12, 'Labels and selectors': the `-l` flag of `get` takes team=data-eng, and the name "
        "output format prints only names (with or without the pod/ prefix, the check takes both).",
        "`kubectl get pods -l team=data-eng -o name -n $namespace`, or in Python: "
        "names = list(kds.get('pods', selector='team=data-eng', as_frame=True)['NAME'])",
    ),
)
def yaml_ex2(answer: object = None) -> Iterator[Item]:
    """Check that `answer` names exactly the Pods labelled team=data-eng.

    Examples:
        >>> check("yaml_ex2", answer=["clean", "ingest"])  # doctest: +SKIP
        ✔ Well done: yaml_ex2 passes.
          ✔ Pods with the label team=data-eng: 2
    """
    selected = core().list_namespaced_pod(
        effective_namespace(), label_selector="team=data-eng", _request_timeout=TIMEOUT
    )
    truth = sorted(pod.metadata.name for pod in selected.items)
    if not truth:
        yield False, "some Pods carry the label team=data-eng (do exercise yaml_ex1 first)"
        return
    yield True, f"Pods with the label team=data-eng: {len(truth)}"
    given = _names(answer)
    if given is None:
        yield False, "pass the Pod names as a list: check('yaml_ex2', answer=['a', 'b'])"
    elif given == truth:
        yield True, "your answer names exactly those Pods"
    else:
        missing, extra = sorted(set(truth) - set(given)), sorted(set(given) - set(truth))
        wrong = ([f"missing {', '.join(missing)}"] if missing else []) + (
            [f"{', '.join(extra)} should not be there"] if extra else []
        )
        yield False, f"your answer names exactly those Pods ({'; '.join(wrong)})"


@checker(
    "yaml_ex3",
    hints=(
        "Change the file, not the Pod: the cluster should end up matching what your file says.",
        "Lesson 12, 'Change the file, look, then apply': edit the clean Pod's team label in team-pods.yaml, "
        "look at the change with `diff -f`, then `apply -f` the file again.",
        "change team: data-eng to team: ml under the clean Pod in team-pods.yaml, then "
        "`kubectl diff -f team-pods.yaml -n $namespace` and `kubectl apply -f team-pods.yaml -n $namespace`",
    ),
)
def yaml_ex3() -> Iterator[Item]:
    """Check that clean moved to team ml through the file (apply), not only with `kubectl label`.

    Examples:
        >>> check("yaml_ex3")  # doctest: +SKIP
        ✔ Well done: yaml_ex3 passes.
          ✔ Pod clean has the label team=ml
    """
    pod = read_or_none(core().read_namespaced_pod, "clean")
    if pod is None:
        yield False, "there is a Pod named clean (do exercise yaml_ex1 first)"
        return
    label = (pod.metadata.labels or {}).get("team")
    yield label == "ml", "Pod clean has the label team=ml" + ("" if label == "ml" else f" (it has team={label})")
    applied = _applied(pod)
    if applied is None:
        yield False, _NOT_APPLIED.format("clean")
    elif applied:
        in_file = _labels_in_file(applied).get("team")
        yield (
            in_file == "ml",
            (
                "the file you last applied says team: ml too, so file and cluster agree"
                if in_file == "ml"
                else f"the file you last applied says team: {in_file}: change the file and apply it"
            ),
        )
    yield from _team_pods({"ingest": "data-eng", "train": "ml"})


@checker(
    "yaml_ex4",
    hints=(
        "You need not type the YAML: a dry run writes a manifest without creating anything, and a shell "
        "sends text into a file.",
        "Lesson 11, 'Writing a Pod down', and lesson 12, 'Anatomy of a manifest': the `run` verb with "
        "--dry-run=client -o yaml prints a Pod's YAML; `>` saves it; add the labels under metadata.labels "
        "(the --labels flag of `run` does it too), then `apply -f` the file.",
        "`kubectl run score --image=$PYTHON_DS_IMAGE --restart=Never --labels=team=data-eng,stage=prod "
        "--dry-run=client -o yaml -- python -m churn.score --day 2026-12-01 > score.yaml`, then "
        "`kubectl apply -f score.yaml -n $namespace`",
    ),
)
def yaml_ex4() -> Iterator[Item]:
    """Check that a Pod `score`, applied from a file labelled team=data-eng and stage=prod, scored 2026-12-01.

    Examples:
        >>> check("yaml_ex4")  # doctest: +SKIP
        ✔ Well done: yaml_ex4 passes.
          ✔ there is a Pod named score
    """
    pod = read_or_none(core().read_namespaced_pod, "score")
    if pod is None:
        yield False, f"there is a Pod named score in namespace {effective_namespace()}"
        return
    yield True, "there is a Pod named score"
    applied = _applied(pod)
    if applied is None:
        yield False, _NOT_APPLIED.format("score")
    labels = pod.metadata.labels or {}
    in_file = _labels_in_file(applied) if applied else dict(labels)
    for key, value in SCORE_LABELS.items():
        yield item(
            labels.get(key) == value and in_file.get(key) == value,
            f"it carries the label {key}={value}, in its file and in the cluster",
            f"the cluster says {key}={labels.get(key)}, the file you applied {key}={in_file.get(key)}",
        )
    yield item(
        _runs_module(pod, "churn.score"),
        "it runs the nightly scorer (python -m churn.score)",
        f"it runs: {command_text(pod) or 'the image default'}",
    )
    phase = pod.status.phase
    if phase != "Succeeded":
        yield False, f"it has finished without error (its phase is {phase})"
        return
    yield True, "it has finished without error (phase Succeeded)"
    days = _SCORED.findall(pod_log("score"))
    yield item(
        days[-1:] == [SCORE_DAY],
        f"its logs report the scores of {SCORE_DAY}",
        f"they report {days[-1]}" if days else "they report no scores",
    )


@checker(
    "yaml_ex5",
    hints=(
        "The colleague's command found two of the three runs: ask the cluster what sets the third apart.",
        "Lesson 12, 'Labels and selectors': `get pods --show-labels` shows every label of every Pod. Compare "
        "the three runs, mend sweep.yaml, look with `diff -f`, then `apply -f` (labels may change in place).",
        "in sweep.yaml, train-c01 is labelled experiment: c_sweep: make it c-sweep, then "
        "`kubectl diff -f sweep.yaml -n $namespace` and `kubectl apply -f sweep.yaml -n $namespace`",
    ),
)
def yaml_ex5() -> Iterator[Item]:
    """Check that the selector experiment=c-sweep finds all three runs, file and cluster agreeing.

    Examples:
        >>> check("yaml_ex5")  # doctest: +SKIP
        ✔ Well done: yaml_ex5 passes.
          ✔ kubectl get pods -l experiment=c-sweep finds the three runs of the sweep
    """
    key, value = SWEEP_LABEL
    selected = core().list_namespaced_pod(
        effective_namespace(), label_selector=f"{key}={value}", _request_timeout=TIMEOUT
    )
    found = sorted(pod.metadata.name for pod in selected.items)
    yield item(
        all(name in found for name in SWEEP),
        f"kubectl get pods -l {key}={value} finds the three runs of the sweep",
        f"it finds {len(found)}: {', '.join(found) or 'none'}",
    )
    runs = [pod for pod in selected.items if pod.metadata.name in SWEEP]
    if not runs:
        return
    disagree = [
        pod.metadata.name
        for pod in runs
        if (applied := _applied(pod)) is None or (applied and _labels_in_file(applied).get(key) != value)
    ]
    yield item(
        not disagree,
        f"the file you last applied says {key}: {value} for each of them, as the cluster does",
        f"not for {', '.join(disagree)}",
    )
    unfinished = [pod.metadata.name for pod in runs if pod.status.phase != "Succeeded"]
    yield item(not unfinished, "each of them has finished its training", f"not yet: {', '.join(unfinished)}")
    if unfinished:
        return
    silent = [pod.metadata.name for pod in runs if "auc=" not in pod_log(pod.metadata.name)]
    yield item(not silent, "each of them printed its scores", f"not: {', '.join(silent)}")
