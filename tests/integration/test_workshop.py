"""A workshop class on the live course cluster: what a learner may do, and the class as one unit.

These tests make cluster-wide objects (the learners' ClusterRole and bindings), so they run
alone, before the notebooks (`serial`). Each class has names of its own (``kt-<random>``),
and each test deletes it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from kdsutils import kube, workshop
from kdsutils._run import run
from kdsutils.cli import main
from kdsutils.errors import KdsError
from kdsutils.lesson import lesson
from kdsutils.manifests import BUSYBOX_IMAGE, configmap, pod
from kdsutils.resources import apply

pytestmark = [pytest.mark.cluster, pytest.mark.serial, pytest.mark.timeout(300)]


@pytest.fixture
def learners(cluster: str, tmp_path: Path) -> Iterator[tuple[str, str, Path]]:
    """A class of two learners with 3 Pods each; yields their names and the kubeconfigs' folder."""
    tag = uuid.uuid4().hex[:6]
    ada, bo = f"kt-{tag}-ada", f"kt-{tag}-bo"
    workshop.create([ada, bo], context=cluster, output=tmp_path, duration="1h", pods=3, progress=lambda _: None)
    yield ada, bo, tmp_path
    workshop.delete([ada, bo], context=cluster, progress=lambda _: None)


def as_learner(folder: Path, name: str, *args: str) -> tuple[int, str]:
    """Run kubectl with a learner's kubeconfig; return its exit code and what it printed."""
    done = run(["kubectl", "--kubeconfig", str(folder / f"learner-{name}.kubeconfig"), *args], check=False)
    return done.returncode, done.stdout + done.stderr


def test_a_learner_reads_what_lessons_read_and_nothing_of_the_others(learners: tuple[str, str, Path]) -> None:
    ada, bo, folder = learners
    allowed = [["auth", "can-i", "patch", "pods", "--subresource=ephemeralcontainers"], ["get", "nodes"],
               ["get", "storageclasses"], ["get", "persistentvolumes"], ["get", "namespaces"],
               ["get", "pods", "-n", "kube-system"], ["top", "node"]]  # fmt: skip
    for args in allowed:
        code, out = as_learner(folder, ada, *args)
        assert code == 0, f"a learner needs `kubectl {' '.join(args)}` for the lessons: {out}"
    denied = {
        "another learner's Pods": ["get", "pods", "-n", f"learner-{bo}"],
        "a Pod in another learner's namespace": ["run", "intruder", f"--image={BUSYBOX_IMAGE}", "-n", f"learner-{bo}"],
        "Secrets outside their namespace": ["get", "secrets", "-n", "kube-system"],
        "a namespace of their own": ["create", "namespace", f"{ada}-extra"],
        "a change to the node": ["label", "node", "kds-control-plane", "kds.course/touched=yes"],
        "a cluster-wide role": ["create", "clusterrole", f"{ada}-all", "--verb=*", "--resource=*"],
    }
    for what, args in denied.items():
        code, out = as_learner(folder, ada, *args)
        assert code != 0 and "forbidden" in out.lower(), f"a learner could make or read {what}: {out}"
    for verb, resource, namespace in [("get", "pods", f"learner-{bo}"), ("get", "secrets", "default"),
                                      ("create", "namespaces", None), ("patch", "nodes", None),
                                      ("delete", "persistentvolumes", None), ("create", "rolebindings", None)]:
        code, out = as_learner(folder, ada, "auth", "can-i", verb, resource, *(["-n", namespace] if namespace else []))
        assert out.split()[0] == "no", f"can-i {verb} {resource}: {out}"  # a warning may follow on stderr
    code, out = as_learner(folder, ada, "auth", "can-i", "create", "deployments")
    assert out.split()[0] == "yes", "in their own namespace a learner edits freely"


def test_the_quota_stops_a_runaway_deployment_and_reset_empties_the_namespace(
    cluster: str, learners: tuple[str, str, Path]
) -> None:
    ada, _, folder = learners
    code, out = as_learner(folder, ada, "create", "deployment", "runaway", f"--image={BUSYBOX_IMAGE}",
                           "--replicas=10", "--", "sleep", "3600")  # fmt: skip
    assert code == 0, out
    code, out = as_learner(folder, ada, "wait", "--for=jsonpath={.status.replicas}=3", "deployment/runaway",
                           "--timeout=60s")  # fmt: skip
    assert code == 0, out
    code, events = as_learner(folder, ada, "events", "--for", "replicaset/" + json.loads(as_learner(
        folder, ada, "get", "replicasets", "-l", "app=runaway", "-o", "json")[1])["items"][0]["metadata"]["name"])
    assert "exceeded quota: learner-quota" in events and "limited: pods=3" in events, events
    code, out = as_learner(folder, ada, "get", "pods", "-o", "name")
    assert len(out.split()) == 3, f"the quota allows 3 Pods: {out}"
    assert workshop.reset([ada], context=cluster, progress=lambda _: None) == [ada]
    code, out = as_learner(folder, ada, "get", "deployments,pods,resourcequotas,serviceaccounts", "-o", "name")
    assert "deployment" not in out and "pod/" not in out, f"reset empties the namespace: {out}"
    assert "resourcequota/learner-quota" in out and "serviceaccount/learner" in out, "and keeps the account"


