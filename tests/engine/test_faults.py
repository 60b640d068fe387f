"""Bad input and faults: clear messages, nothing half-started, and self-healing `kds up`."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from kdsutils import appstore
from kdsutils._run import run
from kdsutils.cluster import local
from kdsutils.errors import EngineError
from kdsutils.images import reference
from tests.engine.conftest import get_json, kubectl, wait_for

BUSYBOX = reference("busybox")
# Components are killed and the engine goes down and up: nothing else may use the cluster meanwhile.
pytestmark = pytest.mark.serial

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _store_answers_again() -> Iterator[None]:
    """Each test restarts parts of the cluster: leave it as later tests and notebooks expect it."""
    yield
    wait_for(appstore.answering, 180, "the app store answering again")


def _kill(name: str) -> int:
    comp = next(c for c in local.components(local.state_dir()) if c.name == name)
    pid = local.running_pid(local.state_dir(), comp)
    assert pid is not None, f"{name} is not running"
    os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + 10
    while local.running_pid(local.state_dir(), comp) == pid and time.monotonic() < deadline:
        time.sleep(0.1)
    return pid


@pytest.mark.parametrize("component", ["kube-apiserver", "kubelet"])
def test_up_heals_a_killed_component_and_keeps_workloads(ns: str, component: str) -> None:
    kubectl("-n", ns, "create", "deployment", "keep", f"--image={BUSYBOX}", "--replicas=2",
            "--", "sleep", "3600")
    kubectl("-n", ns, "rollout", "status", "deployment/keep", "--timeout=120s")
    before = sorted(p["metadata"]["name"] for p in get_json("-n", ns, "pods")["items"])
    old = _kill(component)
    assert local.pids()[component] is None
    local.up(progress=lambda _: None)
    assert local.status().running
    assert local.pids()[component] not in (None, old)
    kubectl("-n", ns, "rollout", "status", "deployment/keep", "--timeout=120s")
    after = sorted(p["metadata"]["name"] for p in get_json("-n", ns, "pods")["items"])
    assert after == before, "the same pods must still run after the restart"


def test_ports_in_use_are_named_and_nothing_starts(cluster: str, tmp_path: Path, monkeypatch) -> None:
    # A second engine in another state folder finds the running cluster's ports taken.
    monkeypatch.setenv("KDS_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("KDS_RUN", str(tmp_path / "run"))
    with pytest.raises(EngineError) as err:
        local.up(progress=lambda _: None)
    assert "Port 2379 is already in use" in str(err.value)
    assert "ss -ltnp" in err.value.fix
    assert not (tmp_path / "state").exists(), "nothing may be created when a port is taken"


def test_build_without_go_names_the_fix(tmp_path: Path) -> None:
    env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": str(tmp_path), "KDS_CACHE": str(tmp_path / "c")}
    proc = subprocess.run(["bash", str(REPO / "kdsutils/cluster/local/engine/build.sh"), "etcd"],
                          capture_output=True, text=True, env=env, check=False)
    assert proc.returncode == 1
    assert "Go is not installed" in proc.stderr
    assert not (tmp_path / "c").exists()


def _host_traces() -> dict[str, object]:
    state, rundir = local.state_dir(), local.run_dir()
    iptables = run(["iptables-save"], check=False).stdout
    return {
        "bridge": run(["ip", "link", "show", local.BRIDGE], check=False).returncode == 0,
        "mounts": local.mounts_under(rundir / "containerd", state),
        "kube_chains": [line for line in iptables.splitlines() if line.startswith(":KUBE-")],
        "cni_rules": [line for line in iptables.splitlines() if 'name: \\"kds\\"' in line or 'name: "kds"' in line],
        "guard_rules": [line for line in iptables.splitlines() if local.SERVICE_GUARD in line],
        "running": [n for n, pid in local.pids().items() if pid],
    }


def test_down_removes_what_it_added_and_up_brings_workloads_back(ns: str) -> None:
    kubectl("-n", ns, "create", "deployment", "survivor", f"--image={BUSYBOX}", "--", "sleep", "3600")
    kubectl("-n", ns, "rollout", "status", "deployment/survivor", "--timeout=120s")
    running = _host_traces()
    assert running["bridge"] and running["kube_chains"] and running["guard_rules"], "a running cluster has them"
    went_down = time.time()
    local.down(progress=lambda _: None)
    traces = _host_traces()
    assert traces == {"bridge": False, "mounts": [], "kube_chains": [], "cni_rules": [], "guard_rules": [],
                      "running": []}
    local.up(progress=lambda _: None)
    # Right after `up` the Deployment's status may still be the one from before `down`; what
    # counts is a container of the same Pod running again, started after the cluster went down.
    (name,) = [p["metadata"]["name"] for p in get_json("-n", ns, "pods", "-l", "app=survivor")["items"]]
    wait_for(lambda: _running_since(ns, name) >= int(went_down), 120, f"pod {name} running again")
    wait_for(lambda: get_json("-n", ns, "deployment", "survivor")["status"].get("readyReplicas") == 1, 120,
             "the Deployment ready again")


def _running_since(ns: str, pod: str) -> float:
    """When the Pod's container started running (0 when it is not running or not ready)."""
    status = get_json("-n", ns, "pod", pod).get("status", {})
    ready = any(c["type"] == "Ready" and c["status"] == "True" for c in status.get("conditions", []))
    started = ((status.get("containerStatuses") or [{}])[0].get("state", {}).get("running") or {}).get("startedAt")
    if not (ready and started):
        return 0
    return dt.datetime.fromisoformat(started.replace("Z", "+00:00")).timestamp()
