"""Start a lesson: check the cluster, pass the guard, give the lesson a fresh namespace."""

from __future__ import annotations

from dataclasses import dataclass

from kubernetes import client
from urllib3.exceptions import HTTPError

from kdsutils import kube
from kdsutils._run import run
from kdsutils.errors import ClusterNotReady, KdsError
from kdsutils.manifests import namespace as namespace_manifest
from kdsutils.resources import apply, delete, installed_releases, quietly, wait
from kdsutils.workshop import NEEDS_OWN_CLUSTER, empty_namespace

LESSON_LABEL = "kds.course/lesson"


def require_cluster() -> str:
    """Check that the current context is a course cluster and that its API server answers.

    Returns:
        The current context's name.

    Raises:
        ClusterNotReady: when there is no kubeconfig or the API server does not answer.
        ContextRefused: when the current context is not a course cluster.

    Examples:
        >>> require_cluster()  # doctest: +SKIP
        'kds-local'
    """
    context = kube.require_course_context()
    api = kube.api_client()
    try:
        client.VersionApi(api).get_code(_request_timeout=10)
    except (HTTPError, client.ApiException, OSError) as exc:
        raise ClusterNotReady(
            f"The cluster of context '{context}' ({api.configuration.host}) does not answer: "
            f"{type(exc).__name__}: {next(iter(str(exc).splitlines()), '')}",
            fix="run `kds up` to start it (`kds status` says what runs)",
        ) from None
    return context


@dataclass(frozen=True)
class Lesson:
    """A running lesson: its name, the namespace its objects live in, and whether that is shared.

    ``shared`` is True on a workshop cluster, where the namespace is the learner's own and
    outlives the lesson: cleanup empties it instead of deleting it.
    """

    name: str
    namespace: str
    shared: bool = False

    def cleanup(self, *, wait: bool = False, timeout: float = 180) -> None:
        """Delete the lesson's namespace and everything in it, Helm releases first.

        Kubernetes removes a namespace's contents in the background, which takes a few seconds;
        by default the call returns once the deletion has started. Starting the same lesson
        again waits for the old namespace to be gone.

        Args:
            wait: Also wait until the namespace has disappeared.
            timeout: Seconds to wait for that.

        Examples:
            >>> lesson("pods").cleanup()  # doctest: +SKIP
        """
        if self.shared:
            empty_namespace(self.namespace, wait=wait, timeout=timeout)
            return
        context = kube.require_course_context()
        # Releases first: what a chart made outside the namespace (a ClusterRole) goes with them.
        for release in installed_releases(self.namespace, context):
            run(["helm", "uninstall", release, "--namespace", self.namespace, "--kube-context", context],
                check=False, timeout=timeout)  # fmt: skip
        delete("namespace", self.namespace, ignore_not_found=True, wait=False, timeout=timeout)
        # A terminating namespace accepts no new pods; shorten the grace period of the ones it has,
        # since a shell or python running as a container's first process ignores SIGTERM and
        # would hold the cleanup for the default 30 s.
        run(["kubectl", "--context", context, "delete", "pods", "--all", "-n", self.namespace,
             "--grace-period=1", "--wait=false", "--ignore-not-found"], check=False, timeout=timeout)
        if wait:
            delete("namespace", self.namespace, ignore_not_found=True, timeout=timeout)
        if kube.default_namespace() == self.namespace:
            kube.set_default_namespace(None)


def lesson(name: str, *, timeout: float = 180) -> Lesson:
    """Begin a lesson: check the cluster and give the lesson its own, empty namespace.

    The namespace is ``lesson-<name>``, labelled ``kds.course/lesson=<name>``. A leftover
    one from an earlier run is deleted first, so every run starts from the same state. The
    namespace becomes the default of every helper in this Python process.

    On a workshop cluster (a context `kds workshop join` registered) learners cannot create
    namespaces: the lesson runs in the learner's own namespace, emptied first. A lesson that
    a learner cannot do (`workshop.NEEDS_OWN_CLUSTER`) stops here and says why.

    Args:
        name: The lesson's short name, such as ``"pods"`` or ``"11"``.
        timeout: Seconds to wait for an old namespace to go and the new one to be ready.

    Returns:
        A handle with `.namespace` and `.cleanup()`.

    Raises:
        ClusterNotReady: when the cluster is not running (fix: `kds up`).
        ContextRefused: when the current context is not a course cluster.
        KdsError: when the lesson needs a cluster of your own and this is a workshop's shared one.

    Examples:
        >>> les = lesson("pods")  # doctest: +SKIP
        >>> les.namespace  # doctest: +SKIP
        'lesson-pods'
    """
    require_cluster()
    shared = kube.workshop_namespace()
    if shared:
        why = NEEDS_OWN_CLUSTER.get(name.removesuffix("-ex"))
        if why:
            raise KdsError(
                f"This lesson needs a cluster of your own, and {kube.current_context()!r} is a workshop's "
                f"shared cluster: {why}.",
                fix="follow it on the instructor's screen, or run it on your own course cluster "
                "(`kds up`, then `kubectl config use-context` to its context)",
            )
        empty_namespace(shared, wait=True, timeout=timeout)
        kube.set_default_namespace(shared)
        return Lesson(name=name, namespace=shared, shared=True)
    manifest = namespace_manifest(f"lesson-{name}", labels={LESSON_LABEL: name})
    ns = manifest["metadata"]["name"]
    with quietly():
        delete("namespace", ns, ignore_not_found=True, timeout=timeout)
        apply(manifest)
        kube.set_default_namespace(ns)
        # Pods cannot be created before the namespace's `default` ServiceAccount exists.
        wait("serviceaccount", "default", for_="create", namespace=ns, timeout=timeout)
    return Lesson(name=name, namespace=ns)
