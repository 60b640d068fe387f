"""Check cases of lab 38, a Helm release with bad values (see check_cases.py)."""

from __future__ import annotations

import base64
import gzip
import json
from typing import Any

import pytest
import yaml
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, typed

from kdsutils import manifests
from kdsutils.labs.helmvalues import (
    COPIES,
    DEPLOYMENT,
    MESSAGES,
    MISINDENTED,
    MISSING_TAG,
    NO_UNIT,
    RELEASE,
    TRACKING,
    TRACKING_DEPLOYMENT,
    revision,
)

#: Priya's values, with replicaCount where the chart reads it.
FIXED = {**yaml.safe_load(MISINDENTED), "replicaCount": COPIES}
FIXED["image"] = {k: v for k, v in FIXED["image"].items() if k != "replicaCount"}


def _secret(number: int, config: dict[str, Any], *, status: str = "deployed", description: str = "",
            release: str = RELEASE, chart: str = "hello") -> Any:  # fmt: skip
    """The Secret in which Helm keeps revision `number` of a release (status-page, of the chart hello)."""
    record = {"name": release, "version": number, "info": {"status": status, "description": description},
              "config": config, "chart": {"metadata": {"name": chart, "version": "0.1.0"}}}  # fmt: skip
    packed = base64.b64encode(base64.b64encode(gzip.compress(json.dumps(record).encode()))).decode()
    manifest = {"apiVersion": "v1", "kind": "Secret", "type": "helm.sh/release.v1", "data": {"release": packed},
                "metadata": {"name": f"sh.helm.release.v1.{release}.v{number}",
                             "labels": {"owner": "helm", "name": release, "status": status}}}  # fmt: skip
    return typed(manifest)


def _page(fake: FakeCluster, *, copies: int = COPIES, ready: int | None = None, message: str = MESSAGES[0],
          tag: str = "2026.12") -> None:  # fmt: skip
    """The Deployment the chart makes, with `copies` wanted and `ready` of them ready."""
    deploy = manifests.deployment(DEPLOYMENT, f"kds.invalid/python-ds:{tag}", ["python3", "-c", "..."],
                                  replicas=copies, env={"MESSAGE": message})  # fmt: skip
    ready = copies if ready is None else ready
    counts = {"replicas": copies, "updatedReplicas": copies, "readyReplicas": ready, "observedGeneration": 2}
    fake.add(typed(deploy, status=counts, generation=2))


def _history(fake: FakeCluster, *revisions: tuple[dict[str, Any], str]) -> None:
    """Revisions 1, 2, ... of the release, with their values and descriptions; the last is deployed."""
    for number, (config, description) in enumerate(revisions, 1):
        status = "deployed" if number == len(revisions) else "superseded"
        fake.add(_secret(number, config, status=status, description=description))


