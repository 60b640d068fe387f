"""Checks of the topic "capstone" (lesson 40): the running example shipped end to end, one step per check.

Your training image, tried once (``capstone_ex1``); MLflow from the app store (``capstone_ex2``);
training as a Job onto a claim, tracked (``capstone_ex3``); the model server from your own chart
(``capstone_ex4``); predictions from the notebook (``capstone_ex5``); the nightly scoring
(``capstone_ex6``); a version 2 that fails, rolled back with Helm (``capstone_ex7``).

The checks that need an answer from a server ask it themselves, from inside the cluster,
through the API server's proxy to its Service: MLflow as in lesson 22 (the query has one home,
`tracking.experiment_runs`), the model server with `_ask`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from typing import Any

import yaml
from kubernetes import client
from kubernetes.client import ApiException

from kdsutils import appstore
from kdsutils.checks import tracking
from kdsutils.checks._kit import (
    TIMEOUT,
    Item,
    apps,
    batch,
    checker,
    command_text,
    core,
    finished,
    item,
    job_pods,
    latest_run,
    owned_by,
    pod_log,
    pod_ready,
    read_or_none,
    ready_endpoints,
    release_items,
    releases,
    rollout,
    service_call,
)
from kdsutils.checks.build import score_line, split_image
from kdsutils.checks.deployments import probe_item
from kdsutils.checks.imagepull import waiting_reasons
from kdsutils.checks.storage import launch_text, mount_path
from kdsutils.checks.unreachable import refusal
from kdsutils.images import course_images
from kdsutils.kube import effective_namespace

#: Step 1: the image you build, and the Pod (or Job) that tries it once.
IMAGE = "kds.invalid/churn-train:1.0"
TRY = "train-try"
#: Step 2: the release of the course's MLflow chart, and the Deployment it makes.
TRACKING, TRACKING_CHART = "tracking", "mlflow"
TRACKING_DEPLOYMENT = "tracking-mlflow"
#: Step 3: the claim that holds the model, the training Job, and the experiment it logs to.
CLAIM = "models"
TRAIN = "train"
EXPERIMENT = "churn-capstone"
#: Steps 4, 5 and 7: the release of your own chart.
RELEASE = "churn-api"
#: Step 5: the customers the exercise notebook sends to /predict (the check sends the same).
CUSTOMERS: list[dict[str, Any]] = [
    {"tenure_months": 1, "monthly_fee": 8.99, "support_calls": 5, "late_payments": 2, "plan": "basic"},
    {"tenure_months": 9, "monthly_fee": 13.99, "support_calls": 2, "late_payments": 1, "plan": "standard"},
    {"tenure_months": 30, "monthly_fee": 19.99, "support_calls": 0, "late_payments": 0, "plan": "premium"},
    {"tenure_months": 60, "monthly_fee": 8.99, "support_calls": 1, "late_payments": 0, "plan": "basic"},
]
#: Step 6: the CronJob, and what churn.score prints once it has scored, or when it had no model file.
NIGHTLY = "nightly-score"
SCORED = re.compile(r"^scored \d+ customers for ", re.MULTILINE)
NO_MODEL = "no model file given"
#: Step 7: the model file the colleague's version 2 names, which nobody trained onto the claim.
V2_FILE = "churn-2027q1.joblib"

SCORE_MODULE = re.compile(r"-m\s+churn\.score(\s|$)")


def kinds_in(manifest: str) -> dict[str, list[str]]:
    r"""Return the names of the objects in a release's manifest, by kind (pure).

    Helm keeps the YAML it applied in its record of each revision (``helm get manifest``).

    Examples:
        >>> text = "---\n# Source: churn-api/templates/service.yaml\nkind: Service\nmetadata:\n  name: churn-api\n"
        >>> kinds_in(text)
        {'Service': ['churn-api']}
    """
    found: dict[str, list[str]] = {}
    for doc in yaml.safe_load_all(manifest or ""):
        if isinstance(doc, dict) and doc.get("kind"):
            found.setdefault(doc["kind"], []).append((doc.get("metadata") or {}).get("name", ""))
    return found


def numbers(answer: object) -> list[float] | None:
    """Return the churn probabilities in `answer`, or None when it holds none (pure).

    `answer` may be a list (a pandas Series, an array) of numbers, or the API's whole JSON answer.

    Examples:
        >>> numbers([0.81, "0.2"]), numbers({"churn_probability": [0.5]}), numbers("0.5")
        ([0.81, 0.2], [0.5], None)
    """
    if isinstance(answer, dict):
        answer = answer.get("churn_probability")
    if answer is None or isinstance(answer, (str, bytes)) or not isinstance(answer, Iterable):
        return None
    try:
        return [float(value) for value in answer]
    except (TypeError, ValueError):
        return None


def loaded_from_file(health: dict[str, Any] | None) -> bool:
    """Tell whether the model server's ``/health`` answer describes a model read from a file (pure).

    ``churn.serve`` reports the facts saved with the model; without a file it trains one at start
    and says so with ``trained_at_start_on``.

    Examples:
        >>> loaded_from_file({"status": "ok", "model": {"c": 0.1, "rows": 5000, "auc": 0.789}})
        True
        >>> loaded_from_file({"status": "ok", "model": {"trained_at_start_on": 2000, "c": 1.0}})
        False
    """
    model = (health or {}).get("model")
    return isinstance(model, dict) and bool(model) and "trained_at_start_on" not in model


def _ask(service: str, port: int, path: str, body: dict[str, Any] | None = None) -> tuple[dict[str, Any] | None, str]:
    """Call a Service of the namespace through the API server's proxy, as a Pod beside it would.

    Returns:
        Its JSON answer (None when there is none), and what came back instead.
    """
    try:
        text = service_call(service, port, path, body)
    except ApiException as exc:
        text = exc.body.decode(errors="replace") if isinstance(exc.body, bytes) else str(exc.body or "")
        try:
            said = json.loads(text)
        except ValueError:
            said = text
        if isinstance(said, dict):  # the API server's Status, or the model server's own {"error": ...}
            said = said.get("message") or said.get("error") or ""
        return None, refusal(str(said) or f"{exc.status} {exc.reason}")
    try:
        answer = json.loads(text)
    except ValueError:
        return None, f"it answered {text[:80]!r}"
    return (answer, "") if isinstance(answer, dict) else (None, f"it answered {text[:80]!r}")


def _in_namespace(what: str) -> str:
    return f"{what} in {effective_namespace()}"


def _image_on_node(pod: client.V1Pod) -> Item:
    """Whether the Pod's container started from its image: the proof that the node holds it."""
    statuses = (pod.status and pod.status.container_statuses) or []
    started = any(s.image_id or (s.state and (s.state.running or s.state.terminated)) for s in statuses)
    waiting = waiting_reasons([pod])
    seen = (
        f"its container waits: {waiting[0]}: build the image and load it into the cluster, with that exact name"
        if waiting
        else "its container has not started yet: check again in a moment"
    )
    return item(started, f"the cluster has the image: {pod.metadata.name} started from it", seen)


