"""Check cases of the capstone, lesson 40 (see check_cases.py).

MLflow's answers are faked at `tracking.mlflow_api`, as in cases_tracking.py; the model server's at
`capstone._ask`, the one place the checks call it.
"""

from __future__ import annotations

from typing import Any

import pytest
from cases_deployments_services import _endpoints
from cases_helm import _secret
from cases_tracking import FakeMlflow
from cases_tracking import _run as _mlflow_run
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, pod, typed

from kdsutils import manifests
from kdsutils.checks import capstone, tracking

IMAGE = capstone.IMAGE
SCORES = "saved the model to /models/churn.joblib\nc=0.1 accuracy=0.802 auc=0.789\n"


def _status(name: str, *, image: str = IMAGE, image_id: str = "sha256:4f1c", state: dict | None = None,
            ready: bool = False, restarts: int = 0) -> dict[str, Any]:  # fmt: skip
    """The status of one container, terminated with exit code 0 unless `state` says otherwise."""
    state = state or {"terminated": {"exitCode": 0, "reason": "Completed"}}
    return {"name": name, "image": image, "imageID": image_id, "ready": ready, "restartCount": restarts,
            "state": state}  # fmt: skip


def _mlflow(monkeypatch: pytest.MonkeyPatch, runs: list[dict]) -> FakeMlflow:
    fake = FakeMlflow(runs)
    monkeypatch.setattr(tracking, "mlflow_api", fake)
    return fake


def _rolled_out(manifest: dict[str, Any], *, ready: int = 1, generation: int = 1) -> Any:
    """The Deployment of `manifest`, with one replica wanted and `ready` of them ready."""
    counts = {"replicas": 1, "updatedReplicas": 1, "readyReplicas": ready, "availableReplicas": ready,
              "observedGeneration": generation}  # fmt: skip
    return typed(manifest, status=counts, generation=generation)


# ------------------------------------------------------------------ step 1: the image, tried once


def _try_pod(*, image: str = IMAGE, phase: str = "Succeeded", state: dict | None = None, image_id: str = "sha256:4f1c",
             log: str = SCORES, fake: FakeCluster) -> None:  # fmt: skip
    status = {"containerStatuses": [_status(capstone.TRY, image=image, image_id=image_id, state=state)]}
    fake.add(pod(capstone.TRY, None, image=image, phase=phase, restart_policy="Never", status=status))
    fake.print(capstone.TRY, log)


