"""The exercise-check framework and the lesson 01 checks (no cluster needed)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kubernetes.client import ApiException

from kdsutils import checks
from kdsutils.checks import CheckResult, check, checker
from kdsutils.errors import ClusterNotReady, KdsError


@pytest.fixture
def registry() -> Iterator[None]:
    """Let a test register checkers of its own without leaking them."""
    checks._load_all()
    saved = dict(checks._registry)
    yield
    checks._registry.clear()
    checks._registry.update(saved)


def _register_demo() -> None:
    @checker("demo_ex1", hint="create a pod named web")
    def _(answer: object = None) -> Iterator[tuple[bool, str]]:
        yield True, "the namespace exists"
        yield answer == 42, "the answer is 42" if answer == 42 else f"{answer!r} is not the answer"


def test_a_right_answer_is_well_done(registry: None) -> None:
    _register_demo()
    result = check("demo_ex1", answer=42)
    assert result.passed
    assert str(result) == "✔ Well done: demo_ex1 passes.\n  ✔ the namespace exists\n  ✔ the answer is 42"


def test_a_wrong_answer_is_not_yet_with_what_is_missing_and_a_hint(registry: None) -> None:
    _register_demo()
    result = check("demo_ex1", answer=41)
    assert not result.passed
    assert result.items == [(True, "the namespace exists"), (False, "41 is not the answer")]
    text = str(result)
    assert text.startswith("✘ Not yet: demo_ex1.")
    assert "  ✔ the namespace exists" in text
    assert "  ✘ 41 is not the answer" in text
    assert text.endswith("Hint: create a pod named web")


@pytest.mark.parametrize(
    "problem",
    [
        ClusterNotReady("The cluster does not answer.", fix="kds up"),
        ApiException(status=404, reason="Not Found"),
    ],
    ids=["kds-error", "api-404"],
)
def test_a_check_that_cannot_look_reports_not_yet_instead_of_raising(
    registry: None, problem: Exception
) -> None:
    @checker("demo_ex2", hint="start the cluster")
    def _() -> Iterator[tuple[bool, str]]:
        yield True, "first item"
        raise problem

    result = check("demo_ex2")
    assert not result.passed
    assert result.items[0] == (True, "first item")
    assert result.items[1][0] is False
    assert ("does not answer" if isinstance(problem, KdsError) else "404 Not Found") in result.items[1][1]


def test_wrong_keyword_is_reported_not_raised(registry: None) -> None:
    _register_demo()
    result = check("demo_ex1", answr=42)
    assert not result.passed
    assert result.items == [(False, "check('demo_ex1') takes answer=...; you passed answr=...")]


def test_nothing_checked_is_not_a_pass() -> None:
    assert not CheckResult("demo_ex3").passed


def test_unknown_exercise_is_a_typo_with_a_suggestion() -> None:
    with pytest.raises(KdsError, match=r"did you mean .*'setup_ex1'"):
        check("setup_ex")


def test_two_checkers_cannot_share_an_id(registry: None) -> None:
    _register_demo()
    with pytest.raises(KdsError, match="Two checkers"):
        _register_demo()


def test_html_view_escapes_and_shows_the_verdict() -> None:
    result = CheckResult("demo", items=[(False, "<script> is not a pod name")], hint="use a <name>")
    page = result._repr_html_()
    assert "✘ Not yet" in page
    assert "&lt;script&gt; is not a pod name" in page and "<script>" not in page
    assert "use a &lt;name&gt;" in page
    assert "Hint" not in CheckResult("demo", items=[(True, "ok")], hint="use a <name>")._repr_html_()


def test_lesson_modules_are_loaded_on_first_check(use_context: Callable[..., Path]) -> None:
    use_context("kds-local")
    program = (
        "from kdsutils.checks import _registry, check\n"
        "assert 'setup_ex2' not in _registry\n"
        "print(check('setup_ex2', answer='kds-local'))\n"
    )
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout
    assert out.startswith("✔ Well done: setup_ex2 passes.")


def test_setup_ex1_compares_with_the_node_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kdsutils.checks.lesson01._node_versions", lambda: {"v1.36.4"})
    assert check("setup_ex1", answer="v1.36.4").passed
    assert check("setup_ex1", answer=" v1.36.4\n").passed
    wrong = check("setup_ex1", answer="v1.35.0")
    assert not wrong.passed
    assert "'v1.35.0' is not the Kubernetes version the node reports" in str(wrong)
    assert "v1.36.4" not in str(wrong)  # the answer is not given away
    assert "kubectl get nodes" in str(wrong)


@pytest.mark.parametrize(
    ("answer", "says"),
    [(None, "answer=your_variable"), ({"version": "v1.36.4"}, "answer is a dict")],
)
def test_setup_checks_explain_a_missing_or_odd_answer(
    monkeypatch: pytest.MonkeyPatch, answer: object, says: str
) -> None:
    monkeypatch.setattr("kdsutils.checks.lesson01._node_versions", lambda: {"v1.36.4"})
    result = check("setup_ex1", answer=answer)
    assert not result.passed
    assert says in str(result)


def test_setup_ex2_compares_with_the_current_context(use_context: Callable[..., Path]) -> None:
    use_context("kind-kds")
    assert check("setup_ex2", answer="kind-kds").passed
    result = check("setup_ex2", answer="kds-local")
    assert not result.passed
    assert "kubectl config current-context" in str(result)
