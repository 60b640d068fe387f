"""pytest plugin: keep a topic's notebooks on one pytest-xdist worker, in order.

A lesson, its exercises and its solutions (``lessons/15-config.ipynb``,
``exercises/15-config.ipynb``, ``solutions/15-config.ipynb``) share a topic, and the exercise
and solution notebooks share a namespace; run at the same time they would undo each other's
work. With ``--dist loadgroup`` each topic is one group, so they run one after another on one
worker while another worker runs another topic.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for test in items:
        path = Path(str(test.fspath))
        if path.suffix == ".ipynb":
            test.add_marker(pytest.mark.xdist_group(path.stem))
