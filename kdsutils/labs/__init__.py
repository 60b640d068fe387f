"""Part 3's break-and-fix labs: a piece of the running example, broken the same way on every machine.

`lab("<scenario>")` puts the objects of one scenario into the lesson's namespace exactly as a
colleague left them, waits until the failure shows, and prints the colleague's message: the
symptom, never the cause. The learner finds the cause with kubectl, fixes it, and
``kds.check("<topic>_exN")`` confirms the fix on the live cluster. Calling `lab` again puts
the broken state back (start over).

How it is organised, like the checks:

- One module per topic, named like the scenario's first word: ``crashloop-job`` lives in
  ``crashloop.py``, beside the checks of ``checks/crashloop.py``.
- A module registers each scenario with ``@scenario(name, message=...)`` on a pure function
  that returns the broken objects' YAML. An optional ``settle`` waits until the failure is
  visible, so every run shows the learner the same symptom; an optional ``setup`` does what
  an apply cannot (a Helm release).

Examples:
    >>> lab("crashloop")  # doctest: +SKIP
    [lab] kubectl apply -n lesson-crashloop: deployment/churn-api, service/churn-api (as the team left them)
    A message from ...
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import time
from collections.abc import Callable
from dataclasses import dataclass

import yaml

from kdsutils._run import run
from kdsutils.errors import KdsError
from kdsutils.kube import effective_namespace, require_course_context
from kdsutils.resources import apply, quietly

#: Builds the broken objects' YAML (pure).
Build = Callable[[], str]
#: Given the namespace, waits until the failure is visible, or does a step apply cannot.
Step = Callable[[str], None]


@dataclass(frozen=True)
class Scenario:
    """One broken state of the running example.

    Attributes:
        name: ``<topic>`` or ``<topic>-<variant>``, e.g. ``crashloop-job``.
        message: What the colleague says: the symptom, in their words, never the cause.
        build: Returns the objects' YAML, as the team wrote it (pure).
        setup: Steps after the apply that an apply cannot do (a Helm release), or None.
        settle: Waits until the symptom shows (a Pod in CrashLoopBackOff), or None.
    """

    name: str
    message: str
    build: Build
    setup: Step | None = None
    settle: Step | None = None


#: Every scenario imported so far, by name. `lab` imports a topic's module on demand.
scenarios: dict[str, Scenario] = {}


def topic_of(name: str) -> str:
    """The module a scenario lives in: the part of its name before the first ``-`` (pure).

    Examples:
        >>> topic_of("crashloop-job"), topic_of("oomkilled")
        ('crashloop', 'oomkilled')
    """
    return name.partition("-")[0]


def scenario(
    name: str, *, message: str, setup: Step | None = None, settle: Step | None = None
) -> Callable[[Build], Build]:
    r"""Register the decorated builder as the scenario `name`.

    Args:
        name: The scenario's name; its first word names the module it must live in.
        message: The colleague's message.
        setup: Steps after the apply, given the namespace.
        settle: Waits until the symptom shows, given the namespace.

    Returns:
        The decorator, which returns the builder unchanged.

    Examples:
        >>> @scenario("demo-x", message="it is broken")  # doctest: +SKIP
        ... def demo_x() -> str:
        ...     return "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
    """

    def register(build: Build) -> Build:
        package, _, module = build.__module__.rpartition(".")
        if package == __name__ and module != topic_of(name):
            raise KdsError(
                f"The scenario {name!r} is in {build.__module__}, so lab() cannot find it.",
                fix=f"move it to {__name__}.{topic_of(name)}, the module named like its first word",
            )
        if name in scenarios:
            raise KdsError(f"Two scenarios are called {name!r}.", fix="rename one of them")
        scenarios[name] = Scenario(name, message, build, setup, settle)
        return build

    return register


def topics() -> list[str]:
    """The topics that have scenarios: the package's module names, none imported.

    Examples:
        >>> "crashloop" in topics() and "_example" not in topics()
        True
    """
    return sorted(m.name for m in pkgutil.iter_modules(__path__) if not m.name.startswith("_"))


def find(name: str) -> Scenario:
    """Return the scenario `name`, importing its topic's module on first use.

    Raises:
        KdsError: for a name no module registers, with the names that exist.
    """
    if name not in scenarios and topic_of(name) in topics():
        importlib.import_module(f"{__name__}.{topic_of(name)}")
    if name not in scenarios:
        for topic in topics():
            importlib.import_module(f"{__name__}.{topic}")
        known = ", ".join(sorted(scenarios))
        raise KdsError(f"There is no lab scenario called {name!r}.", fix=f"use one of: {known}")
    return scenarios[name]


def objects(text: str) -> list[str]:
    r"""``kind/name`` of each object in a YAML text, as kubectl prints them (pure).

    Examples:
        >>> objects("kind: Deployment\nmetadata: {name: api}\n---\nkind: Service\nmetadata: {name: api}\n")
        ['deployment/api', 'service/api']
    """
    docs = [doc for doc in yaml.safe_load_all(text) if doc]
    return [f"{doc['kind'].lower()}/{doc['metadata']['name']}" for doc in docs]


def live_pod(selector: str, namespace: str, *, oldest: bool = False, timeout: float = 60) -> str:
    """The newest Pod of a label selector that is not being deleted (or the oldest), once one exists.

    Starting a lab over deletes the old objects, and their Pods may linger a moment while they
    stop: the symptom to wait for is the new Pod's.

    Raises:
        KdsError: when no such Pod appears within `timeout` seconds.
    """
    deadline, pause = time.monotonic() + timeout, 0.5
    args = ["kubectl", "get", "pods", "-l", selector, "-n", namespace, "-o", "json"]
    while True:
        pods = json.loads(run(args, timeout=30).stdout)["items"]
        live = sorted((p for p in pods if not p["metadata"].get("deletionTimestamp")),
                      key=lambda p: p["metadata"]["creationTimestamp"])  # fmt: skip
        if live:
            return live[0 if oldest else -1]["metadata"]["name"]
        if time.monotonic() > deadline:
            raise KdsError(
                f"No Pod with the labels {selector} appeared in {namespace} within {timeout:g} s.",
                fix=f"look at the owner's events: `kubectl get events -n {namespace}`",
            )
        time.sleep(pause)
        pause = min(pause * 1.5, 5)


def lab(name: str, *, namespace: str | None = None, timeout: float = 240) -> None:
    """Start (or start over) a lab: the scenario's objects, broken, in the lesson's namespace.

    The objects are deleted first if they exist, with their Pods (a foreground cascade, so no
    stopping Pod of the old run is mistaken for the new one), so a second call gives the same
    broken state.
    The objects' YAML is not printed (finding what is wrong is the lab); their names are.

    Args:
        name: The scenario, such as ``"crashloop"`` (the lesson's) or ``"crashloop-job"``.
        namespace: Where to put it (default: the lesson's).
        timeout: Seconds to wait until the failure shows.

    Raises:
        KdsError: for an unknown scenario, with the names that exist.

    Examples:
        >>> lab("crashloop")  # doctest: +SKIP
    """
    found = find(name)
    context = require_course_context()
    ns = effective_namespace(namespace)
    text = found.build()
    names = objects(text)
    run(["kubectl", "--context", context, "delete", *names, "-n", ns, "--ignore-not-found", "--grace-period=1",
         "--wait=true", "--cascade=foreground", f"--timeout={int(timeout)}s"], timeout=timeout + 30)  # fmt: skip
    print(f"[lab] kubectl apply -n {ns}: {', '.join(names)} (as the team left them)")
    with quietly():
        apply(text, namespace=ns)
        if found.setup is not None:
            found.setup(ns)
        if found.settle is not None:
            found.settle(ns)
    print(found.message)
