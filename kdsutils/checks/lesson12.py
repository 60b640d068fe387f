"""Checks for lesson 12, declarative YAML: pods labelled by team, selected, and changed by apply."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import Any

from kubernetes import client

from kdsutils.checks import checker, read_or_none
from kdsutils.kube import api_client, effective_namespace

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
TEAMS = {"ingest": "data-eng", "clean": "data-eng", "train": "ml"}


def _pod(name: str) -> Any:
    """Return the Pod `name` of the current namespace, or None when there is none."""
    return read_or_none(client.CoreV1Api(api_client()).read_namespaced_pod, name, effective_namespace())


def _applied(pod: Any) -> dict[str, Any] | None:
    """Return the manifest last applied with `kubectl apply`, or None when it was never applied."""
    text = (pod.metadata.annotations or {}).get(LAST_APPLIED)
    if text:
        return json.loads(text)
    if any(entry.operation == "Apply" for entry in pod.metadata.managed_fields or []):
        return {}  # server-side apply: declarative too, but no copy of the file is kept
    return None


def _team_pods(teams: dict[str, str]) -> Iterator[tuple[bool, str]]:
    for name, team in teams.items():
        pod = _pod(name)
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
            yield False, f"Pod {name} was created from a file with `kubectl apply -f` (not kubectl run or create)"


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
    hint="write the three Pods in one file, separated by lines of ---, each with "
    "metadata.labels.team, then kubectl apply -f team-pods.yaml",
)
def yaml_ex1() -> Iterator[tuple[bool, str]]:
    """Check that the Pods ingest, clean (team data-eng) and train (team ml) were applied."""
    yield from _team_pods(TEAMS)


@checker(
    "yaml_ex2",
    hint="kubectl get pods -l team=data-eng -o name, or kds.get('pods', selector='team=data-eng'); "
    "pass the names as a list: check('yaml_ex2', answer=['a', 'b'])",
)
def yaml_ex2(answer: object = None) -> Iterator[tuple[bool, str]]:
    """Check that `answer` names exactly the Pods labelled team=data-eng."""
    selected = client.CoreV1Api(api_client()).list_namespaced_pod(
        effective_namespace(), label_selector="team=data-eng", _request_timeout=15
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
    hint="change team: data-eng to team: ml under the clean Pod in your file, look with "
    "kubectl diff -f team-pods.yaml, then kubectl apply -f team-pods.yaml",
)
def yaml_ex3() -> Iterator[tuple[bool, str]]:
    """Check that clean moved to team ml through the file (apply), not only with `kubectl label`."""
    pod = _pod("clean")
    if pod is None:
        yield False, "there is a Pod named clean (do exercise yaml_ex1 first)"
        return
    label = (pod.metadata.labels or {}).get("team")
    yield label == "ml", "Pod clean has the label team=ml" + ("" if label == "ml" else f" (it has team={label})")
    applied = _applied(pod)
    if applied is None:
        yield False, "Pod clean was created from a file with `kubectl apply -f` (not kubectl run or create)"
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
