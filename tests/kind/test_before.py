"""Before kind starts (tests/kind/run.sh): the local engine runs, and `kds up --backend kind` refuses.

Both backends publish NodePorts 30000-30002 and 30080 on localhost. Tried beside each other,
the local engine's kube-proxy rules answered localhost:30080 before Docker's proxy: kind's app
store got no charts, and lesson 20 on kind read the local engine's. So one runs at a time.
"""

from __future__ import annotations

from kdsutils._run import run
from kdsutils.cluster import kind

from .conftest import LOCAL, answers


def test_kind_refuses_to_start_beside_the_local_engine() -> None:
    assert answers(LOCAL)
    proc = run(["kds", "up", "--backend", "kind"], check=False, timeout=120)
    assert proc.returncode == 1
    assert "The local cluster runs already" in proc.stderr and "kds down --backend local" in proc.stderr
    assert kind.CLUSTER not in kind.parse_clusters(run(["kind", "get", "clusters"]).stdout)


def test_the_local_engine_stops_and_keeps_its_data() -> None:
    run(["kds", "down", "--backend", "local"], timeout=300)
    assert not answers(LOCAL)
