"""Shared fixtures: one session-wide cluster, started when it is not running."""

from __future__ import annotations

import os
import platform
from collections.abc import Iterator

import pytest

from kdsutils._run import run
from kdsutils.cluster import CONTEXTS
from kdsutils.diagnosis import Diagnosis, Finding
from tests.leftovers import report, wait_gone

TEST_PREFIXES = ("smoke-", "kds-test-", "learner-kt-")


def answers(context: str | None = None) -> bool:
    """Whether the API server of `context` (default: the current one) says it is ready."""
    where = ["--context", context] if context else []
    return run(["kubectl", *where, "get", "--raw", "/readyz"], check=False, timeout=15).returncode == 0


def only_finding(diagnosis: Diagnosis) -> Finding:
    """The one finding a test expects; with none or several, the failure shows what diagnose said."""
    assert len(diagnosis.findings) == 1, f"expected one finding, got {len(diagnosis.findings)}:\n{diagnosis}"
    return diagnosis.findings[0]


def drop_namespace(context: str, name: str) -> None:
    """Start deleting a test's namespace; the session's end checks that it went.

    The pods' grace period is cut to a second first: a shell as a container's first process
    ignores SIGTERM and would hold the namespace for 30 s.
    """
    run(["kubectl", "--context", context, "delete", "namespace", name, "--wait=false"])
    run(["kubectl", "--context", context, "delete", "pods", "--all", "-n", name, "--grace-period=1",
         "--wait=false", "--ignore-not-found"], check=False)


@pytest.fixture(scope="session")
def cluster() -> Iterator[str]:
    """The course cluster's context; the local engine is started if nothing answers.

    At the end of the session every test namespace must be gone (or go within the wait).
    """
    if not answers():
        if platform.system() != "Linux" or os.geteuid() != 0:
            pytest.fail("No course cluster answers. Start one with `kds up`, then run the tests again.")
        from kdsutils import appstore
        from kdsutils.cluster import local

        local.up(progress=lambda msg: print(f"[kds] {msg}"))
        appstore.up(local.CONTEXT, progress=lambda msg: print(f"[kds] {msg}"))
    context = run(["kubectl", "config", "current-context"]).stdout.strip()
    assert context in CONTEXTS.values(), f"tests refuse to run against context {context!r}"
    yield context
    left = wait_gone(TEST_PREFIXES)
    if left:
        pytest.fail(report(left))
