"""Exercise checks: `check("<exercise id>")` looks at the live cluster and says how you did.

A check never raises because an answer is wrong: it reports "Not yet", lists what is
already right and what is missing, and gives a hint. Checkers live in one module per lesson
(`lesson01.py`, ...) and register themselves with `@checker("<id>", hint=...)`.

A checker is a generator: it yields ``(ok, text)`` items, phrased so that both ✔ and ✘
read well, and may stop early when later items would make no sense.
"""

from __future__ import annotations

import difflib
import html
import importlib
import inspect
import pkgutil
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from kubernetes.client import ApiException

from kdsutils.errors import KdsError

Checker = Callable[..., Iterable[tuple[bool, str]]]

_registry: dict[str, tuple[Checker, str]] = {}


@dataclass
class CheckResult:
    """The outcome of one exercise check.

    Attributes:
        exercise: The exercise id.
        items: What was checked, as ``(ok, text)`` pairs.
        hint: What to try next; shown only when the check did not pass.
    """

    exercise: str
    items: list[tuple[bool, str]] = field(default_factory=list)
    hint: str = ""

    @property
    def passed(self) -> bool:
        """True when there was something to check and every item is right."""
        return bool(self.items) and all(ok for ok, _ in self.items)

    def __str__(self) -> str:
        head = f"✔ Well done: {self.exercise} passes." if self.passed else f"✘ Not yet: {self.exercise}."
        lines = [head, *(f"  {'✔' if ok else '✘'} {text}" for ok, text in self.items)]
        if not self.passed and self.hint:
            lines.append(f"  Hint: {self.hint}")
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#b35900"
        head = "✔ Well done" if self.passed else "✘ Not yet"
        items = "".join(
            f'<li style="list-style:none">{"✔" if ok else "✘"} {html.escape(text)}</li>'
            for ok, text in self.items
        )
        hint = (
            f"<p><strong>Hint:</strong> {html.escape(self.hint)}</p>" if self.hint and not self.passed else ""
        )
        return (
            f'<div class="kds-check" style="border-left:4px solid {colour};padding:0.3em 1em">'
            f'<p style="color:{colour}"><strong>{head}</strong>: {html.escape(self.exercise)}</p>'
            f'<ul style="padding-left:0.5em">{items}</ul>{hint}</div>'
        )


def checker(exercise_id: str, *, hint: str) -> Callable[[Checker], Checker]:
    """Register the decorated function as the checker of `exercise_id`.

    Args:
        exercise_id: The id the exercise notebook passes to `check`, such as ``setup_ex1``.
        hint: What to try when the check does not pass.

    Examples:
        >>> @checker("demo_ex1", hint="create the pod")  # doctest: +SKIP
        ... def _(answer=None):
        ...     yield answer == 42, "the answer is 42"
    """

    def register(func: Checker) -> Checker:
        if exercise_id in _registry:
            raise KdsError(f"Two checkers claim the exercise id {exercise_id!r}.", fix="rename one of them")
        _registry[exercise_id] = (func, hint)
        return func

    return register


def read_or_none(read: Callable[..., Any], name: str, namespace: str) -> Any | None:
    """Return the object ``read(name, namespace)`` finds, or None when there is none (404).

    Examples:
        >>> read_or_none(core_api.read_namespaced_pod, "toolbox", "lesson-pods-ex")  # doctest: +SKIP
    """
    try:
        return read(name, namespace, _request_timeout=15)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


def _load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("lesson"):
            importlib.import_module(f"{__name__}.{module.name}")


def check(exercise_id: str, **answers: Any) -> CheckResult:
    """Check an exercise against the live cluster.

    Args:
        exercise_id: The exercise's id, as the notebook gives it.
        **answers: Values the exercise asks you to pass, such as ``answer=...``.

    Returns:
        A result that prints as "✔ Well done" or "✘ Not yet", with what is right, what is
        missing and a hint. It never raises for a wrong answer.

    Raises:
        KdsError: when there is no exercise with that id (a typo).

    Examples:
        >>> check("setup_ex2", answer="kds-local")  # doctest: +SKIP
        ✔ Well done: setup_ex2 passes.
          ✔ 'kds-local' is the current context
    """
    _load_all()
    if exercise_id not in _registry:
        close = difflib.get_close_matches(exercise_id, list(_registry), n=3)
        raise KdsError(
            f"There is no exercise {exercise_id!r}.",
            fix=f"did you mean {' or '.join(map(repr, close))}?" if close else "copy the id from the task",
        )
    func, hint = _registry[exercise_id]
    result = CheckResult(exercise_id, hint=hint)
    signature = inspect.signature(func)
    try:
        signature.bind(**answers)
    except TypeError:
        wanted = ", ".join(f"{name}=..." for name in signature.parameters) or "nothing"
        given = ", ".join(f"{name}=..." for name in answers) or "nothing"
        result.items.append((False, f"check({exercise_id!r}) takes {wanted}; you passed {given}"))
        return result
    try:
        for item in func(**answers):
            result.items.append(item)
    except (KdsError, ApiException) as exc:
        reason = exc.message if isinstance(exc, KdsError) else f"API server said {exc.status} {exc.reason}"
        result.items.append((False, f"could not check everything: {reason}"))
    return result