def _job_progress(job: client.V1Job) -> str | None:
    """None when the Job has completed, else how far it got, as `kubectl get` and `kubectl logs` would show."""
    conditions = (job.status and job.status.conditions) or []
    if any(c.type == "Complete" and c.status == "True" for c in conditions):
        return None
    pods = job_pods(job.metadata.name)
    waiting = waiting_reasons(pods)
    if any(c.type == "Failed" and c.status == "True" for c in conditions):
        return f"it failed: `kubectl logs job/{job.metadata.name}` says why"
    if waiting:
        return f"its Pod waits: {waiting[0]}"
    if not pods:
        return "it has not started a Pod yet"
    return "its Pod is still working: check again in a moment"


def _job_done(job: client.V1Job) -> Item:
    """The item "<job> has completed", with how far it got when it has not."""
    progress = _job_progress(job)
    return item(progress is None, f"{job.metadata.name} has completed", progress or "")


def _success_log(job: client.V1Job) -> str:
    """What the Job's succeeded Pod printed ("" when none succeeded)."""
    done = [pod for pod in job_pods(job.metadata.name) if pod.status and pod.status.phase == "Succeeded"]
    return pod_log(done[0].metadata.name) if done else ""


def _served_objects(release: dict[str, Any]) -> tuple[str | None, str | None]:
    """The names of the Deployment and the Service a revision of the release made (None: it made none)."""
    kinds = kinds_in(release.get("manifest", ""))
    deployments, services = kinds.get("Deployment", []), kinds.get("Service", [])
    return (deployments[0] if deployments else None), (services[0] if services else None)


