"""The kit every topic module builds its checkers from: registration, results, and cluster reads.

A topic module (``services.py`` for the ids ``services_ex1``, ``services_ex2``, ...) imports
what it needs from here:

- to register: `checker` (and `registry`, `topic_of`, which `check` uses to find it);
- to phrase items: `item`, `missing_text`, `finished`;
- to look: the typed clients `core`, `apps`, `batch`, `discovery`, `authorization`, and
  `read_or_none`, `pod_log`, `job_pods`, `releases` (Helm's record of a release);
- pure helpers: `command_text`, `owned_by`, `quantity`, `same_quantity`.

Every typed client is built by `typed_api`, the one place where checks reach the cluster, so
unit tests replace that one function with a fake.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from kubernetes import client
from kubernetes.client import ApiException
from kubernetes.utils import parse_quantity

from kdsutils.errors import KdsError
from kdsutils.kube import api_client, effective_namespace

#: One checked fact: whether it holds, and a text that reads well after both ✔ and ✘.
Item = tuple[bool, str]
#: A checker: a generator of items, called with the learner's answers as keywords.
Checker = Callable[..., Iterable[Item]]
#: The three tiers of help: a nudge, where to look, the command.
Hints = tuple[str, str, str]
#: What each tier of `Hints` gives, as the "More help" line names it.
TIERS = ("a nudge", "where to look", "the command")
#: Seconds a check waits for one answer of the API server.
TIMEOUT = 15

_API = TypeVar("_API")


@dataclass(frozen=True)
class Registered:
    """An exercise's checker and its three hints.

    Attributes:
        func: The checker.
        hints: The hints, tier 1 first, with placeholders (see `checker`).
    """

    func: Checker
    hints: Hints


#: Every checker imported so far, by exercise id. `checks.check` imports a topic's module on demand.
registry: dict[str, Registered] = {}


def topic_of(exercise_id: str) -> str:
    """Return the topic of an exercise id: the part before ``_ex``, which names its module (pure).

    Examples:
        >>> topic_of("services_ex1"), topic_of("typo")
        ('services', '')
    """
    return exercise_id.rpartition("_ex")[0]


def checker(exercise_id: str, *, hints: Hints) -> Callable[[Checker], Checker]:
    """Register the decorated generator as the checker of `exercise_id`.

    Args:
        exercise_id: The id the exercise notebook passes to `check`, such as ``setup_ex1``. A
            course checker lives in the module named like the part before ``_ex`` (``setup.py``).
        hints: Three tiers of help: a nudge that names the idea (no command), where to look (a
            lesson section, a kubectl verb or field), and the command itself. A hint shows
            ``$namespace`` as the exercise's namespace and ``$PYTHON_DS_IMAGE`` or
            ``$BUSYBOX_IMAGE`` as that course image's name, so commands work in a terminal.

    Returns:
        The decorator, which returns the checker unchanged.

    Raises:
        KdsError: when the hints are not three texts, when the id is taken, or when a course
            checker sits in a module its id does not name.

    Examples:
        >>> @checker("demo_ex1", hints=("think", "lesson 11", "kubectl run"))  # doctest: +SKIP
        ... def demo_ex1(answer: object = None):
        ...     yield answer == 42, "the answer is 42"
    """
    if len(hints) != len(TIERS) or not all(isinstance(tier, str) and tier.strip() for tier in hints):
        raise KdsError(
            f"The checker of {exercise_id!r} needs three hints.",
            fix="give hints=('a nudge', 'where to look', 'the command')",
        )

    def register(func: Checker) -> Checker:
        if exercise_id in registry:
            raise KdsError(f"Two checkers claim the exercise id {exercise_id!r}.", fix="rename one of them")
        package, _, module = func.__module__.rpartition(".")
        if package == __package__ and module != topic_of(exercise_id):
            raise KdsError(
                f"The checker of {exercise_id!r} is in {func.__module__}, so check() cannot find it.",
                fix=f"move it to {__package__}.{topic_of(exercise_id)}, the module named like its id",
            )
        registry[exercise_id] = Registered(func, hints)
        return func

    return register


def more_help(exercise_id: str, shown: int) -> str:
    """Return the line that tells how to get the tiers after tier `shown`, or "" after the last (pure).

    Examples:
        >>> more_help("pods_ex1", 1)
        "More help: kds.hint('pods_ex1') says where to look; kds.hint('pods_ex1', 3) shows the command."
        >>> more_help("pods_ex1", 3)
        ''
    """
    offers = {
        2: f"kds.hint({exercise_id!r}) says {TIERS[1]}",
        3: f"kds.hint({exercise_id!r}, 3) shows {TIERS[2]}",
    }
    later = [offer for level, offer in offers.items() if level > shown]
    return f"More help: {'; '.join(later)}." if later else ""


def _html(text: str) -> str:
    """Escape `text` for HTML and show its `backquoted` parts as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(text))


