"""Benchmark the local engine; writes bench/results/engine.json (not a timed test).

Measures, in one run on this machine:
- the cold build time of each component (recorded by build.sh when it built) and the cache size;
- a warm `kds up` from stopped until the node is Ready and CoreDNS answers;
- pod start latency (create to Running) for the python-ds image, median of several pods;
- idle memory (RSS) of every engine process, and of the pods' containers;
- the peer, side by side: `kwokctl create cluster --runtime binary` using the same binaries.

Run as root with the engine built: `make bench`.
"""

from __future__ import annotations

import json
import os
import platform
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from kdsutils._run import run
from kdsutils.cluster import local
from kdsutils.cluster.local import images
from kdsutils.versions import build_report, cached_binary, versions

OUT = Path(__file__).parent / "results" / "engine.json"
PODS = 5


def dns_answers(name: str = "kubernetes.default.svc.cluster.local", server: str = local.DNS_IP) -> bool:
    """Send one DNS A query to the cluster's DNS service and check for an answer."""
    query = struct.pack(">HHHHHH", 0x4B44, 0x0100, 1, 0, 0, 0)
    query += b"".join(bytes([len(p)]) + p.encode() for p in name.split(".")) + b"\0" + struct.pack(">HH", 1, 1)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(1)
        try:
            s.sendto(query, (server, 53))
            reply = s.recv(512)
        except OSError:
            return False
    return struct.unpack(">H", reply[6:8])[0] > 0


def warm_up_seconds() -> float:
    local.down(progress=lambda _: None)
    start = time.monotonic()
    local.up(progress=lambda _: None)
    while not dns_answers():
        time.sleep(0.05)
    return time.monotonic() - start


def kubectl(*args: str, input: str | None = None) -> str:
    return run(["kubectl", "--context", local.CONTEXT, *args], input=input).stdout


def pod_start_seconds() -> list[float]:
    ns = "bench-pod-start"
    kubectl("delete", "namespace", ns, "--ignore-not-found", "--wait=true")
    kubectl("create", "namespace", ns)
    while "default" not in kubectl("-n", ns, "get", "serviceaccounts", "-o", "name"):
        time.sleep(0.2)
    samples = []
    for i in range(PODS):
        name = f"p{i}"
        start = time.monotonic()
        kubectl("-n", ns, "run", name, f"--image={images.reference('python-ds')}", "--image-pull-policy=IfNotPresent",
                "--restart=Never", "--", "sleep", "600")
        kubectl("-n", ns, "wait", "--for=jsonpath={.status.phase}=Running", f"pod/{name}", "--timeout=120s")
        samples.append(time.monotonic() - start)
    kubectl("delete", "namespace", ns, "--wait=false")
    return samples


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def descendants(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        kids = (task / "children").read_text().split()
        children += [int(k) for k in kids]
    return children + [d for c in children for d in descendants(c)]


def engine_memory_mib() -> dict[str, float]:
    """RSS of the engine's own processes, and apart from them the shims and pods running now."""
    time.sleep(20)  # let the cluster settle into idle
    per = {name: rss_kib(pid) / 1024 if pid else 0.0 for name, pid in local.pids().items()}
    per["engine total"] = sum(per.values())
    shims = [int(p.name) for p in Path("/proc").iterdir() if p.name.isdigit()
             and (p / "cmdline").exists() and b"containerd-shim-runc-v2" in (p / "cmdline").read_bytes()[:300]]
    per["containerd shims (one per pod)"] = sum(rss_kib(p) for p in shims) / 1024
    per["containers of every running pod"] = sum(rss_kib(d) for p in shims for d in descendants(p)) / 1024
    per["pods running"] = len(shims)
    return {k: round(v, 1) for k, v in per.items()}


def kwok_peer() -> dict:
    """kwokctl's binary runtime with the same etcd and Kubernetes binaries, timed to a ready API."""
    kwokctl = cached_binary("kwokctl")
    if kwokctl is None:
        return {"skipped": "kwok not built (bash kdsutils/cluster/local/engine/build.sh kwok)"}
    home = Path(tempfile.mkdtemp(prefix="kds-kwok-"))
    env = {**os.environ, "HOME": str(home), "KWOK_WORKDIR": str(home / "kwok"),
           "KUBECONFIG": str(home / "kubeconfig")}
    args = [str(kwokctl), "create", "cluster", "--name", "bench", "--runtime", "binary",
            "--kube-apiserver-binary", str(cached_binary("kube-apiserver")),
            "--kube-controller-manager-binary", str(cached_binary("kube-controller-manager")),
            "--kube-scheduler-binary", str(cached_binary("kube-scheduler")),
            "--etcd-binary", str(cached_binary("etcd")),
            "--kwok-controller-binary", str(cached_binary("kwok")),
            "--kube-apiserver-port", "16443", "--etcd-port", "12379", "--kube-controller-manager-port", "20257",
            "--kube-scheduler-port", "20259", "--controller-port", "20300", "--wait", "120s"]
    start = time.monotonic()
    proc = subprocess.run(args, capture_output=True, text=True, env=env, check=False)
    seconds = time.monotonic() - start
    result: dict = {"create_seconds": round(seconds, 2), "exit_code": proc.returncode}
    if proc.returncode != 0:
        result["stderr_tail"] = proc.stderr.strip().splitlines()[-5:]
    else:
        pids = [int(p.read_text()) for p in (home / "kwok" / "clusters" / "bench" / "pids").glob("*.pid")]
        result["memory_mib"] = round(sum(rss_kib(p) for p in pids if Path(f"/proc/{p}").exists()) / 1024, 1)
    subprocess.run([str(kwokctl), "delete", "cluster", "--name", "bench"], capture_output=True, env=env, check=False)
    shutil.rmtree(home, ignore_errors=True)
    return result


def main() -> int:
    if local.supported():
        print(local.supported(), file=sys.stderr)
        return 1
    results: dict = {
        "machine": {"cpus": os.cpu_count(), "kernel": platform.release(),
                    "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)},
        "versions": versions(),
        "build": build_report(),
    }
    results["warm_up_to_ready_and_dns_seconds"] = round(warm_up_seconds(), 2)
    samples = pod_start_seconds()
    results["pod_start_python_ds_seconds"] = {"median": round(statistics.median(samples), 2),
                                              "samples": [round(s, 2) for s in samples]}
    results["idle_memory_mib"] = engine_memory_mib()
    results["peer_kwokctl_binary_runtime"] = kwok_peer()
    results["targets"] = {"warm_up_seconds": 15, "idle_memory_mib": 1024, "pod_start_seconds": 2,
                          "cold_build_minutes": 30}
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
