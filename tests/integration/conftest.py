"""Integration fixtures: every test gets a fresh namespace of its own, deleted afterwards.

The namespace is made and removed with plain kubectl (not with the helpers under test), and
handed over only once its `default` ServiceAccount exists, since Pods need it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from kdsutils import kube
from kdsutils._run import run


@pytest.fixture
def ns(cluster: str) -> Iterator[str]:
    """A new namespace ``kds-test-<random>`` on the course cluster; deleted after the test."""
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
    # Shorten the pods' grace period (a shell as a container's first process ignores SIGTERM),
    # then wait for the namespace to be gone, so no test leaves anything behind.
    run(["kubectl", "--context", cluster, "delete", "namespace", name, "--wait=false"])
    run(["kubectl", "--context", cluster, "delete", "pods", "--all", "-n", name, "--grace-period=1",
         "--wait=false", "--ignore-not-found"], check=False)
    run(["kubectl", "--context", cluster, "wait", "--for=delete", f"namespace/{name}", "--timeout=180s"],
        timeout=200, check=False)