def _service_port(name: str) -> int | None:
    svc = read_or_none(core().read_namespaced_service, name)
    ports = [p.port for p in (svc.spec.ports or [])] if svc is not None else []
    return ports[0] if ports else None


def _memory(container: client.V1Container) -> tuple[str | None, str | None]:
    resources = container.resources
    requests = (resources and resources.requests) or {}
    limits = (resources and resources.limits) or {}
    return requests.get("memory"), limits.get("memory")


def _pods_of(deploy: client.V1Deployment) -> list[client.V1Pod]:
    """The Pods the Deployment's selector picks, those being deleted left out."""
    labels = (deploy.spec.selector and deploy.spec.selector.match_labels) or {}
    selector = ",".join(f"{key}={value}" for key, value in labels.items())
    pods = core().list_namespaced_pod(effective_namespace(), label_selector=selector, _request_timeout=TIMEOUT)
    return [pod for pod in pods.items if pod.metadata.deletion_timestamp is None]


@checker(
    "capstone_ex1",
    hints=(
        "Your image is a course image plus your train.py: build it under a version of your own, then start it "
        "once, on the cluster, to see it train before anything depends on it.",
        "Lesson 40, step 1, and lesson 02 ('Your train.py', 'The Dockerfile: a recipe in three lines', 'Build the "
        "image, and load it into the cluster'): a folder under work/ with train.py and a Dockerfile FROM the "
        "course's mlflow image (your code imports mlflow; load that image first), built as churn-train with the "
        "version 1.0; then `kubectl run` with --image and --restart=Never, and `kubectl logs`.",
        f"kds.build('work/capstone/churn-train', tag='{IMAGE}'), then "
        f"`kubectl run {TRY} --image={IMAGE} --restart=Never -n $namespace`, "
        f"`kubectl wait pod/{TRY} --for=jsonpath={{.status.phase}}=Succeeded -n $namespace` and "
        f"`kubectl logs {TRY} -n $namespace`; the last line of train.py prints the scores, such as auc=0.789",
    ),
)
def capstone_ex1() -> Iterator[Item]:
    """Check that a Pod (or Job) `train-try` ran your image kds.invalid/churn-train:1.0 to the end and printed a score.

    Examples:
        >>> check("capstone_ex1")  # doctest: +SKIP
        ✔ Well done: capstone_ex1 passes.
          ✔ there is a Pod (or a Job) named train-try in lesson-capstone-ex
    """
    pod = latest_run(TRY)
    yield pod is not None, _in_namespace(f"there is a Pod (or a Job) named {TRY}")
    if pod is None:
        return
    image = pod.spec.containers[0].image
    course = {split_image(known.ref)[0] for known in course_images()}
    seen = f"it runs {image}" + (", a course image: build your own" if split_image(image)[0] in course else "")
    yield item(image == IMAGE, f"it runs your image, {IMAGE}", seen)
    if image != IMAGE:
        return
    on_node = _image_on_node(pod)
    yield on_node
    if not on_node[0]:
        return
    ran = finished(pod)
    yield ran
    if not ran[0]:
        return
    line = score_line(pod_log(pod.metadata.name))
    yield item(line is not None, "its logs end with your scores, such as auc=0.789", "no line with name=0.xyz")


@checker(
    "capstone_ex2",
    hints=(
        "The tracking server is a tool like any other your team needs: the course's app store has a chart for "
        "it, and one install gives you its server, its Service and its storage.",
        "Lesson 40, step 2, and lesson 22 ('One server, two addresses'): `helm repo add` for the app store, "
        "the course's mlflow image loaded into the cluster, `helm install` of the chart mlflow of the repository "
        "kds as the release tracking, then `kubectl rollout status`.",
        "kds.load_image('mlflow'); `helm repo add kds http://localhost:30080 --force-update`; "
        "`helm install tracking kds/mlflow --version 0.1.0 -n $namespace`; "
        f"`kubectl rollout status deployment/{TRACKING_DEPLOYMENT} -n $namespace`",
    ),
)
def capstone_ex2() -> Iterator[Item]:
    """Check the release `tracking` of the course's mlflow chart: deployed, its server ready and answering.

    Examples:
        >>> check("capstone_ex2")  # doctest: +SKIP
        ✔ Well done: capstone_ex2 passes.
          ✔ there is a Helm release named tracking in lesson-capstone-ex
    """
    release, about = release_items(TRACKING, TRACKING_CHART)
    yield from about
    if release is None:
        return
    deploy = read_or_none(apps().read_namespaced_deployment, TRACKING_DEPLOYMENT)
    if deploy is None:
        yield False, f"the release made a Deployment named {TRACKING_DEPLOYMENT}"
        return
    done, seen = rollout(deploy)
    yield item(done, f"its server {TRACKING_DEPLOYMENT} is rolled out and ready", seen)
    if not done:
        return
    answered = tracking.mlflow_api("experiments/get-by-name?experiment_name=Default") is not None
    yield item(answered, f"MLflow answers at http://{tracking.SERVICE}:{tracking.PORT}, the address a Job will use",
               "it does not answer yet: check again in a moment")  # fmt: skip


