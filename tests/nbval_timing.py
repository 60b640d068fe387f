"""pytest plugin: write each notebook's nbval duration to _build/nbval-times.json.

``KDS_NBVAL_TIMES`` names another file (each of `tests.nbval_parallel`'s runs writes its own).
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from pathlib import Path

import pytest

_durations: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid.split("::")[0].endswith(".ipynb"):
        _durations[report.nodeid.split("::")[0]] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    if _durations:
        out = Path(os.environ.get("KDS_NBVAL_TIMES") or Path(session.config.rootpath) / "_build" / "nbval-times.json")
        out.parent.mkdir(parents=True, exist_ok=True)
        data = {k: round(v, 1) for k, v in sorted(_durations.items())}
        data["total"] = round(sum(_durations.values()), 1)
        out.write_text(json.dumps(data, indent=2) + "\n")
