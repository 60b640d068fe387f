"""pytest plugin: write each notebook's nbval duration to _build/nbval-times.json."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

import pytest

_durations: dict[str, float] = defaultdict(float)


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.nodeid.split("::")[0].endswith(".ipynb"):
        _durations[report.nodeid.split("::")[0]] += report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    # Under pytest-xdist the controller sees every worker's reports; a worker writes nothing.
    if _durations and not hasattr(session.config, "workerinput"):
        out = Path(session.config.rootpath) / "_build" / "nbval-times.json"
        out.parent.mkdir(exist_ok=True)
        data = {k: round(v, 1) for k, v in sorted(_durations.items())}
        data["total"] = round(sum(_durations.values()), 1)
        out.write_text(json.dumps(data, indent=2) + "\n")