@checker(
    "capstone_ex3",
    hints=(
        "Three pieces meet in one Job: your image, a claim mounted where train.py saves the model, and the "
        "address of MLflow in the Job's environment.",
        "Lesson 40, step 3; lesson 19 ('Ask for a disk', 'Train onto the claim') for the claim and its mount, "
        "lesson 22 ('The sweep, tracked') for MLFLOW_TRACKING_URI: a claim, then a Job with an environment and a "
        "volume (the manifest builders take env= and volumes=), and `kubectl wait --for=condition=Complete`.",
        f"kds.apply(kds.manifests.pvc('{CLAIM}', '200Mi')); kds.apply(kds.manifests.job('{TRAIN}', '{IMAGE}', "
        "env={'MODEL_PATH': '/models/churn.joblib', 'MLFLOW_TRACKING_URI': "
        f"'http://{tracking.SERVICE}:{tracking.PORT}'}}, volumes={{'/models': 'pvc/{CLAIM}'}})); "
        f"kds.wait('job/{TRAIN}', for_='condition=Complete', timeout=300)",
    ),
)
def capstone_ex3() -> Iterator[Item]:
    """Check the claim `models`, and the Job `train` that ran your image onto it and logged a run to MLflow.

    Examples:
        >>> check("capstone_ex3")  # doctest: +SKIP
        ✔ Well done: capstone_ex3 passes.
          ✔ there is a PersistentVolumeClaim named models in lesson-capstone-ex
    """
    claim = read_or_none(core().read_namespaced_persistent_volume_claim, CLAIM)
    yield claim is not None, _in_namespace(f"there is a PersistentVolumeClaim named {CLAIM}")
    if claim is None:
        return
    job = read_or_none(batch().read_namespaced_job, TRAIN)
    yield job is not None, _in_namespace(f"there is a Job named {TRAIN}")
    if job is None:
        return
    template = job.spec.template
    image = template.spec.containers[0].image
    yield item(image == IMAGE, f"it runs your image, {IMAGE}", f"it runs {image}")
    path = mount_path(template, CLAIM)
    yield item(path is not None, f"its Pod mounts the claim {CLAIM}" + (f" (at {path})" if path else ""),
               "it mounts no such claim")  # fmt: skip
    done = _job_done(job)
    yield done
    if path is None or not done[0]:
        return
    phase = claim.status.phase if claim.status else None
    yield item(phase == "Bound", f"the claim {CLAIM} is Bound", f"it is {phase}")
    printed = _success_log(job)
    told = f"{path}/" in launch_text(template) or f"{path}/" in printed
    yield item(told, f"the model is saved under {path}, on the claim",
               f"neither its command, its environment nor its logs name a file under {path}")  # fmt: skip
    line = score_line(printed)
    yield item(line is not None, "its logs end with the scores, such as auc=0.789", "no line with name=0.xyz")
    server = read_or_none(apps().read_namespaced_deployment, TRACKING_DEPLOYMENT)
    if server is None or not rollout(server)[0]:
        yield False, f"MLflow runs as the release {TRACKING} and is ready (step 2)"
        return
    there, runs = tracking.experiment_runs(EXPERIMENT)
    yield there
    if not there[0]:
        return
    logged = [run for run in runs if run["status"] == "FINISHED" and "auc" in run["metrics"]]
    yield item(bool(logged), f"{EXPERIMENT} holds a finished run with its auc",
               f"it holds {len(runs)} run(s), none finished with an auc")  # fmt: skip


