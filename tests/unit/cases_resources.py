"""Check cases of the exercises on resources (see check_cases.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod, typed

from kdsutils import manifests

CRUNCH_LOG = "building 16,000,000 rows of sales\nsummarised 50,000 customers\npeak memory: 871 MiB\n"


def _crunch(command: str = "CRUNCH", *, rows: int = 16_000_000, memory: dict[str, str] | None = None,
            phase: str = "Succeeded", printed: str = CRUNCH_LOG) -> Callable[[FakeCluster], None]:  # fmt: skip
    """Put the Job crunch, run with `command` (the exercise's script by default), and its Pod."""
    memory = {"requests": "1Gi", "limits": "1Gi"} if memory is None else memory
    resources = {key: {"memory": value} for key, value in memory.items()}

    def put(fake: FakeCluster) -> None:
        job = manifests.job("crunch", manifests.PYTHON_DS_IMAGE, ["python3", "-c", command], env={"ROWS": rows},
                            resources=resources, backoff_limit=0)  # fmt: skip
        status = {"succeeded": 1} if phase == "Succeeded" else {"failed": 1}
        fake.add(typed(job, status=status))
        fake.add(pod("crunch-h7x2m", phase=phase, labels={"job-name": "crunch"}))
        fake.print("crunch-h7x2m", printed)

    return put


@full("resources_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch()(fake)
    return {}


@half("resources_ex1", says="its logs say 'building 16,000,000 rows'")
def resources_ex1_a_job_that_does_nothing(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch("pass", printed="")(fake)
    return {}


@half("resources_ex1", says="its logs show the result, 'summarised 50,000 customers'")
def resources_ex1_stops_after_building(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(printed="building 16,000,000 rows of sales\n")(fake)
    return {}


@half("resources_ex1", says="it builds the exercise's 16,000,000 rows (its ROWS variable is 1000)")
def resources_ex1_fewer_rows(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(rows=1000, printed="building 1,000 rows of sales\nsummarised 1,000 customers\npeak memory: 90 MiB\n")(fake)
    return {}


@half("resources_ex1", says="at most 2Gi, not the whole node")
def resources_ex1_the_whole_node(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(memory={"requests": "8Gi", "limits": "8Gi"})(fake)
    return {}


@half("resources_ex1", says="its container has a memory request (none yet)")
def resources_ex1_no_request(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(memory={"limits": "1Gi"})(fake)
    return {}


@half("resources_ex1", says="the Job completed: it failed")
def resources_ex1_still_too_little(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _crunch(memory={"requests": "512Mi", "limits": "512Mi"}, phase="Failed", printed="building")(fake)
    return {}


@full("resources_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("reserved", ["sleep", "3600"], status={"qosClass": "Guaranteed"}))
    return {}


@half("resources_ex2", says="its QoS class is Guaranteed (it is Burstable)")
def resources_ex2_burstable(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(pod("reserved", ["sleep", "3600"], status={"qosClass": "Burstable"}))
    return {}
