"""Shared fixtures: one session-wide cluster, started when it is not running."""

from __future__ import annotations

import os
import platform

import pytest

from kdsutils._run import run


def _answers() -> bool:
    return run(["kubectl", "get", "--raw", "/readyz"], check=False, timeout=15).returncode == 0


@pytest.fixture(scope="session")
def cluster() -> str:
    """The course cluster's context; the local engine is started if nothing answers."""
    if not _answers():
        if platform.system() != "Linux" or os.geteuid() != 0:
            pytest.fail("No course cluster answers. Start one with `kds up`, then run the tests again.")
        from kdsutils.cluster import local

        local.up(progress=lambda msg: print(f"[kds] {msg}"))
    context = run(["kubectl", "config", "current-context"]).stdout.strip()
    assert context in {"kds-local", "kind-kds"}, f"tests refuse to run against context {context!r}"
    return context