@dataclass
class CheckResult:
    """The outcome of one exercise check.

    Attributes:
        exercise: The exercise id.
        items: What was checked, as ``(ok, text)`` pairs.
        hint: The first tier of help (a nudge); shown only when the check did not pass, with a
            line that tells how to get the next tiers.

    Examples:
        >>> print(CheckResult("demo_ex1", [(True, "there is a Pod named web")]))
        ✔ Well done: demo_ex1 passes.
          ✔ there is a Pod named web
    """

    exercise: str
    items: list[Item] = field(default_factory=list)
    hint: str = ""

    @property
    def passed(self) -> bool:
        """True when there was something to check and every item is right."""
        return bool(self.items) and all(ok for ok, _ in self.items)

    def __str__(self) -> str:
        head = f"✔ Well done: {self.exercise} passes." if self.passed else f"✘ Not yet: {self.exercise}."
        lines = [head, *(f"  {'✔' if ok else '✘'} {text}" for ok, text in self.items)]
        if not self.passed and self.hint:
            lines += [f"  Hint: {self.hint}", f"  {more_help(self.exercise, 1)}"]
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        colour = "#1a7f37" if self.passed else "#b35900"
        head = "✔ Well done" if self.passed else "✘ Not yet"
        items = "".join(
            f'<li style="list-style:none">{"✔" if ok else "✘"} {html.escape(text)}</li>'
            for ok, text in self.items
        )
        hint = (
            f"<p><strong>Hint:</strong> {_html(self.hint)}<br>{_html(more_help(self.exercise, 1))}</p>"
            if self.hint and not self.passed
            else ""
        )
        return (
            f'<div class="kds-check" style="border-left:4px solid {colour};padding:0.3em 1em">'
            f'<p style="color:{colour}"><strong>{head}</strong>: {html.escape(self.exercise)}</p>'
            f'<ul style="padding-left:0.5em">{items}</ul>{hint}</div>'
        )


@dataclass(frozen=True)
class Hint:
    """One tier of an exercise's help, as `checks.hint` returns it.

    Attributes:
        exercise: The exercise id.
        level: 1 (a nudge), 2 (where to look) or 3 (the command).
        text: The hint.

    Examples:
        >>> print(Hint("pods_ex1", 3, "`kubectl run pandas-version ...`"))
        Hint 3 of 3 for pods_ex1 (the command): `kubectl run pandas-version ...`
    """

    exercise: str
    level: int
    text: str

    def __str__(self) -> str:
        head = f"Hint {self.level} of {len(TIERS)} for {self.exercise} ({TIERS[self.level - 1]}): {self.text}"
        more = more_help(self.exercise, self.level)
        return f"{head}\n  {more}" if more else head

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(str(self))

    def _repr_html_(self) -> str:
        more = more_help(self.exercise, self.level)
        return (
            '<div class="kds-hint" style="border-left:4px solid #0969da;padding:0.3em 1em">'
            f"<p><strong>Hint {self.level} of {len(TIERS)}</strong> for {html.escape(self.exercise)} "
            f"({TIERS[self.level - 1]}): {_html(self.text)}</p>"
            + (f"<p>{_html(more)}</p>" if more else "")
            + "</div>"
        )


def item(ok: bool, text: str, seen: str) -> Item:
    """Return a check item that adds what was actually seen, in brackets, only when it is wrong (pure).

    Args:
        ok: Whether the item holds.
        text: The item, phrased so that both ✔ and ✘ read well.
        seen: What the cluster shows instead, such as ``"it has 1"``.

    Returns:
        The ``(ok, text)`` pair a checker yields.

    Examples:
        >>> item(False, "web has 2 ready replicas", "it has 1")
        (False, 'web has 2 ready replicas (it has 1)')
        >>> item(True, "web has 2 ready replicas", "it has 2")
        (True, 'web has 2 ready replicas')
    """
    return ok, text if ok else f"{text} ({seen})"


