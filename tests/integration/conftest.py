"""Integration fixtures: every test gets a fresh namespace of its own, deleted afterwards.

The namespace is made and removed with plain kubectl (not with the helpers under test), and
handed over only once its `default` ServiceAccount exists, since Pods need it. The session's
end checks that every one of them is gone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from kdsutils import kube
from kdsutils._run import run
from tests.conftest import drop_namespace


@pytest.fixture
def ns(cluster: str) -> Iterator[str]:
    """A new namespace ``kds-test-<random>`` on the course cluster; its deletion starts after the test."""
    name = f"kds-test-{uuid.uuid4().hex[:8]}"
    run(["kubectl", "--context", cluster, "create", "namespace", name])
    run(["kubectl", "--context", cluster, "label", "namespace", name, "kds.course/test=integration"])
    run(
        ["kubectl", "--context", cluster, "wait", "--for=create", "serviceaccount/default", "-n", name],
        timeout=90,
    )
    previous = kube.default_namespace()
    yield name
    kube.set_default_namespace(previous)
    drop_namespace(cluster, name)