@full("capstone_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _try_pod(fake=fake)
    return {}


@half("capstone_ex1", says="there is a Pod (or a Job) named train-try in lesson-checks-ex")
def capstone_ex1_nothing_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("pod", capstone.TRY)
    return {}


@half("capstone_ex1", says="it runs your image, kds.invalid/churn-train:1.0 (it runs kds.invalid/python-ds:2026.12, "
                           "a course image: build your own)")  # fmt: skip
def capstone_ex1_the_course_image(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _try_pod(image=manifests.PYTHON_DS_IMAGE, fake=fake)
    return {}


@half("capstone_ex1", says="the cluster has the image: train-try started from it (its container waits: ErrImagePull")
def capstone_ex1_not_loaded(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _try_pod(phase="Pending", image_id="", state={"waiting": {"reason": "ErrImagePull"}}, log="", fake=fake)
    return {}


@half("capstone_ex1", says="train-try ran and exited successfully (its phase is Failed)")
def capstone_ex1_script_fails(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _try_pod(phase="Failed", state={"terminated": {"exitCode": 1, "reason": "Error"}},
             log="ModuleNotFoundError: No module named 'mlflow'\n", fake=fake)  # fmt: skip
    return {}


@half("capstone_ex1", says="its logs end with your scores, such as auc=0.789 (no line with name=0.xyz)")
def capstone_ex1_prints_no_score(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _try_pod(log="saved the model to churn.joblib\n", fake=fake)
    return {}


# ------------------------------------------------------------------ step 2: MLflow from the app store


def _tracking_server(fake: FakeCluster, *, ready: int = 1) -> None:
    deploy = manifests.deployment(capstone.TRACKING_DEPLOYMENT, "kds.invalid/mlflow:3.17.2", ["mlflow", "server"])
    fake.add(_rolled_out(deploy, ready=ready))


@full("capstone_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_secret("tracking", 1))
    _tracking_server(fake)
    _mlflow(monkeypatch, [])
    return {}


@half("capstone_ex2", says="there is a Helm release named tracking in lesson-checks-ex")
def capstone_ex2_not_installed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", "sh.helm.release.v1.tracking.v1")
    return {}


@half("capstone_ex2", says="its server tracking-mlflow is rolled out and ready (1 of 1 updated, 0 ready)")
def capstone_ex2_still_starting(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _tracking_server(fake, ready=0)
    return {}


@half("capstone_ex2", says="MLflow answers at http://tracking-mlflow:5000, the address a Job will use")
def capstone_ex2_not_answering(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _mlflow(monkeypatch, []).answers = False
    return {}


# ------------------------------------------------------------------ step 3: training as a Job onto the claim

TRAIN_ENV = {"MODEL_PATH": "/models/churn.joblib", "MLFLOW_TRACKING_URI": "http://tracking-mlflow:5000"}


def _train(fake: FakeCluster, *, image: str = IMAGE, volumes: dict[str, str] | None = None, done: bool = True,
           failed: bool = False, log: str = SCORES, env: dict[str, str] | None = None) -> None:  # fmt: skip
    """The Job train and its one Pod, complete (or failed, or still running) and having printed `log`."""
    volumes = {"/models": "pvc/models"} if volumes is None else volumes
    job = manifests.job(capstone.TRAIN, image, env=TRAIN_ENV if env is None else env, volumes=volumes or None)
    condition = "Complete" if done else "Failed" if failed else None
    status = {"succeeded": 1} if done else {"failed": 3} if failed else {"active": 1}
    if condition:
        status["conditions"] = [{"type": condition, "status": "True"}]
    phase = "Succeeded" if done else "Failed" if failed else "Running"
    worker = pod("train-q7w4z", None, image=image, phase=phase, labels={"job-name": capstone.TRAIN},
                 volumes=volumes or None, status={"containerStatuses": [_status("train", image=image)]})  # fmt: skip
    fake.add(typed(job, status=status), worker)
    fake.print("train-q7w4z", log)


@full("capstone_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed(manifests.pvc("models", "200Mi"), status={"phase": "Bound"}))
    _train(fake)
    _tracking_server(fake)
    _mlflow(monkeypatch, [_mlflow_run("c=0.1", 0.1, 0.789)])
    return {}


@half("capstone_ex3", says="there is a PersistentVolumeClaim named models in lesson-checks-ex")
def capstone_ex3_no_claim(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("persistent_volume_claim", "models")
    return {}


@half("capstone_ex3", says="there is a Job named train in lesson-checks-ex")
def capstone_ex3_no_job(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("job", capstone.TRAIN)
    return {}


@half("capstone_ex3", says="it runs your image, kds.invalid/churn-train:1.0 (it runs kds.invalid/python-ds:2026.12)")
def capstone_ex3_course_image(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _train(fake, image=manifests.PYTHON_DS_IMAGE)
    return {}


@half("capstone_ex3", says="its Pod mounts the claim models (it mounts no such claim)")
def capstone_ex3_no_mount(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _train(fake, volumes={})
    return {}


@half("capstone_ex3", says="train has completed (it failed: `kubectl logs job/train` says why)")
def capstone_ex3_job_failed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _train(fake, done=False, failed=True, log="ConnectionError: localhost:5000\n")
    return {}


@half("capstone_ex3", says="train has completed (its Pod is still working: check again in a moment)")
def capstone_ex3_still_training(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _train(fake, done=False, log="")
    return {}


@half("capstone_ex3", says="the model is saved under /models, on the claim")
def capstone_ex3_saved_in_the_container(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _train(fake, env={"MLFLOW_TRACKING_URI": "http://tracking-mlflow:5000"},
           log="saved the model to churn.joblib\nc=0.1 accuracy=0.802 auc=0.789\n")  # fmt: skip
    return {}


@half("capstone_ex3", says="MLflow runs as the release tracking and is ready (step 2)")
def capstone_ex3_no_tracking_server(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("deployment", capstone.TRACKING_DEPLOYMENT)
    return {}


@half("capstone_ex3", says="MLflow has an experiment named churn-capstone")
def capstone_ex3_logged_elsewhere(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _mlflow(monkeypatch, []).experiment = False
    return {}


@half("capstone_ex3", says="churn-capstone holds a finished run with its auc (it holds 1 run(s), none finished")
def capstone_ex3_run_not_finished(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _mlflow(monkeypatch, [_mlflow_run("c=0.1", 0.1, None, status="FAILED")])
    return {}


# ------------------------------------------------------------------ step 4: the server, from your own chart

SERVE = ["python", "-m", "churn.serve"]
RESOURCES = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"memory": "512Mi"}}
HEALTH = {"status": "ok", "version": "v1", "model": {"c": 0.1, "rows": 5000, "auc": 0.789}}
PROBABILITIES = [0.912, 0.55, 0.061, 0.119]


def _rendered(model_file: str = "churn.joblib") -> str:
    """The manifest Helm records for the release: what `helm get manifest churn-api` prints."""
    return (
        "---\n# Source: churn-api/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n"
        "  name: churn-api\n---\n# Source: churn-api/templates/deployment.yaml\napiVersion: apps/v1\n"
        f"kind: Deployment\nmetadata:\n  name: churn-api\nspec:\n  template:\n    spec:\n      containers:\n"
        f"        - env:\n            - name: MODEL_PATH\n              value: \"/models/{model_file}\"\n"
    )


def _server(*, model_file: str = "churn.joblib", volumes: dict[str, str] | None = None, probe: bool = True,
            resources: dict | None = None, ready: int = 1, generation: int = 1) -> Any:  # fmt: skip
    """The Deployment churn-api as the learner's chart renders it."""
    volumes = {"/models": "pvc/models"} if volumes is None else volumes
    deploy = manifests.deployment("churn-api", manifests.PYTHON_DS_IMAGE, SERVE, ports=[8000],
                                  env={"MODEL_PATH": f"/models/{model_file}", "VERSION": "v1"},
                                  resources=RESOURCES if resources is None else resources or None,
                                  volumes=volumes or None)  # fmt: skip
    if probe:
        container = deploy["spec"]["template"]["spec"]["containers"][0]
        container["readinessProbe"] = {"httpGet": {"path": "/health", "port": 8000}, "periodSeconds": 2}
    return _rolled_out(deploy, ready=ready, generation=generation)


def _answers(monkeypatch: pytest.MonkeyPatch, *, health: dict | None = None,
             probabilities: list[float] | None = None) -> None:  # fmt: skip
    """Make the model server answer /health and /predict as given."""
    health = HEALTH if health is None else health
    probabilities = PROBABILITIES if probabilities is None else probabilities

    def ask(service: str, port: int, path: str, body: dict | None = None) -> tuple[dict | None, str]:
        if path == "health":
            return health, ""
        flagged = [p >= 0.5 for p in probabilities]
        return {"version": "v1", "churn_probability": probabilities, "will_churn": flagged}, ""

    monkeypatch.setattr(capstone, "_ask", ask)


def _churn_api(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> None:
    """Revision 1 of churn-api from the learner's chart, its Deployment, Service and endpoint, answering."""
    fake.add(_secret("churn-api", 1, chart="churn-api", version="1.0.0", manifest=_rendered()))
    fake.add(_server(), typed(manifests.service("churn-api", port=80, target_port=8000)), _endpoints("churn-api", 1))
    _answers(monkeypatch)


@full("capstone_ex4")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _churn_api(fake, monkeypatch)
    return {}


@half("capstone_ex4", says="there is a Helm release named churn-api in lesson-checks-ex")
def capstone_ex4_not_installed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", "sh.helm.release.v1.churn-api.v1")
    return {}


@half("capstone_ex4", says="not one of the course's (hello is one of the course's charts: write your own")
def capstone_ex4_course_chart(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_secret("churn-api", 1, chart="hello", manifest=_rendered()))
    return {}


@half("capstone_ex4", says="its Pods mount the claim models (they mount no such claim)")
def capstone_ex4_no_claim(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_server(volumes={}))
    return {}


@half("capstone_ex4", says="its Pods have a readiness probe on GET /health (there is none)")
def capstone_ex4_no_probe(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_server(probe=False))
    return {}


@half("capstone_ex4", says="its container asks for memory and has a memory limit (requests.memory: None")
def capstone_ex4_no_resources(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_server(resources={}))
    return {}


@half("capstone_ex4", says="churn-api is rolled out and ready (1 of 1 updated, 0 ready)")
def capstone_ex4_not_ready(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(_server(ready=0), _endpoints("churn-api", 0, not_ready=1))
    return {}


@half("capstone_ex4", says="(it trained a model of its own at start: give it the file with MODEL_PATH)")
def capstone_ex4_trained_at_start(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _answers(monkeypatch, health={"status": "ok", "version": "v1", "model": {"trained_at_start_on": 2000, "c": 1.0}})
    return {}


# ------------------------------------------------------------------ step 5: predictions from the notebook


@full("capstone_ex5")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _churn_api(fake, monkeypatch)
    return {"predictions": list(PROBABILITIES)}


@half("capstone_ex5", says="no predictions yet: pass what the API answered")
def capstone_ex5_untouched(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"predictions": []}


@half("capstone_ex5", says="predictions is a str; the check expects the list of churn probabilities")
def capstone_ex5_text(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"predictions": "0.912 0.55 0.061 0.119"}


@half("capstone_ex5", says="you passed one probability per customer (4) (you passed 2)")
def capstone_ex5_two_customers(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"predictions": PROBABILITIES[:2]}


@half("capstone_ex5", says="your predictions are the API's answers, in the customers' order")
def capstone_ex5_other_order(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    return {"predictions": sorted(PROBABILITIES)}


@half("capstone_ex5", says="there is a Service of the release churn-api in lesson-checks-ex to ask (step 4)")
def capstone_ex5_no_release(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", "sh.helm.release.v1.churn-api.v1")
    return {}


# ------------------------------------------------------------------ step 6: the nightly scoring

SCORE = ["python", "-m", "churn.score", "--model", "/models/churn.joblib", "--day", "2026-12-01"]
SCORED = "scored 200 customers for 2026-12-01: 41 likely to churn (threshold 0.5)\n"


def _nightly(fake: FakeCluster, *, command: list[str] = SCORE, volumes: dict[str, str] | None = None,
             run: bool = True, log: str = SCORED, suspend: bool = False) -> None:  # fmt: skip
    """The CronJob nightly-score and, with `run`, one Job created from it that completed after printing `log`."""
    volumes = {"/models": "pvc/models"} if volumes is None else volumes
    cron = manifests.cronjob(capstone.NIGHTLY, manifests.PYTHON_DS_IMAGE, command, schedule="0 2 * * *",
                             volumes=volumes or None)  # fmt: skip
    cron["spec"]["suspend"] = suspend
    fake.add(typed(cron))
    if not run:
        return
    owner = [{"apiVersion": "batch/v1", "kind": "CronJob", "name": capstone.NIGHTLY, "uid": "1", "controller": True}]
    job = manifests.job("nightly-score-now", manifests.PYTHON_DS_IMAGE, command, volumes=volumes or None)
    done = {"succeeded": 1, "conditions": [{"type": "Complete", "status": "True"}]}
    fake.add(typed(job, status=done, ownerReferences=owner))
    fake.add(pod("nightly-score-now-m2x8k", command, phase="Succeeded", labels={"job-name": "nightly-score-now"}))
    fake.print("nightly-score-now-m2x8k", log)


@full("capstone_ex6")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _nightly(fake)
    return {}


@half("capstone_ex6", says="there is a CronJob named nightly-score in lesson-checks-ex")
def capstone_ex6_nothing_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("cron_job", capstone.NIGHTLY)
    return {}


@half("capstone_ex6", says="its Pods mount the claim models (they mount no such claim)")
def capstone_ex6_no_claim(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("job", "nightly-score-now")
    _nightly(fake, command=["python", "-m", "churn.score"], volumes={}, run=False)
    return {}


@half("capstone_ex6", says="a Job created from it has completed (no Job was created from it yet)")
def capstone_ex6_waits_for_the_night(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("job", "nightly-score-now")
    return {}


@half("capstone_ex6", says="that run scored the day's customers with the model from the claim (it trained a small")
def capstone_ex6_own_model(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.print("nightly-score-now-m2x8k", "no model file given: trained one on 2000 customers\n" + SCORED)
    return {}


@half("capstone_ex6", says="it runs on its schedule, '0 2 * * *' (it is suspended)")
def capstone_ex6_suspended(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _nightly(fake, suspend=True)
    return {}


# ------------------------------------------------------------------ step 7: version 2, rolled back


def _history(fake: FakeCluster, *revisions: tuple[str, str]) -> None:
    """Revisions 1, 2, ... of churn-api, each (model file, description); the last is deployed."""
    for number, (model_file, description) in enumerate(revisions, 1):
        status = "deployed" if number == len(revisions) else "superseded"
        fake.add(_secret("churn-api", number, status=status, description=description, chart="churn-api",
                         version="1.0.0", manifest=_rendered(model_file)))  # fmt: skip


V1, V2 = "churn.joblib", capstone.V2_FILE
ROLLED_BACK = ((V1, "Install complete"), (V2, "Upgrade complete"), (V1, "Rollback to 1"))


def _serving(fake: FakeCluster, *, model_file: str = V1, stuck: bool = False) -> None:
    """The Deployment at generation 3 with its ready v1 Pod; with `stuck`, also a v2 Pod in a crash loop."""
    fake.add(_server(model_file=model_file, generation=3))
    ready = {"containerStatuses": [_status("churn-api", image=manifests.PYTHON_DS_IMAGE, ready=True,
                                           state={"running": {}})],
             "conditions": [{"type": "Ready", "status": "True"}]}  # fmt: skip
    fake.add(pod("churn-api-6f7c9d8b5-w2m4x", SERVE, labels={"app": "churn-api"}, status=ready))
    if stuck:
        crash = {"containerStatuses": [_status("churn-api", image=manifests.PYTHON_DS_IMAGE, restarts=3,
                                               state={"waiting": {"reason": "CrashLoopBackOff"}})],
                 "conditions": [{"type": "Ready", "status": "False"}]}  # fmt: skip
        fake.add(pod("churn-api-5d4b8c7f9-k2q7x", SERVE, labels={"app": "churn-api"}, status=crash))


@full("capstone_ex7")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _history(fake, *ROLLED_BACK)
    _serving(fake)
    return {}


@half("capstone_ex7", says="version 2 was installed with helm upgrade (a revision names churn-2027q1.joblib)")
def capstone_ex7_no_upgrade_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    for number in (2, 3):
        fake.delete("secret", f"sh.helm.release.v1.churn-api.v{number}")
    _history(fake, ROLLED_BACK[0])
    return {}


@half("capstone_ex7", says="the newest revision is a rollback, made after version 2 (`helm history`) (the newest, "
                           "revision 2, says 'Upgrade complete')")  # fmt: skip
def capstone_ex7_still_on_version_2(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.delete("secret", "sh.helm.release.v1.churn-api.v3")
    _history(fake, *ROLLED_BACK[:2])
    _serving(fake, model_file=V2, stuck=True)
    return {}


@half("capstone_ex7", says="it went back to a revision from before version 2")
def capstone_ex7_rolled_back_to_version_2(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _history(fake, *ROLLED_BACK[:2], (V1, "Upgrade complete"), (V2, "Rollback to 2"))
    _serving(fake, model_file=V2, stuck=True)
    return {}


@half("capstone_ex7", says="no Pod of churn-api is failing or waiting to be ready (these are not: "
                           "['churn-api-5d4b8c7f9-k2q7x'])")  # fmt: skip
def capstone_ex7_crashing_pod_left(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _serving(fake, stuck=True)
    return {}
