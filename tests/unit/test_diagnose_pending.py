"""diagnose on lab 34's failures, recorded from the live cluster: a Pod the scheduler cannot place."""

from __future__ import annotations

import json
from pathlib import Path

from kdsutils.diagnosis import Diagnosis, Snapshot, explain

FIXTURES = Path(__file__).parent / "fixtures" / "diagnose"


def explained(name: str) -> Diagnosis:
    return explain(Snapshot(**json.loads((FIXTURES / f"{name}.json").read_text())))


def test_requests_larger_than_the_node_name_allocatable_and_the_command() -> None:
    d = explained("lab-pending-memory")
    assert not d.ok
    (f,) = d.findings
    assert f.problem.endswith("the pod cannot be scheduled: no node has enough unreserved memory")
    assert "the pod requests memory: 200Gi" in f.evidence
    assert "1 Insufficient memory" in f.evidence
    assert "Allocatable" in f.fix and "never fits there, whatever you delete" in f.fix
    assert "kubectl set resources deployment/churn-api -n lesson-pending-rec --requests=memory=256Mi" in f.fix


def test_a_gpu_the_cluster_lacks_says_to_drop_it_here() -> None:
    (f,) = explained("lab-pending-gpu").findings
    assert "it asks for nvidia.com/gpu, and no node has one free" in f.problem
    assert "Insufficient nvidia.com/gpu" in f.evidence
    assert "remove the request" in f.fix and "the course cluster has none" in f.fix


def test_a_claim_of_a_missing_storage_class_says_to_make_the_claim_again() -> None:
    d = explained("lab-pending-storage")
    assert d.summary.startswith("Job train is not working: pod train-")
    (f,) = d.findings
    assert "its PersistentVolumeClaim is not bound" in f.problem
    assert "models: Pending, storageClassName fast-ssd" in f.evidence
    assert "storageClassName cannot be changed, so delete the claim and create it again" in f.fix
    assert "`standard`" in f.fix and "kubectl describe pvc -n lesson-pending-rec" in f.fix
