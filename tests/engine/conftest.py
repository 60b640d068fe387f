from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator

import pytest

from kdsutils._run import run
from kdsutils.cluster import CONTEXTS
from tests.conftest import drop_namespace

Kubectl = Callable[..., str]


def kubectl(*args: str, input: str | None = None, timeout: float = 120, check: bool = True) -> str:
    proc = run(["kubectl", "--context", CONTEXTS["local"], *args], input=input, timeout=timeout, check=check)
    return proc.stdout if check else proc.stdout + proc.stderr


def get_json(*args: str) -> dict:
    return json.loads(kubectl("get", *args, "-o", "json"))


def wait_for(predicate, timeout: float = 90, what: str = "condition"):
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        last = predicate()
        if last:
            return last
        time.sleep(1)
    raise AssertionError(f"{what} not reached in {timeout} s (last: {last!r})")


@pytest.fixture(autouse=True)
def local_engine_only(cluster: str) -> None:
    """This suite tests the local engine itself: on a kind cluster it is skipped, not failed."""
    if cluster != CONTEXTS["local"]:
        pytest.skip(f"the engine suite tests the local engine ({CONTEXTS['local']}); this cluster is {cluster}")


@pytest.fixture
def ns(cluster: str) -> Iterator[str]:
    """A namespace of its own for each test; its deletion starts afterwards."""
    name = f"smoke-{uuid.uuid4().hex[:6]}"
    kubectl("create", "namespace", name)
    deadline = time.monotonic() + 60
    while "default" not in kubectl("-n", name, "get", "serviceaccounts", "-o", "name", check=False):
        assert time.monotonic() < deadline, f"namespace {name} got no default ServiceAccount in 60 s"
        time.sleep(0.2)
    yield name
    drop_namespace(cluster, name)
