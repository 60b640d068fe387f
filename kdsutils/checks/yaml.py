"""Checks of the topic "yaml" (lesson 12): pods labelled by team, selected, and changed by apply."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from kubernetes import client

from kdsutils.checks._kit import TIMEOUT, Item, checker, core, read_or_none
from kdsutils.kube import effective_namespace

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
TEAMS = {"ingest": "data-eng", "clean": "data-eng", "train": "ml"}
_NOT_APPLIED = "Pod {} was created from a file with `kubectl apply -f` (not kubectl run or create)"


def _applied(pod: client.V1Pod) -> dict[str, Any] | None:
    """Return the manifest last applied with `kubectl apply`, or None when it was never applied."""
    text = (pod.metadata.annotations or {}).get(LAST_APPLIED)
    if text:
        return json.loads(text)
    if any(entry.operation == "Apply" for entry in pod.metadata.managed_fields or []):
        return {}  # server-side apply: declarative too, but no copy of the file is kept
    return None


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
        "One file can hold several manifests, and labels are how a Pod says which team it belongs to.",
        "Lesson 12, 'Anatomy of a manifest' and 'Labels and selectors': three Pod manifests in one file, "
        "separated by lines of ---, each with metadata.labels.team, created with `apply -f` (not `run` or "
        "`create`).",
        "write the three Pods in team-pods.yaml, separated by lines of ---, each with metadata.labels.team, "
        "then `kubectl apply -f team-pods.yaml -n $namespace`",
    ),
)
def yaml_ex1() -> Iterator[Item]:
    """Check that the Pods ingest, clean (team data-eng) and train (team ml) were applied.

    Examples:
        >>> check("yaml_ex1")  # doctest: +SKIP
        ✔ Well done: yaml_ex1 passes.
          ✔ Pod ingest has the label team=data-eng
    """
    yield from _team_pods(TEAMS)


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
        in_file = ((applied.get("metadata") or {}).get("labels") or {}).get("team")
        yield (
            in_file == "ml",
            (
                "the file you last applied says team: ml too, so file and cluster agree"
                if in_file == "ml"
                else f"the file you last applied says team: {in_file}: change the file and apply it"
            ),
        )
    yield from _team_pods({"ingest": "data-eng", "train": "ml"})