def _chart_items(newest: dict[str, Any]) -> Iterator[Item]:
    """The release's newest revision is deployed, from a chart of the learner's own."""
    status = newest["info"]["status"]
    yield item(status == "deployed", f"its newest revision ({newest['version']}) is deployed", f"it is {status}")
    chart = newest["chart"]["metadata"]["name"]
    yield item(chart not in appstore.course_charts(), "it comes from a chart you wrote, not one of the course's",
               f"{chart} is one of the course's charts: write your own with helm create")  # fmt: skip


@checker(
    "capstone_ex4",
    hints=(
        "A chart is your Deployment and Service with blanks. The server needs the claim in its Pod, the path of "
        "the file, a readiness probe that says when the model is loaded, and memory it can count on.",
        "Lesson 40, step 4; lesson 25 ('`helm create`: a skeleton to start from', 'The templates: your Part 1 YAML "
        "with blanks', 'A new version of the chart'); lesson 19 ('Serve the model from the claim') for the volume. "
        "`helm lint`, then `helm install` from the chart's folder.",
        "`helm create work/capstone/churn-api`; keep _helpers.tpl; in templates/deployment.yaml run "
        "python -m churn.serve with MODEL_PATH=/models/{{ .Values.model.file }}, a persistentVolumeClaim volume "
        "for {{ .Values.model.claim }} mounted at /models, readinessProbe httpGet /health on 8000, and "
        "resources from the values; templates/service.yaml port 80 to 8000; then `helm lint "
        "work/capstone/churn-api --strict`, `helm install churn-api work/capstone/churn-api -n $namespace` and "
        "`kubectl rollout status deployment/churn-api -n $namespace`",
    ),
)
def capstone_ex4() -> Iterator[Item]:
    """Check the release `churn-api` of your own chart: the model server, fed from the claim, probed, answering.

    Examples:
        >>> check("capstone_ex4")  # doctest: +SKIP
        ✔ Well done: capstone_ex4 passes.
          ✔ there is a Helm release named churn-api in lesson-capstone-ex
    """
    history = releases(RELEASE)
    yield bool(history), _in_namespace(f"there is a Helm release named {RELEASE}")
    if not history:
        return
    newest = history[-1]
    about = list(_chart_items(newest))
    yield from about
    name, service = _served_objects(newest)
    yield item(name is not None and service is not None, "the release makes a Deployment and a Service",
               f"it makes {', '.join(kinds_in(newest.get('manifest', ''))) or 'nothing'}")  # fmt: skip
    if name is None or service is None or not all(ok for ok, _ in about):
        return
    deploy = read_or_none(apps().read_namespaced_deployment, name)
    if deploy is None:
        yield False, f"the Deployment {name} exists"
        return
    template = deploy.spec.template
    path = mount_path(template, CLAIM)
    yield item(path is not None, f"its Pods mount the claim {CLAIM}" + (f" (at {path})" if path else ""),
               "they mount no such claim")  # fmt: skip
    if path is not None:
        yield item(f"{path}/" in launch_text(template), f"the server is given a model file under {path}",
                   "its command and environment name none: churn.serve reads --model or MODEL_PATH")  # fmt: skip
    yield probe_item(template, port=None)
    request, limit = _memory(template.spec.containers[0])
    yield item(request is not None and limit is not None, "its container asks for memory and has a memory limit",
               f"requests.memory: {request}, limits.memory: {limit}")  # fmt: skip
    done, seen = rollout(deploy)
    yield item(done, f"{name} is rolled out and ready", seen)
    endpoints = ready_endpoints(service)
    yield item(endpoints >= 1, f"the Service {service} has a ready endpoint", "it has none")
    port = _service_port(service)
    if not done or not endpoints or port is None:
        return
    health, seen = _ask(service, port, "health")
    if health is not None and not loaded_from_file(health):
        seen = "it trained a model of its own at start: give it the file with MODEL_PATH"
    yield item(loaded_from_file(health), f"{service} answers GET /health with the facts of the model file it loaded",
               seen or "it did not answer")  # fmt: skip


