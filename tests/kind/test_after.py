"""After the lessons ran on kind (tests/kind/run.sh): kind is deleted; the local engine starts again."""

from __future__ import annotations

from kdsutils._run import run
from kdsutils.cluster import NODE, kind

from .conftest import KIND, LOCAL, answers, kubectl, node


def test_deleting_kind_leaves_nothing_of_it() -> None:
    run(["kds", "down", "--backend", "kind"], timeout=300)
    assert kind.CLUSTER not in kind.parse_clusters(run(["kind", "get", "clusters"]).stdout)
    assert run(["docker", "ps", "-a", "--filter", f"name={NODE}", "--format", "{{.Names}}"]).stdout.strip() == ""
    assert KIND not in run(["kubectl", "config", "get-contexts", "-o", "name"]).stdout.split()


def test_the_local_engine_starts_again_with_docker_still_running() -> None:
    """Docker's own iptables chains stay while dockerd runs: the engine's networking must not mind them."""
    run(["kds", "up", "--backend", "local"], timeout=600)
    assert answers(LOCAL) and node(LOCAL)["metadata"]["name"] == NODE
    ready = "jsonpath={.items[0].status.conditions[?(@.type=='Ready')].status}"
    assert kubectl(LOCAL, "get", "nodes", "-o", ready) == "True"
    assert run(["kubectl", "config", "current-context"]).stdout.strip() == LOCAL
