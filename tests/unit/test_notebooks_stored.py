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
    cells = [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code" and not _online(c)]
    counts = [c.execution_count for c in cells]
    assert None not in counts, f"{path.name}: {counts.count(None)} code cell(s) never executed: run `make notebooks`"
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: cells were executed out of order: {counts}"


def _online(cell: nbformat.NotebookNode) -> bool:
    """A cell that needs the internet: never executed here, nor by nbval."""
    return "skip-execution" in cell.metadata.get("tags", [])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_only_cells_that_need_the_internet_are_skipped_and_they_say_so(path: Path) -> None:
    for cell in nbformat.read(path, as_version=4).cells:
        if cell.cell_type != "code":
            continue
        marked = "NBVAL_SKIP" in cell.source
        assert marked == _online(cell), f"{path.name}: NBVAL_SKIP and the tag skip-execution go together"
        if marked:
            # nbval skips a cell only for a comment line that is exactly `# NBVAL_SKIP`; the reason goes below it.
            assert cell.source.startswith("# NBVAL_SKIP\n# needs the internet"), f"{path.name}: say why it is skipped"
            assert not cell.outputs, f"{path.name}: a skipped cell has no stored output"


def _sanitize(text: str) -> str:
    """Apply tests/nbval_sanitize.cfg as nbval does: each section's regex, in file order."""
    import configparser
    import re

    config = configparser.ConfigParser()
    config.read(REPO / "tests" / "nbval_sanitize.cfg")
    for section in config.sections():
        text = re.sub(config[section]["regex"], config[section]["replace"], text)
    return text


@pytest.mark.parametrize("segment", ["742d", "8d5a", "0000"])
def test_sanitizer_masks_a_whole_uid_whatever_its_digits(segment: str) -> None:
    uid = f"a3969975-{segment}-425a-b952-e47ab4588b8a"
    assert _sanitize(f"pvc-{uid}   Bound   5m12s") == "pvc-UID   Bound   AGE"


def test_sanitizer_masks_helm_dates_whatever_the_day() -> None:
    assert _sanitize("LAST DEPLOYED: Tue Dec  1 23:22:41 2026") == "LAST DEPLOYED: HELM-DATE"
    assert _sanitize("2 \tWed Dec 16 09:05:00 2026\tsuperseded") == "2 \tHELM-DATE\tsuperseded"


def test_sanitizer_masks_the_time_of_a_log_line() -> None:
    line = "2026/12/02 00:08:29 INFO mlflow.tracking.fluent: Experiment with name 'churn' does not exist."
    assert _sanitize(line) == "LOG-TIME INFO mlflow.tracking.fluent: Experiment with name 'churn' does not exist."
