"""diagnose on the failures of lab 31, recorded from the live cluster (tests/unit/fixtures/diagnose/*.json)."""

from __future__ import annotations

import json
from pathlib import Path

from kdsutils.diagnosis import Snapshot, explain, pod_findings
from kdsutils.labs.imagepull import SAMS_IMAGE, TYPO_IMAGE
from kdsutils.manifests import PYTHON_DS_IMAGE

FIXTURES = Path(__file__).parent / "fixtures" / "diagnose"


def load(name: str) -> Snapshot:
    return Snapshot(**json.loads((FIXTURES / f"{name}.json").read_text()))


def test_a_typo_in_the_tag_names_the_image_the_cluster_has_and_the_command() -> None:
    d = explain(load("deployment-imagepull-typo"))
    assert not d.ok
    (f,) = d.findings
    assert f"image {TYPO_IMAGE} cannot be pulled" in f.problem
    assert f"the closest image the cluster has: {PYTHON_DS_IMAGE}" in f.evidence
    assert "course images in the cluster" not in f.evidence  # the closest, not a list that depends on the machine
    assert f"Did you mean {PYTHON_DS_IMAGE}?" in f.fix
    namespace = load("deployment-imagepull-typo").namespace
    assert f"`kubectl set image deployment/churn-api churn-api={PYTHON_DS_IMAGE} -n {namespace}`" in f.fix


def test_pull_policy_always_on_an_image_the_cluster_has_blames_the_policy_not_the_name() -> None:
    (f,) = explain(load("deployment-imagepull-always")).findings
    assert f"image {PYTHON_DS_IMAGE} is in the cluster, but imagePullPolicy Always" in f.problem
    assert "Did you mean" not in f.fix
    assert "`kubectl patch deployment/churn-api" in f.fix and '"imagePullPolicy":"IfNotPresent"' in f.fix


def test_never_pull_of_an_image_not_loaded_says_load_it_or_use_one_the_cluster_has() -> None:
    d = explain(load("job-imagepull-never"))
    (f,) = d.findings
    assert d.summary.startswith("Job train is not working")
    assert f"image {SAMS_IMAGE} is not in the cluster, and its imagePullPolicy Never forbids pulling it" in f.problem
    assert "cannot be pulled" not in f.problem
    assert f"kds build FOLDER -t {SAMS_IMAGE}" in f.fix
    assert PYTHON_DS_IMAGE in f.fix
    assert "a Job's Pod template cannot change: `kubectl delete job train" in f.fix


def test_a_bare_pod_with_a_typo_can_be_fixed_in_place() -> None:
    snap = load("deployment-imagepull-typo")
    pod = snap.pods[0]
    pod["metadata"].pop("ownerReferences")
    (f,) = pod_findings(pod, snap.events, {}, [], snap.node_images)
    assert f"`kubectl set image pod/{pod['metadata']['name']} churn-api={PYTHON_DS_IMAGE}" in f.fix


def test_a_pod_being_deleted_after_a_rollout_is_not_a_problem_of_its_deployment() -> None:
    snap = load("deployment-imagepull-typo")
    snap.obj["status"] = {"replicas": 1, "readyReplicas": 1, "updatedReplicas": 1}
    snap.pods[0]["metadata"]["deletionTimestamp"] = "2026-12-02T09:00:00Z"
    d = explain(snap)
    assert d.ok, d
