"""Workshops: what a learner gets, the instructor's class commands and the learner's join (no cluster)."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from kdsutils import kube, workshop
from kdsutils.cli import main
from kdsutils.errors import KdsError, KubeconfigInvalid
from kdsutils.workshop import learner_kubeconfig, learner_manifests


def test_learner_manifests() -> None:
    namespace, account, edit, debug, reader, system, quota = learner_manifests("ada")
    assert namespace["metadata"] == {"name": "learner-ada", "labels": {"kds.course/learner": "ada"}}
    assert account["metadata"]["name"] == "learner" and account["metadata"]["namespace"] == "learner-ada"
    subject = [{"kind": "ServiceAccount", "name": "learner", "namespace": "learner-ada"}]
    assert edit["kind"] == "RoleBinding" and edit["metadata"]["namespace"] == "learner-ada"
    assert edit["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"}
    assert edit["subjects"] == debug["subjects"] == reader["subjects"] == system["subjects"] == subject
    assert (debug["kind"], debug["roleRef"]["name"]) == ("RoleBinding", "kds-learner-debug")
    assert (reader["kind"], reader["roleRef"]["name"]) == ("ClusterRoleBinding", "kds-learner")
    assert (system["metadata"]["namespace"], system["roleRef"]["name"]) == ("kube-system", "view")
    assert {m["metadata"]["labels"]["kds.course/learner"] for m in (namespace, reader, system)} == {"ada"}
    hard = quota["spec"]["hard"]
    assert hard["pods"] == "20" and hard["services.loadbalancers"] == "1" and hard["services.nodeports"] == "3"
    assert not any(key.startswith(("requests.cpu", "requests.memory")) for key in hard), "BestEffort Pods stay allowed"


def test_a_requests_quota_only_when_asked_and_only_for_pods_that_make_requests() -> None:
    *_, requests = learner_manifests("ada", cpu="2", memory="4Gi")
    assert requests["metadata"]["name"] == "learner-requests"
    assert requests["spec"] == {"hard": {"requests.cpu": "2", "requests.memory": "4Gi"}, "scopes": ["NotBestEffort"]}
    assert [m["kind"] for m in learner_manifests("ada", memory="4Gi")].count("ResourceQuota") == 2
    kinds = [m["kind"] for m in learner_manifests("ada")]
    assert "LimitRange" not in kinds, "its default requests would make BestEffort Pods Burstable"


def test_the_learner_roles_read_or_debug_and_never_see_secrets() -> None:
    reader, debug = workshop.learner_roles()
    assert reader["kind"] == "ClusterRole" and reader["metadata"]["name"] == "kds-learner"
    assert {verb for rule in reader["rules"] for verb in rule["verbs"]} <= {"get", "list", "watch"}
    assert [rule["resources"] for rule in debug["rules"]] == [["pods/ephemeralcontainers"]]
    for role in (reader, debug):
        assert "secrets" not in {resource for rule in role["rules"] for resource in rule["resources"]}


def test_class_names() -> None:
    assert workshop.class_names(count=12)[-1] == "12" and workshop.class_names(count=3) == ["01", "02", "03"]
    assert workshop.class_names(["ada", " bo ", "# back row", ""], count=1) == ["ada", "bo", "01"]
    with pytest.raises(KdsError, match="no learner") as err:
        workshop.class_names([])
    assert "--count" in err.value.fix
    with pytest.raises(KdsError, match="appear twice: ada"):
        workshop.class_names(["ada", "bo", "ada"])
    with pytest.raises(KdsError, match="cannot name a learner"):
        workshop.class_names(["Ada"])


def test_status_rows_count_pods_read_the_quota_and_find_the_newest_activity() -> None:
    def pod(ns: str, phase: str, created: str, started: str | None = None) -> dict:
        states = [{"state": {"running": {"startedAt": started}}}] if started else []
        return {"metadata": {"namespace": ns, "creationTimestamp": created},
                "status": {"phase": phase, "containerStatuses": states}}  # fmt: skip

    pods = [pod("learner-ada", "Running", "2026-12-02T10:00:00Z", "2026-12-02T10:01:00Z"),
            pod("learner-ada", "Pending", "2026-12-02T09:00:00Z"),
            pod("lesson-pods", "Running", "2026-12-02T11:00:00Z")]
    quotas = [{"metadata": {"namespace": "learner-ada", "name": "learner-quota"},
               "status": {"used": {"pods": "2"}, "hard": {"pods": "20"}}}]
    events = [{"metadata": {"namespace": "learner-bo"}, "lastTimestamp": "2026-12-02T10:30:00Z"}]
    ada, bo = workshop.learner_status(["ada", "bo"], pods, quotas, events)
    assert (ada.running, ada.pods, ada.quota) == (1, 2, "pods 2/20")
    assert ada.last_activity == datetime(2026, 12, 2, 10, 1, tzinfo=UTC), "a container start counts"
    assert (bo.pods, bo.quota, bo.last_activity) == (0, "pods 0/?", datetime(2026, 12, 2, 10, 30, tzinfo=UTC))
    table = workshop.render_status([ada, bo], datetime(2026, 12, 2, 12, 1, tzinfo=UTC))
    assert table.splitlines()[1].split() == ["ada", "learner-ada", "1/2", "pods", "2/20", "2h", "ago"]
    assert table.splitlines()[2].endswith("91m ago")


@pytest.mark.parametrize("name", ["Ada", "ada_l", "-ada", "a" * 56, ""])
def test_learner_names_must_fit_a_namespace(name: str) -> None:
    with pytest.raises(KdsError, match="cannot name a learner"):
        learner_manifests(name)


def test_learner_kubeconfig() -> None:
    config = learner_kubeconfig("ada", server="https://10.0.0.1:6443", ca_data="Q0E=", token="tok", cluster="shared")
    assert config["current-context"] == "workshop-ada"
    assert config["clusters"] == [
        {
            "name": "shared",
            "cluster": {"server": "https://10.0.0.1:6443", "certificate-authority-data": "Q0E="},
        }
    ]
    assert config["users"] == [{"name": "learner-ada", "user": {"token": "tok"}}]
    assert config["contexts"][0]["context"]["namespace"] == "learner-ada"


def test_create_applies_server_side_writes_private_files_and_registers_nothing(
    kubeconfig_file, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    calls: list[list[str]] = []
    applied: list[dict] = []
    view = (
        '{"clusters": [{"name": "shared", "cluster": {"server": "https://10.0.0.1:6443", '
        '"certificate-authority-data": "Q0E="}}]}'
    )

    def run(args: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        if "apply" in args:
            applied.extend(json.loads(str(kwargs["input"]))["items"])
        out = view if "view" in args else (f"tok-{args[args.index('--namespace') + 1]}\n" if "token" in args else "")
        return subprocess.CompletedProcess(args, 0, out, "")

    monkeypatch.setattr(workshop, "run", run)
    monkeypatch.setattr(kube, "run", run)
    names = tmp_path / "names.txt"
    names.write_text("ada\n# the back row\nbo\n")
    assert main(["workshop", "create", "--names", str(names), "--context", "admin", "--output", str(tmp_path)]) == 0
    apply_call = next(c for c in calls if "apply" in c)
    assert apply_call[:5] == ["kubectl", "--context", "admin", "apply", "--server-side"]
    assert [m["kind"] for m in applied].count("Namespace") == 2 and applied[0]["metadata"]["name"] == "kds-learner"
    assert ["kubectl", "--context", "admin", "create", "token", "learner", "--namespace", "learner-bo",
            "--duration=48h"] in calls  # fmt: skip
    for name in ("ada", "bo"):
        out = tmp_path / f"learner-{name}.kubeconfig"
        assert yaml.safe_load(out.read_text())["users"][0]["user"]["token"] == f"tok-learner-{name}"
        assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert kube.workshop_contexts() == [], "the instructor's own guard stays as it was"


def test_create_refuses_a_missing_names_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["workshop", "create", "--names", str(tmp_path / "names.txt")]) == 1
    assert "There is no file" in capsys.readouterr().err


def test_join_merges_and_registers(kubeconfig_file, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    mine = kubeconfig_file("mine", "kind-kds")
    monkeypatch.setenv("KUBECONFIG", str(mine))
    given = tmp_path / "learner-ada.kubeconfig"
    given.write_text(
        yaml.safe_dump(learner_kubeconfig("ada", server="https://x", ca_data=None, token="t", cluster="shared"))
    )
    assert main(["workshop", "join", str(given)]) == 0
    merged = yaml.safe_load(mine.read_text())
    assert merged["current-context"] == "workshop-ada"
    assert {"kind-kds", "workshop-ada"} <= {c["name"] for c in merged["contexts"]}
    assert kube.require_course_context() == "workshop-ada"


def test_join_refuses_other_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "config"
    other.write_text(yaml.safe_dump({"current-context": "prod-eks"}))
    assert main(["workshop", "join", str(other)]) == 1
    assert "not a kubeconfig made by" in capsys.readouterr().err


def test_join_refuses_a_missing_file(tmp_path: Path) -> None:
    with pytest.raises(KdsError, match="There is no file") as err:
        workshop.join(tmp_path / "learner-ada.kubeconfig", progress=lambda _: None)
    assert "learner-<name>.kubeconfig" in err.value.fix


def test_join_leaves_a_malformed_kubeconfig_untouched_and_allows_nothing(
    use_context: Callable[..., Path], tmp_path: Path
) -> None:
    mine = use_context("kind-kds")
    broken = b"apiVersion: v1\nclusters: [unclosed\n"
    mine.write_bytes(broken)
    given = tmp_path / "learner-ada.kubeconfig"
    kube.write_kubeconfig(given, learner_kubeconfig("ada", server="https://x", ca_data=None, token="t", cluster="s"))
    with pytest.raises(KubeconfigInvalid) as err:
        workshop.join(given, progress=lambda _: None)
    assert str(mine) in err.value.message and str(mine) in err.value.fix
    assert mine.read_bytes() == broken
    assert kube.workshop_contexts() == []


def test_join_returns_the_context_and_says_where_it_went(
    use_context: Callable[..., Path], tmp_path: Path
) -> None:
    mine = use_context("kind-kds")
    given = tmp_path / "learner-ada.kubeconfig"
    kube.write_kubeconfig(given, learner_kubeconfig("ada", server="https://x", ca_data=None, token="t", cluster="s"))
    lines: list[str] = []
    assert workshop.join(given, progress=lines.append) == "workshop-ada"
    assert lines == [f"context workshop-ada added to {mine}, selected, and allowed for the kds helpers"]
    assert oct(mine.stat().st_mode & 0o777) == "0o600"


LESSONS = sorted((Path(__file__).resolve().parents[2] / "lessons").glob("*.ipynb"))


def test_every_lesson_that_needs_its_own_cluster_exists_and_says_so_in_its_text() -> None:
    from tests.learner_sweep import lesson_name

    by_name = {lesson_name(path): path for path in LESSONS}
    assert set(workshop.NEEDS_OWN_CLUSTER) <= set(by_name), "each key is a name a lesson gives kds.lesson"
    for name in workshop.NEEDS_OWN_CLUSTER:
        text = "".join("".join(cell["source"]) for cell in json.loads(by_name[name].read_text())["cells"]
                       if cell["cell_type"] == "markdown")  # fmt: skip
        assert "**On a shared workshop cluster**" in text, f"{by_name[name].name} must say what differs for learners"


def test_the_instructor_guide_lists_every_lesson_as_the_sweep_runs_it() -> None:
    from tests.learner_sweep import lesson_name

    guide = (Path(__file__).resolve().parents[2] / "instructors" / "guide.md").read_text()
    rows = {line.split("|")[1].strip()[:2]: line.split("|")[2].strip() for line in guide.splitlines()
            if line.startswith("| ") and line.split("|")[1].strip()[:2].isdigit()}  # fmt: skip
    assert sorted(rows) == [path.name[:2] for path in LESSONS], "one row per lesson"
    for path in LESSONS:
        why = workshop.NEEDS_OWN_CLUSTER.get(lesson_name(path) or "")
        assert rows[path.name[:2]] == (f"no: {why}" if why else "yes"), path.name


@pytest.mark.parametrize("on_node", [True, False])
def test_a_learner_never_loads_an_image_and_is_told_who_can(
    use_context: Callable[..., Path], monkeypatch: pytest.MonkeyPatch, on_node: bool
) -> None:
    from kdsutils import builder
    from kdsutils.images import course_image

    use_context("workshop-ada", namespace="learner-ada")
    kube.register_workshop_context("workshop-ada")
    ref = course_image("mlflow").ref
    calls: list[list[str]] = []

    def run(args: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        names = f'["{ref}"] ["kds.invalid/busybox:1.35"]' if on_node else '["kds.invalid/busybox:1.35"]'
        return subprocess.CompletedProcess(args, 0, names, "")

    monkeypatch.setattr(builder, "run", run)
    if on_node:
        assert builder.load_image("mlflow") == ref
    else:
        with pytest.raises(builder.BuildError, match="not on the shared cluster") as err:
            builder.load_image("mlflow")
        assert "--image mlflow" in err.value.fix
    assert [args[:3] for args in calls] == [["kubectl", "get", "node"]], "only read, never build or import"