@full("helmvalues_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _history(fake, (yaml.safe_load(MISINDENTED), "Install complete"), (FIXED, "Upgrade complete"))
    _page(fake)
    return {}


@half("helmvalues_ex1", says="3 copies of the page run (not yet: the release is as Priya left it)")
def helmvalues_ex1_untouched(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", f"sh.helm.release.v1.{RELEASE}.v2")
    _history(fake, (yaml.safe_load(MISINDENTED), "Install complete"))
    _page(fake, copies=1)
    return {}


@half("helmvalues_ex1", says="where the chart reads it (they set none: the Deployment was scaled behind Helm's back")
def helmvalues_ex1_kubectl_scale(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", f"sh.helm.release.v1.{RELEASE}.v2")
    _history(fake, (yaml.safe_load(MISINDENTED), "Install complete"))
    return {}


@half("helmvalues_ex1", says="its values no longer carry image.replicaCount, which the chart ignores")
def helmvalues_ex1_added_but_left_the_stray_key(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _history(fake, (yaml.safe_load(MISINDENTED), "Install complete"),
             ({**yaml.safe_load(MISINDENTED), "replicaCount": COPIES}, "Upgrade complete"))  # fmt: skip
    return {}


@half("helmvalues_ex1", says="the page still shows Priya's text, 'Churn API: all systems normal' (it shows 'Hello from")
def helmvalues_ex1_set_alone_lost_the_message(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _history(fake, (yaml.safe_load(MISINDENTED), "Install complete"), ({"replicaCount": COPIES}, "Upgrade complete"))
    _page(fake, message="Hello from Helm")
    return {}


@half("helmvalues_ex1", says="status-page-hello runs 3 ready copies of its newest template, and no other")
def helmvalues_ex1_copies_still_starting(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _page(fake, ready=1)
    return {}


GOOD = [(yaml.safe_load(revision(1)), "Install complete"), (yaml.safe_load(revision(2)), "Upgrade complete"),
        (yaml.safe_load(revision(3)), "Upgrade complete")]  # fmt: skip


def _stuck_pod(fake: FakeCluster) -> None:
    pod = manifests.pod("status-page-hello-bbb54cdb6-psjnq", f"kds.invalid/python-ds:{MISSING_TAG}", ["python3"])
    pod["metadata"]["labels"] = {"app.kubernetes.io/instance": RELEASE}
    fake.add(typed(pod, status={"phase": "Pending"}))


@full("helmvalues_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _history(fake, *GOOD, (yaml.safe_load(revision(2)), "Rollback to 2"))
    _page(fake, copies=1, message=MESSAGES[1])
    return {}


@half("helmvalues_ex2", says="the page is back the way it was this morning (not yet: the release is as Sam left it)")
def helmvalues_ex2_untouched(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", f"sh.helm.release.v1.{RELEASE}.v4")
    _history(fake, *GOOD)
    _page(fake, copies=1, ready=1, message=MESSAGES[2], tag=MISSING_TAG)
    _stuck_pod(fake)
    return {}


@half("helmvalues_ex2", says="that is revision 1's, and this morning's was revision 2")
def helmvalues_ex2_rolled_back_too_far(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _history(fake, *GOOD, (yaml.safe_load(revision(1)), "Rollback to 1"))
    _page(fake, copies=1, message=MESSAGES[0])
    return {}


@half("helmvalues_ex2", says="its newest revision is a rollback (`helm history` says so) (its description is 'Upgrade")
def helmvalues_ex2_fixed_by_a_new_upgrade(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _history(fake, *GOOD, (yaml.safe_load(revision(2)), "Upgrade complete"))
    return {}


@half("helmvalues_ex2", says="no Pod of the release still waits for the image tag 2027.01")
def helmvalues_ex2_stuck_pod_left(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _stuck_pod(fake)
    return {}


REFUSED = 'Upgrade "tracking" failed: ... requests: Invalid value: "512Mi": must be less than or equal to memory limit'


def _tracking(fake: FakeCluster, *revisions: tuple[dict[str, Any], str, str]) -> None:
    """Revisions 1, 2, ... of the MLflow release tracking: values, status and description of each."""
    for number, (config, status, description) in enumerate(revisions, 1):
        fake.add(_secret(number, config, status=status, description=description, release=TRACKING, chart="mlflow"))


def _mlflow(fake: FakeCluster, *, limit: str = "2Gi", ready: int = 1) -> None:
    """The Deployment the MLflow chart makes, its container limited to `limit`, `ready` Pods of 1 ready."""
    resources = {"requests": {"memory": "512Mi"}, "limits": {"memory": limit}}
    deploy = manifests.deployment(TRACKING_DEPLOYMENT, "kds.invalid/mlflow:3.17.2", ["mlflow", "server"],
                                  resources=resources)  # fmt: skip
    counts = {"replicas": 1, "updatedReplicas": 1, "readyReplicas": ready, "observedGeneration": 2}
    fake.add(typed(deploy, status=counts, generation=2))


JO = [({}, "superseded", "Install complete"), (yaml.safe_load(NO_UNIT), "failed", REFUSED)]


@full("helmvalues_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _tracking(fake, *JO, ({"resources": {"limits": {"memory": "2Gi"}}}, "deployed", "Upgrade complete"))
    _mlflow(fake)
    return {}


@half("helmvalues_ex3", says="MLflow has the 2 GB Jo asked for (not yet: the release is as Jo left it)")
def helmvalues_ex3_untouched(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", f"sh.helm.release.v1.{TRACKING}.v3")
    _mlflow(fake, limit="1Gi")
    return {}


@half("helmvalues_ex3", says="(they set 2048: a number without a unit is bytes)")
def helmvalues_ex3_the_same_number_again(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _tracking(fake, *JO, (yaml.safe_load(NO_UNIT), "failed", REFUSED))
    _mlflow(fake, limit="1Gi")
    return {}


@half("helmvalues_ex3", says="its values set resources.limits.memory to 2 GB, with a unit (they set '2048Ki')")
def helmvalues_ex3_the_wrong_unit(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _tracking(fake, *JO, ({"resources": {"limits": {"memory": "2048Ki"}}}, "failed", REFUSED))
    return {}


@half("helmvalues_ex3", says="its values set resources.limits.memory to 2 GB, with a unit (they set None)")
def helmvalues_ex3_rolled_back(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _tracking(fake, *JO, ({}, "deployed", "Rollback to 1"))
    _mlflow(fake, limit="1Gi")
    return {}


@half("helmvalues_ex3", says="tracking-mlflow runs 1 ready copies of its newest template, and no other")
def helmvalues_ex3_still_starting(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _mlflow(fake, ready=0)
    return {}