def missing_text(exercise_id: str, answer: object, example: str) -> Item | None:
    """Return the item that says why `answer` is not yet a text answer, or None when it is one (pure).

    Args:
        exercise_id: The exercise, to show the call that passes the answer.
        answer: What the learner passed.
        example: An answer of the right form, such as ``"'v1.2.3'"``.

    Examples:
        >>> missing_text("setup_ex2", 42, "'kds-local'")
        (False, "answer is a int; the check expects text, such as 'kds-local'")
        >>> missing_text("setup_ex2", "kds-local", "'kds-local'") is None
        True
    """
    if answer is None:
        call = f"check({exercise_id!r}, answer=your_variable)"
        return False, f"no answer yet: put what you found in a variable and pass it, {call}"
    if not isinstance(answer, str):
        return False, f"answer is a {type(answer).__name__}; the check expects text, such as {example}"
    return None


def quantity(text: str) -> Decimal:
    """Return a Kubernetes quantity (``"4Gi"``, ``"250m"``) as a number (pure).

    Examples:
        >>> quantity("1Ki"), quantity("250m")
        (Decimal('1024'), Decimal('0.250'))
    """
    return Decimal(parse_quantity(text))


def same_quantity(given: str | None, wanted: str) -> bool:
    """Tell whether two Kubernetes quantities are equal (``"4Gi"`` and ``"4096Mi"`` are) (pure).

    Examples:
        >>> same_quantity("4096Mi", "4Gi"), same_quantity("2000m", "2"), same_quantity(None, "5")
        (True, True, False)
    """
    return given is not None and quantity(given) == quantity(wanted)


def owned_by(obj: Any, kind: str, name: str) -> bool:
    """Tell whether `obj` was made by the object `kind`/`name`, as its owner references say (pure).

    Examples:
        >>> ref = client.V1OwnerReference(api_version="batch/v1", kind="CronJob", name="nightly", uid="1")
        >>> owned_by(client.V1Job(metadata=client.V1ObjectMeta(owner_references=[ref])), "CronJob", "nightly")
        True
    """
    return any(ref.kind == kind and ref.name == name for ref in obj.metadata.owner_references or [])


def command_text(pod: client.V1Pod) -> str:
    """Return the commands and arguments of a Pod's containers as one text, to search in (pure).

    Examples:
        >>> container = client.V1Container(name="c", command=["wget", "-qO-"], args=["http://web/"])
        >>> command_text(client.V1Pod(spec=client.V1PodSpec(containers=[container])))
        'wget -qO- http://web/'
    """
    return " ".join(" ".join([*(c.command or []), *(c.args or [])]) for c in pod.spec.containers)


def finished(pod: client.V1Pod) -> Item:
    """Return the item "<pod> ran and exited successfully", with its phase when it did not (pure).

    Examples:
        >>> pod = client.V1Pod(metadata=client.V1ObjectMeta(name="client"), status=client.V1PodStatus(phase="Running"))
        >>> finished(pod)
        (False, 'client ran and exited successfully (its phase is Running)')
    """
    phase = pod.status.phase
    return item(phase == "Succeeded", f"{pod.metadata.name} ran and exited successfully", f"its phase is {phase}")


def typed_api(api_class: type[_API]) -> _API:
    """Return a typed client (``client.CoreV1Api``, ...) on the current context's connection.

    Every check reaches the cluster through this function; unit tests replace it with a fake.

    Examples:
        >>> typed_api(client.CoreV1Api).list_node()  # doctest: +SKIP
    """
    return api_class(api_client())


def core() -> client.CoreV1Api:
    """Return the client of the core API: Pods, Services, ConfigMaps, Secrets, claims, namespaces.

    Examples:
        >>> core().read_namespaced_pod("web", "lesson-pods")  # doctest: +SKIP
    """
    return typed_api(client.CoreV1Api)


def apps() -> client.AppsV1Api:
    """Return the client of the apps API: Deployments and ReplicaSets.

    Examples:
        >>> apps().read_namespaced_deployment("api", "lesson-deployments")  # doctest: +SKIP
    """
    return typed_api(client.AppsV1Api)


def batch() -> client.BatchV1Api:
    """Return the client of the batch API: Jobs and CronJobs.

    Examples:
        >>> batch().read_namespaced_job("crunch", "lesson-resources")  # doctest: +SKIP
    """
    return typed_api(client.BatchV1Api)


def storage() -> client.StorageV1Api:
    """Return the client of the storage API: StorageClasses.

    Examples:
        >>> storage().list_storage_class()  # doctest: +SKIP
    """
    return typed_api(client.StorageV1Api)