@checker(
    "capstone_ex5",
    hints=(
        "A port-forward brings the Service to your notebook; the API answers with one churn probability per "
        "customer, in the order you sent them.",
        "Lesson 40, step 5; lesson 14 ('From the cluster to your notebook: port-forward') and lesson 25 ('Install "
        "it, as anybody would'): a port-forward to the Service in a with-block, and a POST of {'customers': [...]} "
        "to /predict with urllib.request.",
        "with kds.port_forward('service/churn-api', 80) as url: reply = urllib.request.urlopen(f'{url}/predict', "
        "data=json.dumps({'customers': customers.to_dict(orient='records')}).encode()); then predictions = "
        "json.loads(reply.read())['churn_probability'] and kds.check('capstone_ex5', predictions=predictions)",
    ),
)
def capstone_ex5(predictions: object = None) -> Iterator[Item]:
    """Check that `predictions` are what churn-api answers for the exercise's four customers, asked again here.

    Examples:
        >>> check("capstone_ex5", predictions=[0.9, 0.5, 0.1, 0.2])  # doctest: +SKIP
        ✘ Not yet: capstone_ex5.
    """
    given = numbers(predictions)
    if predictions is None or given == []:
        yield False, "no predictions yet: pass what the API answered, check('capstone_ex5', predictions=[...])"
        return
    if given is None:
        yield False, (f"predictions is a {type(predictions).__name__}; the check expects the list of churn "
                      "probabilities, one per customer")  # fmt: skip
        return
    wanted = len(CUSTOMERS)
    yield item(len(given) == wanted, f"you passed one probability per customer ({wanted})", f"you passed {len(given)}")
    history = releases(RELEASE)
    service = _served_objects(history[-1])[1] if history else None
    port = _service_port(service) if service else None
    if service is None or port is None:
        yield False, f"there is a Service of the release {RELEASE} in {effective_namespace()} to ask (step 4)"
        return
    answer, seen = _ask(service, port, "predict", {"customers": CUSTOMERS})
    theirs = numbers(answer) if answer is not None else None
    yield item(theirs is not None, f"{service} answers POST /predict for the four customers, asked from the cluster",
               seen or f"it answered {str(answer)[:80]}")  # fmt: skip
    if theirs is None or len(given) != wanted:
        return
    same = len(theirs) == wanted and all(abs(a - b) <= 0.0005 for a, b in zip(given, theirs, strict=True))
    yield item(same, "your predictions are the API's answers, in the customers' order", f"it answers {theirs}")


@checker(
    "capstone_ex6",
    hints=(
        "A CronJob is a Job with a schedule. To find the model it mounts the same claim as the server, and you "
        "need not wait for the night to see it work.",
        "Lesson 40, step 6; lesson 16 ('CronJobs: nightly scoring') and lesson 19 for the claim: a CronJob with a "
        "schedule and a volume (the cronjob builder takes both), python -m churn.score with --model; then "
        "`kubectl create job --from=cronjob/nightly-score` and `kubectl wait`.",
        "kds.apply(kds.manifests.cronjob('nightly-score', kds.manifests.PYTHON_DS_IMAGE, ['python', '-m', "
        "'churn.score', '--model', '/models/churn.joblib'], schedule='0 2 * * *', volumes={'/models': "
        f"'pvc/{CLAIM}'}})); `kubectl create job nightly-score-now --from=cronjob/nightly-score -n $namespace`; "
        "`kubectl wait --for=condition=Complete job/nightly-score-now -n $namespace`",
    ),
)
def capstone_ex6() -> Iterator[Item]:
    """Check the CronJob `nightly-score`: churn.score with the model from the claim, and one run that completed.

    Examples:
        >>> check("capstone_ex6")  # doctest: +SKIP
        ✔ Well done: capstone_ex6 passes.
          ✔ there is a CronJob named nightly-score in lesson-capstone-ex
    """
    cron = read_or_none(batch().read_namespaced_cron_job, NIGHTLY)
    yield cron is not None, _in_namespace(f"there is a CronJob named {NIGHTLY}")
    if cron is None:
        return
    yield item(not cron.spec.suspend, f"it runs on its schedule, {cron.spec.schedule!r}", "it is suspended")
    template = cron.spec.job_template.spec.template
    command = command_text(template)
    yield item(SCORE_MODULE.search(command) is not None, "it runs python -m churn.score",
               f"it runs {command or 'the image default'!r}")  # fmt: skip
    path = mount_path(template, CLAIM)
    yield item(path is not None, f"its Pods mount the claim {CLAIM}" + (f" (at {path})" if path else ""),
               "they mount no such claim")  # fmt: skip
    if path is not None:
        yield item(f"{path}/" in launch_text(template), f"it is given the model file under {path}",
                   "its command and environment name none: churn.score takes --model")  # fmt: skip
    jobs = batch().list_namespaced_job(effective_namespace(), _request_timeout=TIMEOUT).items
    runs = sorted((job for job in jobs if owned_by(job, "CronJob", NIGHTLY)),
                  key=lambda job: str(job.metadata.creation_timestamp or ""))  # fmt: skip
    done = [job for job in runs if job.status and job.status.succeeded]
    seen = (_job_progress(runs[-1]) if runs else None) or "no Job was created from it yet"
    yield item(bool(done), "a Job created from it has completed", seen)
    if not done:
        return
    printed = _success_log(done[-1])
    scored = SCORED.search(printed) is not None and NO_MODEL not in printed
    seen = "it trained a small model of its own first" if NO_MODEL in printed else "it printed no 'scored ...' line"
    yield item(scored, "that run scored the day's customers with the model from the claim", seen)


