"""The kind stage's helpers (tests/kind/run.sh): kind and the local engine, both real, side by side.

Every command names its context: ``kind-kds`` for kind, ``kds-local`` for the local engine.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator

import pytest

from kdsutils import manifests
from kdsutils._run import run
from kdsutils.cluster import CONTEXTS
from tests.conftest import answers

KIND, LOCAL = CONTEXTS["kind"], CONTEXTS["local"]

pytestmark = pytest.mark.timeout(300)


def kubectl(context: str, *args: str, input: str | None = None, timeout: float = 120) -> str:
    return run(["kubectl", "--context", context, *args], input=input, timeout=timeout).stdout


def node(context: str) -> dict:
    (item,) = json.loads(kubectl(context, "get", "nodes", "-o", "json"))["items"]
    return item


def run_pod(context: str, namespace: str, image: str, *command: str, timeout: int = 120) -> str:
    """Run `command` in a Pod of `image` (never pulled) until it ends; return its log."""
    name = f"p-{uuid.uuid4().hex[:6]}"
    pod = manifests.pod(name, image, command, restart_policy="Never")
    pod["spec"]["containers"][0]["imagePullPolicy"] = "Never"  # it must be in the node already
    kubectl(context, "apply", "-n", namespace, "-f", "-", input=json.dumps(pod))
    kubectl(context, "wait", "-n", namespace, f"pod/{name}", "--for=jsonpath={.status.phase}=Succeeded",
            f"--timeout={timeout}s", timeout=timeout + 30)  # fmt: skip
    return kubectl(context, "logs", "-n", namespace, name)


@pytest.fixture
def namespaces() -> Iterator[Callable[[str], str]]:
    """Make a namespace on a context; each is deleted after the test."""
    made: list[tuple[str, str]] = []

    def make(context: str) -> str:
        name = f"kds-test-{uuid.uuid4().hex[:8]}"
        kubectl(context, "create", "namespace", name)
        kubectl(context, "wait", "--for=create", "serviceaccount/default", "-n", name, timeout=90)
        made.append((context, name))
        return name

    yield make
    for context, name in made:
        if answers(context):
            run(["kubectl", "--context", context, "delete", "namespace", name, "--wait=false"], check=False)
