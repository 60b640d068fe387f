"""diagnose on the OOMKills of lab 33, recorded from the live cluster (tests/unit/fixtures/diagnose/*.json)."""

from __future__ import annotations

import json
from pathlib import Path

from kdsutils.diagnosis import Diagnosis, Snapshot, explain
from tests.conftest import only_finding

FIXTURES = Path(__file__).parent / "fixtures" / "diagnose"


def explained(name: str) -> Diagnosis:
    return explain(Snapshot(**json.loads((FIXTURES / f"{name}.json").read_text())))


def test_a_job_killed_for_memory_says_delete_and_create_again() -> None:
    d = explained("job-oomkilled")
    gave_up, killed = d.findings
    assert "the Job gave up: 2 pod(s) failed and backoffLimit is 1" == gave_up.problem
    assert "(and 1 more): container nightly-train ran out of memory and was killed (OOMKilled)" in killed.problem
    assert "exit code 137" in killed.evidence and "memory limit: 512Mi" in killed.evidence
    assert "try 1024Mi" in killed.fix and "kubectl delete job nightly-train -n lesson-oomkilled-rec" in killed.fix


def test_a_restarting_server_killed_for_memory_says_set_resources() -> None:
    d = explained("deployment-oomkilled")
    assert not d.ok
    finding = only_finding(d)  # its readiness probe fails too, as a consequence: not a second problem
    assert "OOMKilled" in finding.problem and "memory limit: 64Mi" in finding.evidence
    assert "recorded in lastState.terminated" in finding.evidence
    assert "try 256Mi, as Python with pandas" in finding.fix  # twice 64Mi would still be too little to start
    assert "kubectl set resources deployment/churn-api -c churn-api --limits=memory=256Mi" in finding.fix