@checker(
    "capstone_ex7",
    hints=(
        "A rollout that never finishes while the old version keeps answering: the new Pod says why in its "
        "logs, and Helm still has the release as it was before the upgrade.",
        "Lesson 40, step 7; lesson 13 ('A rollout that goes wrong') for `kubectl get pods` and `kubectl logs "
        "--previous`, lesson 20 ('History and rollback') for `helm history` and `helm rollback`. In the terminal, "
        "add -n $namespace to each command.",
        "`kubectl logs POD --previous -n $namespace` ends in FileNotFoundError for /models/churn-2027q1.joblib: "
        "nobody trained that file onto the claim. `helm history churn-api -n $namespace`, "
        "`helm rollback churn-api 1 -n $namespace`, `kubectl rollout status deployment/churn-api -n $namespace`",
    ),
)
def capstone_ex7() -> Iterator[Item]:
    """Check that churn-api went through the colleague's version 2 and was rolled back to a revision before it.

    Examples:
        >>> check("capstone_ex7")  # doctest: +SKIP
        ✔ Well done: capstone_ex7 passes.
          ✔ there is a Helm release named churn-api in lesson-capstone-ex
    """
    history = releases(RELEASE)
    yield bool(history), _in_namespace(f"there is a Helm release named {RELEASE}")
    if not history:
        return
    upgrades = [r["version"] for r in history if r["version"] > 1 and V2_FILE in r.get("manifest", "")
                and not r["info"].get("description", "").startswith("Rollback")]  # fmt: skip
    yield item(bool(upgrades), f"version 2 was installed with helm upgrade (a revision names {V2_FILE})",
               "no revision names it yet: upgrade with the colleague's values file")  # fmt: skip
    if not upgrades:
        return
    newest = history[-1]
    described = newest["info"].get("description", "")
    after = newest["version"] > max(upgrades) and described.startswith("Rollback")
    yield item(after, "the newest revision is a rollback, made after version 2 (`helm history`)",
               f"the newest, revision {newest['version']}, says {described!r}")  # fmt: skip
    if not after:
        return
    yield item(V2_FILE not in newest.get("manifest", ""), "it went back to a revision from before version 2",
               f"the revision it restored names {V2_FILE} too: roll back to one before the upgrade")  # fmt: skip
    status = newest["info"]["status"]
    yield item(status == "deployed", f"revision {newest['version']} is deployed", f"it is {status}")
    name = _served_objects(newest)[0]
    deploy = read_or_none(apps().read_namespaced_deployment, name) if name else None
    if deploy is None:
        yield False, "the release's Deployment exists"
        return
    template = deploy.spec.template
    yield item(V2_FILE not in launch_text(template), f"{name} serves the model file of version 1 again",
               f"its Pods are still given {V2_FILE}")  # fmt: skip
    done, seen = rollout(deploy)
    yield item(done, f"{name} is rolled out: every replica runs that template and is ready", seen)
    failing = sorted(pod.metadata.name for pod in _pods_of(deploy) if not pod_ready(pod))
    yield item(not failing, f"no Pod of {name} is failing or waiting to be ready", f"these are not: {failing}")
