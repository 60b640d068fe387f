"""Every exercise checker against a fake cluster: a full answer passes, a half-done one is "Not yet".

`FULL` builds, for each exercise, a cluster (and answers) that should pass. Each `HALF` case
starts from that full answer and undoes one part of it, as a learner half-way through would
have it; the check must say "Not yet", name what is missing in a ✘ item, show the first tier
of help, and never crash.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
from check_cases import FULL, HALF, Half
from test_checks_fakes import FakeCluster

from kdsutils.checks import check, hint
from kdsutils.checks._api import topics
from kdsutils.checks._kit import registry

# Each cases_<topics>.py module beside this one registers its cases when imported.
for _path in sorted(Path(__file__).parent.glob("cases_*.py")):
    importlib.import_module(_path.stem)


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeCluster:
    return FakeCluster.install(monkeypatch)


# ---------------------------------------------------------------------------- the tests


def _all_exercise_ids() -> set[str]:
    for topic in topics():
        importlib.import_module(f"kdsutils.checks.{topic}")
    return {exercise_id for exercise_id, found in registry.items() if found.func.__module__.startswith("kdsutils.")}


def test_every_checker_has_a_full_answer_and_a_half_done_one() -> None:
    known = _all_exercise_ids()
    assert set(FULL) == known
    assert {case.exercise_id for case in HALF} == known


@pytest.mark.parametrize("exercise_id", sorted(FULL))
def test_a_full_answer_passes(exercise_id: str, fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    result = check(exercise_id, **FULL[exercise_id](fake, monkeypatch))
    assert result.passed, str(result)
    assert "Hint" not in str(result)


@pytest.mark.parametrize("case", HALF, ids=[case.falls_short.__name__ for case in HALF])
def test_a_half_done_answer_is_not_yet_with_a_nudge(
    case: Half, fake: FakeCluster, monkeypatch: pytest.MonkeyPatch
) -> None:
    answers = {**FULL[case.exercise_id](fake, monkeypatch), **case.falls_short(fake, monkeypatch)}
    result = check(case.exercise_id, **answers)
    assert not result.passed, str(result)
    missing = [text for ok, text in result.items if not ok]
    assert any(case.says in text for text in missing), str(result)
    assert not any(text.startswith("could not check everything") for text in missing), str(result)
    shown = str(result)
    assert f"  Hint: {hint(case.exercise_id, 1).text}\n  More help: " in shown
    assert hint(case.exercise_id, 3).text not in shown