def discovery() -> client.DiscoveryV1Api:
    """Return the client of the discovery API: the EndpointSlices behind a Service.

    Examples:
        >>> discovery().list_namespaced_endpoint_slice("lesson-services")  # doctest: +SKIP
    """
    return typed_api(client.DiscoveryV1Api)


def authorization() -> client.AuthorizationV1Api:
    """Return the client of the authorization API, which answers "may this account do that?".

    Examples:
        >>> authorization().create_subject_access_review(review)  # doctest: +SKIP
    """
    return typed_api(client.AuthorizationV1Api)


def read_or_none(read: Callable[..., _API], name: str, *, namespace: str | None = None) -> _API | None:
    """Return the object `read` finds, or None when there is none (the API answers 404).

    Args:
        read: A typed client's read method, such as ``core().read_namespaced_pod``, or one of a
            cluster-wide kind, such as ``core().read_namespace``.
        name: The object's name.
        namespace: Where a ``read_namespaced_*`` method looks (default: the exercise's namespace).

    Returns:
        The object, or None.

    Raises:
        ApiException: for any other answer than 404; `check` reports it as "could not check".

    Examples:
        >>> read_or_none(core().read_namespaced_pod, "toolbox")  # doctest: +SKIP
        >>> read_or_none(core().read_namespace, "lesson-namespaces-sandbox")  # doctest: +SKIP
    """
    where = (effective_namespace(namespace),) if read.__name__.startswith("read_namespaced_") else ()
    try:
        return read(name, *where, _request_timeout=TIMEOUT)
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise


def decode_release(data: str) -> dict[str, Any]:
    """Return a Helm release record from its Secret's ``release`` value (pure).

    Helm keeps each revision of a release in a Secret ``sh.helm.release.v1.<name>.v<revision>``:
    the release as JSON, gzipped, base64-encoded, and base64-encoded once more by the Secret.

    Examples:
        >>> import base64, gzip, json
        >>> inner = base64.b64encode(gzip.compress(json.dumps({"name": "web", "version": 1}).encode()))
        >>> decode_release(base64.b64encode(inner).decode())
        {'name': 'web', 'version': 1}
    """
    return json.loads(gzip.decompress(base64.b64decode(base64.b64decode(data))))


def releases(name: str, *, namespace: str | None = None) -> list[dict[str, Any]]:
    """Return every revision Helm keeps of the release `name`, oldest first (``helm history``).

    Each is Helm's record: ``version`` (the revision), ``info.status``, ``config`` (the values
    you gave), ``chart.metadata``, ``manifest`` (the YAML it applied).

    Examples:
        >>> [r["info"]["status"] for r in releases("tracking")]  # doctest: +SKIP
        ['superseded', 'deployed']
    """
    secrets = core().list_namespaced_secret(
        effective_namespace(namespace), label_selector=f"owner=helm,name={name}", _request_timeout=TIMEOUT
    )
    found = [decode_release(s.data["release"]) for s in secrets.items if s.data and "release" in s.data]
    return sorted(found, key=lambda r: r["version"])


def release_items(name: str, chart: str) -> tuple[dict[str, Any] | None, list[Item]]:
    """Return a release's newest revision (None when there is none) and the items about it.

    The items: the release exists, its newest revision is deployed, it came from `chart`.
    """
    history = releases(name)
    items: list[Item] = [(bool(history), f"there is a Helm release named {name} in {effective_namespace()}")]
    if not history:
        return None, items
    newest = history[-1]
    status, meta = newest["info"]["status"], newest["chart"]["metadata"]
    return newest, [
        *items,
        item(status == "deployed", f"its newest revision ({newest['version']}) is deployed", f"it is {status}"),
        item(meta["name"] == chart, f"it was installed from the chart {chart}", f"its chart is {meta['name']}"),
    ]


def pod_log(name: str, *, namespace: str | None = None, timestamps: bool = False) -> str:
    r"""Return what a Pod printed, as `kubectl logs` shows it.

    The raw body is decoded here: the client's own decoding turns a log into ``"b'...'"``.

    Args:
        name: The Pod.
        namespace: Its namespace (default: the exercise's namespace).
        timestamps: Start each line with the time it was printed, as `kubectl logs --timestamps`.

    Examples:
        >>> pod_log("pandas-version")  # doctest: +SKIP
        '2.2.3\n'
    """
    response = core().read_namespaced_pod_log(
        name, effective_namespace(namespace), timestamps=timestamps, _preload_content=False, _request_timeout=TIMEOUT
    )
    return response.data.decode("utf-8", errors="replace")