def test_a_besteffort_pod_stays_besteffort_and_an_oversized_one_waits_for_the_scheduler(
    learners: tuple[str, str, Path],
) -> None:
    ada, _, folder = learners
    code, out = as_learner(folder, ada, "run", "plain", f"--image={BUSYBOX_IMAGE}", "--restart=Never", "--",
                           "sleep", "3600")  # fmt: skip
    assert code == 0, out
    code, out = as_learner(folder, ada, "get", "pod", "plain", "-o", "jsonpath={.status.qosClass}")
    assert out == "BestEffort", "lesson 17 shows a Pod without requests as BestEffort"
    huge = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "huge"},
            "spec": {"containers": [{"name": "c", "image": BUSYBOX_IMAGE, "command": ["sleep", "3600"],
                                     "resources": {"requests": {"memory": "100Ti"}}}]}}  # fmt: skip
    done = run(["kubectl", "--kubeconfig", str(folder / f"learner-{ada}.kubeconfig"), "apply", "-f", "-"],
               input=json.dumps(huge), check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr
    code, out = as_learner(folder, ada, "wait", "--for=condition=PodScheduled=False", "pod/huge", "--timeout=60s")
    assert code == 0, out


def test_create_twice_gives_the_same_class_and_delete_leaves_nothing(cluster: str, tmp_path: Path) -> None:
    names = [f"kt-{uuid.uuid4().hex[:6]}-{i:02d}" for i in range(1, 31)]
    selector = f"{workshop.LEARNER_LABEL} in ({','.join(names)})"

    def made() -> dict[str, str]:
        listed = run(["kubectl", "--context", cluster, "get", "namespaces,clusterrolebindings", "-l", selector,
                      "-o", "json"]).stdout  # fmt: skip
        inside = run(["kubectl", "--context", cluster, "get", "serviceaccounts,rolebindings,resourcequotas", "-A",
                      "-o", "json"]).stdout  # fmt: skip
        items = json.loads(listed)["items"] + [item for item in json.loads(inside)["items"]
                                               if item["metadata"]["namespace"].removeprefix("learner-") in names
                                               or item["metadata"].get("labels", {}).get(workshop.LEARNER_LABEL)
                                               in names]  # fmt: skip
        return {f"{i['kind']}/{i['metadata'].get('namespace', '')}/{i['metadata']['name']}":
                i["metadata"]["resourceVersion"] for i in items if i["metadata"]["name"] != "default"}  # fmt: skip

    try:
        files = workshop.create(names, context=cluster, output=tmp_path, progress=lambda _: None)
        first = made()
        assert len(files) == 30 and len(first) == 30 * 7, sorted(first)[:12]
        workshop.create(names, context=cluster, output=tmp_path, progress=lambda _: None)
        assert made() == first, "a second create changes no object"
        rows = {row.name: row for row in workshop.status(context=cluster)}
        assert all(rows[name].pods == 0 and rows[name].quota == "pods 0/20" for name in names)
    finally:
        removed = workshop.delete(names, context=cluster, progress=lambda _: None)
    assert sorted(removed) == sorted(names)
    assert made() == {}, "delete leaves nothing of the class behind"


def test_lessons_run_in_the_learners_namespace_and_say_when_they_cannot(
    learners: tuple[str, str, Path], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    ada, _, folder = learners
    # The learner's laptop: a kubeconfig of their own, with the instructor's file joined into it.
    monkeypatch.setenv("KUBECONFIG", str(tmp_path / "config"))
    monkeypatch.setenv("KDS_WORKSHOP_CONTEXTS", str(tmp_path / "workshop-contexts"))
    try:
        assert main(["workshop", "join", str(folder / f"learner-{ada}.kubeconfig")]) == 0
        assert kube.current_context() == f"workshop-{ada}"
        first = lesson("pods")
        assert (first.namespace, first.shared) == (f"learner-{ada}", True)
        apply(configmap("notes", {"threshold": "0.7"}))
        apply(pod("sleeper", BUSYBOX_IMAGE, ["sleep", "3600"]))
        second = lesson("config-ex")
        assert second.namespace == first.namespace
        assert run(["kubectl", "get", "configmap", "notes"], check=False).returncode != 0, "a new lesson starts empty"
        assert "sleeper" not in run(["kubectl", "get", "pods", "-o", "name"]).stdout
        second.cleanup(wait=True)
        with pytest.raises(KdsError, match="needs a cluster of your own") as refused:
            lesson("namespaces-ex")
        assert workshop.NEEDS_OWN_CLUSTER["namespaces"] in refused.value.message
        assert "instructor's screen" in refused.value.fix
        kept = run(["kubectl", "get", "serviceaccount,resourcequota", "-o", "name"]).stdout
        assert "serviceaccount/learner" in kept and "resourcequota/learner-quota" in kept, "the account stays"
    finally:
        kube.set_default_namespace(None)
