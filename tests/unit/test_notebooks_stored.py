"""Stored notebooks carry real outputs: nbval does not compare a cell stored without output.

A notebook saved unexecuted would pass nbval silently and show no results on the site, so
every code cell of every lesson, exercise and solution must have been executed, in order.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(p for folder in ("lessons", "exercises", "solutions") for p in (REPO / folder).glob("*.ipynb"))


def test_there_are_notebooks() -> None:
    assert len(NOTEBOOKS) >= 3 * 12


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_code_cell_was_executed_in_order(path: Path) -> None:
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]
    counts = [c.execution_count for c in cells]
    assert None not in counts, f"{path.name}: {counts.count(None)} code cell(s) never executed: run `make notebooks`"
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: cells were executed out of order: {counts}"
