"""`check` and `hint`, and how they find an exercise's checker: by importing only its topic's module."""

from __future__ import annotations

import difflib
import importlib
import inspect
import pkgutil
from string import Template
from typing import Any

from kubernetes.client import ApiException

from kdsutils import manifests
from kdsutils.checks._kit import TIERS, CheckResult, Hint, Registered, registry, topic_of
from kdsutils.errors import KdsError
from kdsutils.kube import effective_namespace


def topics() -> list[str]:
    """Return the topics that have checks: the names of the package's modules, none imported.

    Examples:
        >>> "services" in topics() and "_kit" not in topics()
        True
    """
    package = importlib.import_module(__package__)
    return sorted(module.name for module in pkgutil.iter_modules(package.__path__) if not module.name.startswith("_"))


def _load(topic: str) -> None:
    """Import the module of `topic`; if it fails, forget what it registered and say so."""
    module = f"{__package__}.{topic}"
    before = set(registry)
    try:
        importlib.import_module(module)
    except Exception as exc:
        for exercise_id in set(registry) - before:
            del registry[exercise_id]
        raise KdsError(
            f"The checks of {topic} cannot load: the module {module} raised {type(exc).__name__}: {exc}",
            fix="this is a bug in the course, not in your answer: update the course (`git pull`) "
            "or tell your instructor; the checks of the other topics still work",
        ) from exc


def _suggestions(exercise_id: str) -> list[str]:
    """Return up to three ids close to `exercise_id`, in order, from the modules of close topics only."""
    near = difflib.get_close_matches(topic_of(exercise_id) or exercise_id, topics(), n=3)
    for topic in near:
        try:
            _load(topic)
        except KdsError:
            continue
    return sorted(difflib.get_close_matches(exercise_id, [i for i in registry if topic_of(i) in near], n=3))


def _find(exercise_id: str) -> Registered:
    """Return the checker of `exercise_id`, importing its topic's module on first use."""
    topic = topic_of(exercise_id)
    if exercise_id not in registry and topic in topics():
        _load(topic)
    if exercise_id in registry:
        return registry[exercise_id]
    close = _suggestions(exercise_id)
    raise KdsError(
        f"There is no exercise {exercise_id!r}.",
        fix=f"did you mean {' or '.join(map(repr, close))}?"
        if close
        else f"copy the id from the task; ids start with a topic: {', '.join(topics())}",
    )


def _namespace() -> str:
    try:
        return effective_namespace()
    except KdsError:
        return "<your namespace>"


def _shown(text: str) -> str:
    """Fill in a hint's ``$namespace`` and course images (``$PYTHON_DS_IMAGE``), reading only those it names."""
    values = {name: getattr(manifests, name) for name in manifests.COURSE_IMAGE_NAMES if f"${name}" in text}
    if "$namespace" in text:
        values["namespace"] = _namespace()
    return Template(text).safe_substitute(values)


def check(exercise_id: str, **answers: Any) -> CheckResult:
    """Check an exercise against the live cluster.

    Only the module of the exercise's topic is imported (``services_ex1``: ``checks/services.py``).

    Args:
        exercise_id: The exercise's id, as the notebook gives it.
        **answers: Values the exercise asks you to pass, such as ``answer=...``.

    Returns:
        A result that prints as "✔ Well done" or "✘ Not yet", with what is right, what is
        missing and, when it is not yet right, a nudge. It never raises for a wrong answer.

    Raises:
        KdsError: when there is no exercise with that id (a typo), or its topic's checks
            cannot load (a bug in the course).

    Examples:
        >>> check("setup_ex2", answer="kds-local")  # doctest: +SKIP
        ✔ Well done: setup_ex2 passes.
          ✔ 'kds-local' is the current context
    """
    found = _find(exercise_id)
    result = CheckResult(exercise_id, hint=_shown(found.hints[0]))
    signature = inspect.signature(found.func)
    try:
        signature.bind(**answers)
    except TypeError:
        wanted = ", ".join(f"{name}=..." for name in signature.parameters) or "nothing"
        given = ", ".join(f"{name}=..." for name in answers) or "nothing"
        result.items.append((False, f"check({exercise_id!r}) takes {wanted}; you passed {given}"))
        return result
    try:
        for item in found.func(**answers):
            result.items.append(item)
    except (KdsError, ApiException) as exc:
        reason = exc.message if isinstance(exc, KdsError) else f"API server said {exc.status} {exc.reason}"
        result.items.append((False, f"could not check everything: {reason}"))
    return result


def hint(exercise_id: str, level: int = 2) -> Hint:
    """Return one tier of an exercise's help: 1 a nudge, 2 where to look, 3 the command.

    A "Not yet" shows tier 1; ask for the next tiers only when you need them.

    Args:
        exercise_id: The exercise's id, as the notebook gives it.
        level: Which tier: 1, 2 (the default) or 3.

    Returns:
        The hint; it prints as text, and as a box in a notebook.

    Raises:
        KdsError: when the level is not 1, 2 or 3, or there is no exercise with that id.

    Examples:
        >>> print(hint("setup_ex2", 3))
        Hint 3 of 3 for setup_ex2 (the command): `kubectl config current-context` prints it
    """
    if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= len(TIERS):
        raise KdsError(
            f"There is no hint level {level!r}: hints come in three tiers.",
            fix=f"kds.hint({exercise_id!r}, 1) for a nudge, kds.hint({exercise_id!r}) for where to look, "
            f"kds.hint({exercise_id!r}, 3) for the command",
        )
    return Hint(exercise_id, level, _shown(_find(exercise_id).hints[level - 1]))
