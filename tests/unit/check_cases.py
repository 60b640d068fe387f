"""The registry of check cases: for each exercise a full answer (`FULL`) and half-done ones (`HALF`).

Each ``cases_<topics>.py`` file registers its topics' cases with `full` and `half`;
``test_checks_topics.py`` runs them all against a fake cluster.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from test_checks_fakes import FakeCluster

Answers = dict[str, object]
Build = Callable[[FakeCluster, pytest.MonkeyPatch], Answers]

FULL: dict[str, Build] = {}


@dataclass(frozen=True)
class Half:
    """An answer that falls short: how it differs from the full one, and what the ✘ item must say."""

    exercise_id: str
    says: str
    falls_short: Build


HALF: list[Half] = []


def full(exercise_id: str) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        FULL[exercise_id] = build
        return build

    return register


def half(exercise_id: str, says: str) -> Callable[[Build], Build]:
    def register(build: Build) -> Build:
        HALF.append(Half(exercise_id, says, build))
        return build

    return register