def restarts(pod: client.V1Pod) -> int:
    """How many times the containers of `pod` were restarted (pure).

    Examples:
        >>> status = client.V1ContainerStatus(name="c", image="x", image_id="", ready=True, restart_count=3)
        >>> restarts(client.V1Pod(status=client.V1PodStatus(container_statuses=[status])))
        3
    """
    return sum(cs.restart_count or 0 for cs in (pod.status and pod.status.container_statuses) or [])


def rollout(deploy: client.V1Deployment) -> tuple[bool, str]:
    """Whether a Deployment's rollout finished, and its counts as ``"U of W updated, R ready"`` (pure).

    Finished: the controller has seen the newest spec, and every wanted replica, and no other,
    runs the newest template and is ready.

    Examples:
        >>> deploy = client.V1Deployment(metadata=client.V1ObjectMeta(generation=2),
        ...     spec=client.V1DeploymentSpec(replicas=2, selector=client.V1LabelSelector(),
        ...                                  template=client.V1PodTemplateSpec()),
        ...     status=client.V1DeploymentStatus(observed_generation=2, replicas=2, updated_replicas=2,
        ...                                      ready_replicas=1))
        >>> rollout(deploy)
        (False, '2 of 2 updated, 1 ready')
    """
    status, wanted = deploy.status, deploy.spec.replicas or 0
    counts = (status.replicas or 0, status.updated_replicas or 0, status.ready_replicas or 0)
    done = (status.observed_generation or 0) >= (deploy.metadata.generation or 0) and counts == (wanted,) * 3
    return done, f"{counts[1]} of {wanted} updated, {counts[2]} ready"


def ready_endpoints(service: str) -> int:
    """Return how many ready Pods the EndpointSlices of the exercise's Service `service` list."""
    slices = discovery().list_namespaced_endpoint_slice(
        effective_namespace(), label_selector=f"kubernetes.io/service-name={service}", _request_timeout=TIMEOUT
    )
    return sum(
        1
        for piece in slices.items
        for endpoint in piece.endpoints or []
        if endpoint.conditions is None or endpoint.conditions.ready is not False
    )


def latest_run(name: str) -> client.V1Pod | None:
    """Return the Pod named `name`, else the newest Pod of the Job named `name` (a succeeded one first), or None."""
    pod = read_or_none(core().read_namespaced_pod, name)
    if pod is not None:
        return pod

    def order(pod: client.V1Pod) -> tuple[bool, float]:
        created = pod.metadata.creation_timestamp
        return pod.status.phase == "Succeeded", created.timestamp() if created else 0.0

    pods = job_pods(name)
    return max(pods, key=order) if pods else None


def service_call(service: str, port: int, path: str, body: dict[str, Any] | None = None) -> str:
    """POST `body` (or GET) a path of a Service of the exercise's namespace through the API server's proxy.

    The check reaches the Service as a Pod beside it would, without a port-forward.

    Returns:
        The text of the answer.

    Raises:
        ApiException: with the API server's or the Service's refusal, as the client raises it.
    """
    proxied = f"/api/v1/namespaces/{effective_namespace()}/services/{service}:{port}/proxy/{path}"
    response = api_client().call_api(
        proxied, "POST" if body is not None else "GET", body=body, auth_settings=["BearerToken"],
        header_params={"Content-Type": "application/json", "Accept": "application/json"},
        _preload_content=False, _request_timeout=TIMEOUT,
    )  # fmt: skip
    return response.data.decode("utf-8", errors="replace")


def pod_ready(pod: client.V1Pod) -> bool:
    """Whether a Pod is ready for its work: its Ready condition is True and it is not being deleted."""
    if pod.metadata.deletion_timestamp is not None:
        return False
    return any(c.type == "Ready" and c.status == "True" for c in (pod.status and pod.status.conditions) or [])


def job_pods(job: str) -> list[client.V1Pod]:
    """Return the Pods the Job `job` of the exercise's namespace started.

    Examples:
        >>> [pod.status.phase for pod in job_pods("crunch")]  # doctest: +SKIP
        ['Succeeded']
    """
    return core().list_namespaced_pod(
        effective_namespace(), label_selector=f"job-name={job}", _request_timeout=TIMEOUT
    ).items
