"""Check cases of the exercises of lesson 30, the debugging loop (see check_cases.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import yaml
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod, typed

from kdsutils import manifests
from kdsutils.checks import debugging
from kdsutils.labs.debugging import MYSTERY_PORT, debugging_mystery, debugging_scoring

READY = {"conditions": [{"type": "Ready", "status": "True"}]}


def _mystery(fake: FakeCluster, *, debugged: bool = True, target: int = MYSTERY_PORT) -> None:
    """The scenario's Deployment and Service, the Service's targetPort set to `target`, and a ready Pod."""
    deploy, service = yaml.safe_load_all(debugging_mystery())
    service["spec"]["ports"][0]["targetPort"] = target
    fake.add(typed(deploy), typed(service))
    server = manifests.pod("mystery-7d9f8-x2kq4", manifests.PYTHON_DS_IMAGE, labels={"app": "mystery"})
    if debugged:
        server["spec"]["ephemeralContainers"] = [{"name": "debugger", "image": manifests.BUSYBOX_IMAGE}]
    fake.add(typed(server, status={"phase": "Running", **READY}))


@full("debugging_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _mystery(fake)
    return {"port": MYSTERY_PORT}


@half("debugging_ex1", says="you looked inside its Pod with an ephemeral container")
def debugging_ex1_read_the_spec_only(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _mystery(fake, debugged=False)
    return {}


@half("debugging_ex1", says="the port you found is the one it listens on (you passed 8000)")
def debugging_ex1_believed_the_spec(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"port": 8000}


@half("debugging_ex1", says="the Service mystery sends its traffic to that port (targetPort) (its targetPort is 8000)")
def debugging_ex1_service_not_fixed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _mystery(fake, target=8000)
    return {}


def _api(
    fake: FakeCluster,
    monkeypatch: pytest.MonkeyPatch,
    memory: dict[str, str],
    *,
    used_mib: int | None,
    sampled_after: int = 60,
    serving_after: int | None = 40,
) -> None:
    """churn-api rolled out with `memory` (requests and limits), its Pod using `used_mib` MiB `sampled_after` s in.

    Its log says it serves `serving_after` seconds in (None: it is still loading).
    """
    resources = {key: {"memory": value} for key, value in memory.items()}
    deploy = manifests.deployment("churn-api", manifests.PYTHON_DS_IMAGE, ["python", "-m", "churn.serve"],
                                  resources=resources)  # fmt: skip
    fake.add(typed(deploy, status={"replicas": 1, "updatedReplicas": 1, "readyReplicas": 1}))
    started = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    running = {"name": "churn-api", "image": manifests.PYTHON_DS_IMAGE, "imageID": "", "ready": True,
               "restartCount": 0, "state": {"running": {"startedAt": started.isoformat()}}}  # fmt: skip
    status = {**READY, "containerStatuses": [running]}
    fake.add(pod("churn-api-5c6d7-k2j4n", labels={"app": "churn-api"}, status=status))
    log = f"{started.isoformat()} trained a model on 2000 customers at start (c=1)\n"
    if serving_after is not None:
        log += f"{(started + timedelta(seconds=serving_after)).isoformat()} serving on port 8000: GET /health\n"
    fake.print("churn-api-5c6d7-k2j4n", log)
    sample = None if used_mib is None else (used_mib * 2**20, started + timedelta(seconds=sampled_after))
    monkeypatch.setattr(debugging, "pod_memory", lambda name: sample)


@full("debugging_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _api(fake, monkeypatch, {"requests": "256Mi", "limits": "256Mi"}, used_mib=171)
    return {}


@half("debugging_ex2", says="the request covers what the Pod uses now (it uses 171Mi, asks for 128Mi)")
def debugging_ex2_too_small(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _api(fake, monkeypatch, {"requests": "128Mi", "limits": "128Mi"}, used_mib=171)
    return {}


@half("debugging_ex2", says="the request is at most twice what the Pod uses now (it uses 171Mi, asks for 2Gi)")
def debugging_ex2_the_whole_node(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _api(fake, monkeypatch, {"requests": "2Gi", "limits": "2Gi"}, used_mib=171)
    return {}


@half("debugging_ex2", says="its memory limit equals the request")
def debugging_ex2_burstable(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _api(fake, monkeypatch, {"requests": "256Mi", "limits": "512Mi"}, used_mib=171)
    return {}


@half("debugging_ex2", says="metrics-server has measured the new Pod")
def debugging_ex2_no_sample_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _api(fake, monkeypatch, {"requests": "256Mi", "limits": "256Mi"}, used_mib=None)
    return {}


@half("debugging_ex2", says="(after its log said 'serving on') (taken before then, while Python still loaded")
def debugging_ex2_sampled_while_loading(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _api(fake, monkeypatch, {"requests": "256Mi", "limits": "256Mi"}, used_mib=90, sampled_after=30)
    return {}


@half("debugging_ex2", says="(after its log said 'serving on') (it is still loading")
def debugging_ex2_still_loading(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _api(fake, monkeypatch, {"requests": "256Mi", "limits": "256Mi"}, used_mib=59, serving_after=None)
    return {}


NOTE = """What: Job scoring (nightly churn scores)
Symptom: no scores this morning; the Job failed after two attempts
Seen: BackoffLimitExceeded; both Pods exited 1, the log ends in
  FileNotFoundError: /models/churn-2026-11.joblib
Ruled out: image (the container started and ran Python); memory (exit 1, not 137)
"""


def _scoring(fake: FakeCluster) -> None:
    """The failed Job scoring and its two failed Pods, whose logs end in a FileNotFoundError."""
    scoring = yaml.safe_load(debugging_scoring())
    condition = {"type": "Failed", "status": "True", "reason": "BackoffLimitExceeded"}
    fake.add(typed(scoring, status={"failed": 2, "conditions": [condition]}))
    for suffix in ("b8k2q", "m4x7z"):
        name = f"scoring-{suffix}"
        fake.add(pod(name, phase="Failed", labels={"job-name": "scoring"}, restart_policy="Never"))
        fake.print(name, "Traceback (most recent call last):\n  ...\n"
                         "FileNotFoundError: [Errno 2] No such file or directory: '/models/churn-2026-11.joblib'\n")


@full("debugging_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _scoring(fake)
    return {"note": NOTE}


@half("debugging_ex3", says="it has a line 'Ruled out:'")
def debugging_ex3_nothing_ruled_out(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"note": NOTE.split("Ruled out:")[0]}


@half("debugging_ex3", says="it gives the reason Kubernetes records for the Job's failure")
def debugging_ex3_no_reason(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"note": NOTE.replace("BackoffLimitExceeded", "it failed")}


@half("debugging_ex3", says="it quotes the error the program's log ends with")
def debugging_ex3_no_error(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"note": NOTE.replace("FileNotFoundError", "an error")}


@half("debugging_ex3", says="pass your note as text")
def debugging_ex3_no_note(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"note": None}
