"""The local engine: a real single-node Kubernetes cluster run as host processes.

The official components (built from their Go modules by ``engine/build.sh``) run as plain
processes under containerd and runc, supervised with pid files and logs in a state folder.
It is what CI runs every notebook against, and what a Linux learner without Docker uses.
The node is named ``kds-control-plane`` and the default StorageClass ``standard``, as in kind,
so one stored notebook output serves both backends.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import http.client
import json
import os
import platform
import shlex
import shutil
import signal
import ssl
import string
import subprocess
import time
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import yaml

from kdsutils import kube
from kdsutils._host import port_in_use
from kdsutils._run import run
from kdsutils.cluster import CONTEXTS, LOCAL_API_PORT, NODE, Progress, Status, metrics_server_manifest
from kdsutils.cluster.local import images
from kdsutils.cluster.local.pki import ensure_pki
from kdsutils.errors import ClusterNotReady, CommandError, EngineError
from kdsutils.versions import ENGINE_DIR, cached_binary, component_dir

CONTEXT = CONTEXTS["local"]
NODE_NAME = NODE
CLUSTER_CIDR = "10.244.0.0/16"
NODE_POD_CIDR = "10.244.0.0/24"
NODE_IP = "10.244.0.1"  # the pod bridge's own address: stable whatever network the host is on
SERVICE_CIDR = "10.96.0.0/16"
API_SERVICE_IP = "10.96.0.1"
DNS_IP = "10.96.0.10"
BRIDGE = "kds0"
API_PORT = LOCAL_API_PORT
CNI_BIN_DIRS = ["/usr/lib/cni", "/opt/cni/bin"]


def state_dir() -> Path:
    """Where the cluster keeps its data, logs and pid files (``$KDS_STATE`` overrides)."""
    if "KDS_STATE" in os.environ:
        return Path(os.environ["KDS_STATE"])
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "kds" / "local"


def run_dir() -> Path:
    """Runtime sockets (short paths: unix socket names are limited to 107 bytes)."""
    return Path(os.environ.get("KDS_RUN", "/run/kds"))


def containerd_socket() -> Path:
    """The socket where `ctr`, crictl and the kubelet reach containerd."""
    return run_dir() / "containerd" / "containerd.sock"


@dataclass(frozen=True)
class Component:
    """One supervised process: its program, its arguments and the port that shows it is up."""

    name: str
    binary: str
    args: list[str]
    ports: tuple[int, ...] = ()


def components(state: Path) -> list[Component]:
    """Every engine process in start order (pure: builds argument lists only)."""
    pki = state / "pki"
    conf = state / "config"
    return [
        Component("etcd", "etcd", [
            "--name=kds", f"--data-dir={state / 'etcd'}",
            "--listen-client-urls=http://127.0.0.1:2379", "--advertise-client-urls=http://127.0.0.1:2379",
            "--listen-peer-urls=http://127.0.0.1:2380", "--initial-advertise-peer-urls=http://127.0.0.1:2380",
            "--initial-cluster=kds=http://127.0.0.1:2380", "--log-level=warn",
        ], (2379, 2380)),
        Component("kube-apiserver", "kube-apiserver", [
            f"--advertise-address={NODE_IP}", f"--secure-port={API_PORT}",
            "--etcd-servers=http://127.0.0.1:2379",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            f"--client-ca-file={pki / 'ca.crt'}",
            f"--tls-cert-file={pki / 'apiserver.crt'}", f"--tls-private-key-file={pki / 'apiserver.key'}",
            f"--kubelet-client-certificate={pki / 'apiserver-kubelet-client.crt'}",
            f"--kubelet-client-key={pki / 'apiserver-kubelet-client.key'}",
            "--kubelet-preferred-address-types=InternalIP",
            # The aggregation layer, for metrics-server (`kubectl top`): the API server passes a
            # request on with the user in headers, proving itself with the front proxy's certificate,
            # and dials the extension's Pod directly (the host reaches Pod IPs over the bridge).
            f"--requestheader-client-ca-file={pki / 'front-proxy-ca.crt'}",
            "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-username-headers=X-Remote-User", "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-",
            f"--proxy-client-cert-file={pki / 'front-proxy-client.crt'}",
            f"--proxy-client-key-file={pki / 'front-proxy-client.key'}",
            "--enable-aggregator-routing=true",
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            f"--service-account-key-file={pki / 'sa.pub'}",
            f"--service-account-signing-key-file={pki / 'sa.key'}",
            "--authorization-mode=Node,RBAC", "--enable-admission-plugins=NodeRestriction",
            "--allow-privileged=true", "--profiling=false", "--v=1",
        ], (API_PORT,)),
        Component("kube-controller-manager", "kube-controller-manager", [
            f"--kubeconfig={conf / 'controller-manager.kubeconfig'}",
            f"--authentication-kubeconfig={conf / 'controller-manager.kubeconfig'}",
            f"--authorization-kubeconfig={conf / 'controller-manager.kubeconfig'}",
            "--bind-address=127.0.0.1", "--leader-elect=false",
            f"--service-account-private-key-file={pki / 'sa.key'}", f"--root-ca-file={pki / 'ca.crt'}",
            f"--cluster-signing-cert-file={pki / 'ca.crt'}", f"--cluster-signing-key-file={pki / 'ca.key'}",
            "--use-service-account-credentials=true",
            "--allocate-node-cidrs=true", f"--cluster-cidr={CLUSTER_CIDR}", "--node-cidr-mask-size=24",
            f"--service-cluster-ip-range={SERVICE_CIDR}",
            "--controllers=*,bootstrapsigner,tokencleaner", "--profiling=false",
        ], (10257,)),
        Component("kube-scheduler", "kube-scheduler", [
            f"--kubeconfig={conf / 'scheduler.kubeconfig'}",
            f"--authentication-kubeconfig={conf / 'scheduler.kubeconfig'}",
            f"--authorization-kubeconfig={conf / 'scheduler.kubeconfig'}",
            "--bind-address=127.0.0.1", "--leader-elect=false", "--profiling=false",
        ], (10259,)),
        Component("containerd", "containerd", [f"--config={conf / 'containerd.toml'}"]),
        Component("kubelet", "kubelet", [
            f"--config={conf / 'kubelet.yaml'}", f"--kubeconfig={conf / 'kubelet.kubeconfig'}",
            f"--hostname-override={NODE_NAME}", f"--node-ip={NODE_IP}",
            f"--root-dir={state / 'kubelet'}", f"--cert-dir={state / 'kubelet' / 'pki'}",
            "--node-labels=kds.course/node=local", "--v=1",
        ], (10250, 10248)),
        Component("kube-proxy", "kube-proxy", [f"--config={conf / 'kube-proxy.yaml'}"], (10256, 10249)),
    ]


# ---------------------------------------------------------------- configuration files (pure)


def kubeconfig(name: str, server: str, pki: Path, cert: str) -> dict:
    """A kubeconfig that authenticates with one of the cluster's client certificates."""
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": name, "cluster": {"server": server, "certificate-authority": str(pki / "ca.crt")}}],
        "users": [{"name": f"{name}-{cert}", "user": {
            "client-certificate": str(pki / f"{cert}.crt"), "client-key": str(pki / f"{cert}.key")}}],
        "contexts": [{"name": name, "context": {"cluster": name, "user": f"{name}-{cert}"}}],
        "current-context": name,
    }


def containerd_config(state: Path, rundir: Path, runc: str, cni_bin_dirs: list[str]) -> str:
    """Containerd 2.x configuration (version 3): CRI with runc, cgroupfs, our CNI folder."""
    pause = images.reference("pause")
    cni = ", ".join(f'"{d}"' for d in cni_bin_dirs)
    return f"""version = 3
root = "{state / 'containerd'}"
state = "{rundir / 'containerd' / 'state'}"

[grpc]
  address = "{rundir / 'containerd' / 'containerd.sock'}"

[ttrpc]
  address = "{rundir / 'containerd' / 'containerd.sock.ttrpc'}"

[plugins.'io.containerd.cri.v1.images']
  snapshotter = "overlayfs"
  [plugins.'io.containerd.cri.v1.images'.pinned_images]
    sandbox = "{pause}"

[plugins.'io.containerd.cri.v1.runtime']
  # Hosts without CAP_SYS_RESOURCE (some VMs and sandboxes) cannot lower oom_score_adj;
  # clamp to containerd's own value instead of failing every pod sandbox.
  restrict_oom_score_adj = true
  [plugins.'io.containerd.cri.v1.runtime'.containerd]
    default_runtime_name = "runc"
    [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
        BinaryName = "{runc}"
        SystemdCgroup = false
  [plugins.'io.containerd.cri.v1.runtime'.cni]
    bin_dirs = [{cni}]
    conf_dir = "{state / 'cni' / 'net.d'}"
"""


def cni_config(state: Path) -> dict:
    """The pod network: one bridge whose gateway is the node's own address."""
    return {
        "cniVersion": "1.0.0",
        "name": "kds",
        "plugins": [
            {
                "type": "bridge", "bridge": BRIDGE, "isGateway": True, "ipMasq": True, "hairpinMode": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": NODE_POD_CIDR, "gateway": NODE_IP}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                    "dataDir": str(state / "cni" / "ipam"),
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }


def kubelet_config(state: Path, rundir: Path) -> dict:
    """KubeletConfiguration: cgroupfs on this cgroup v1 host, kind-like relaxed eviction."""
    pki = state / "pki"
    return {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "address": NODE_IP,
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"enabled": True},
            "x509": {"clientCAFile": str(pki / "ca.crt")},
        },
        "authorization": {"mode": "Webhook"},
        "tlsCertFile": str(pki / "kubelet.crt"),
        "tlsPrivateKeyFile": str(pki / "kubelet.key"),
        "cgroupDriver": "cgroupfs",
        "failCgroupV1": False,
        "failSwapOn": False,
        "clusterDNS": [DNS_IP],
        "clusterDomain": "cluster.local",
        "containerRuntimeEndpoint": f"unix://{rundir / 'containerd' / 'containerd.sock'}",
        "podLogsDir": str(state / "pod-logs"),
        "healthzBindAddress": "127.0.0.1",
        "healthzPort": 10248,
        "readOnlyPort": 0,
        "resolvConf": "/etc/resolv.conf",
        "evictionHard": {"nodefs.available": "0%", "nodefs.inodesFree": "0%", "imagefs.available": "0%"},
        "imageGCHighThresholdPercent": 100,
        "serializeImagePulls": False,
        "rotateCertificates": False,
        "oomScoreAdj": 0,
    }


def kube_proxy_config(state: Path) -> dict:
    """KubeProxyConfiguration: iptables mode; NodePorts answer on localhost as with kind."""
    return {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "clientConnection": {"kubeconfig": str(state / "config" / "kube-proxy.kubeconfig")},
        "mode": "iptables",
        "clusterCIDR": CLUSTER_CIDR,
        "hostnameOverride": NODE_NAME,
        "bindAddress": NODE_IP,
        "healthzBindAddress": "127.0.0.1:10256",
        "metricsBindAddress": "127.0.0.1:10249",
        "nodePortAddresses": ["127.0.0.0/8", f"{NODE_IP}/32"],
        "oomScoreAdj": 0,
        "conntrack": {"maxPerCore": 0, "min": 0, "tcpEstablishedTimeout": "0s", "tcpCloseWaitTimeout": "0s"},
    }


def addons_manifest(state: Path) -> str:
    """CoreDNS, the local-path provisioner, the default StorageClass and metrics-server, filled in."""
    template = string.Template((ENGINE_DIR / "addons.yaml").read_text())
    return template.safe_substitute(
        COREDNS_IMAGE=images.reference("coredns"),
        PROVISIONER_IMAGE=images.reference("local-path-provisioner"),
        BUSYBOX_IMAGE=images.reference("busybox"),
        DNS_IP=DNS_IP,
        STORAGE_DIR=str(state / "storage"),
    ) + "---\n" + metrics_server_manifest()


def _write_if_changed(path: Path, text: str) -> None:
    """Write `text` unless the file holds it already: kube-proxy exits when its file is written to."""
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def write_configs(state: Path, rundir: Path, runc: str, cni_bin_dirs: list[str]) -> None:
    """Write every configuration file the components read (rewritten on a start only when it changed)."""
    conf, pki = state / "config", state / "pki"
    (state / "cni" / "net.d").mkdir(parents=True, exist_ok=True)
    conf.mkdir(parents=True, exist_ok=True)
    server = f"https://127.0.0.1:{API_PORT}"
    for name, cert in [("admin", "admin"), ("super-admin", "super-admin"), ("controller-manager", "controller-manager"),
                       ("scheduler", "scheduler"), ("kube-proxy", "kube-proxy"), ("kubelet", "kubelet-client")]:
        cfg = kubeconfig(CONTEXT, server, pki, cert)
        _write_if_changed(conf / f"{name}.kubeconfig", yaml.safe_dump(cfg))
        (conf / f"{name}.kubeconfig").chmod(0o600)
    _write_if_changed(conf / "containerd.toml", containerd_config(state, rundir, runc, cni_bin_dirs))
    _write_if_changed(conf / "kubelet.yaml", yaml.safe_dump(kubelet_config(state, rundir)))
    _write_if_changed(conf / "kube-proxy.yaml", yaml.safe_dump(kube_proxy_config(state)))
    _write_if_changed(state / "cni" / "net.d" / "10-kds.conflist", json.dumps(cni_config(state), indent=2))


def _embedded_admin_kubeconfig(state: Path) -> dict:
    """The admin kubeconfig with certificates embedded, so it survives being copied."""
    pki = state / "pki"

    def b64(name: str) -> str:
        return base64.b64encode((pki / name).read_bytes()).decode()

    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": CONTEXT, "cluster": {
            "server": f"https://127.0.0.1:{API_PORT}", "certificate-authority-data": b64("ca.crt")}}],
        "users": [{"name": CONTEXT, "user": {
            "client-certificate-data": b64("admin.crt"), "client-key-data": b64("admin.key")}}],
        "contexts": [{"name": CONTEXT, "context": {"cluster": CONTEXT, "user": CONTEXT}}],
        "current-context": CONTEXT,
    }


def install_kubeconfig(state: Path) -> Path:
    """Add the cluster's admin context to the user's kubeconfig, keeping all others; return the file."""
    return kube.add_to_kubeconfig(_embedded_admin_kubeconfig(state))


# ---------------------------------------------------------------- host facts and checks


def supported() -> str | None:
    """None when this host can run the local engine, otherwise the reason and the fix."""
    if platform.system() != "Linux":
        return (f"The local engine runs on Linux only (this is {platform.system()}). "
                "Use kind: install Docker Desktop, then run `kds up --backend kind`.")
    if os.geteuid() != 0:
        return ("The local engine runs containers and changes the network, so it needs root. "
                "Run it with sudo (`sudo -E .venv/bin/kds up`), or use kind with Docker.")
    if not Path("/sys/fs/cgroup").is_dir() or not any(Path("/sys/fs/cgroup").iterdir()):
        return "No cgroup filesystem is mounted at /sys/fs/cgroup; containers cannot be limited."
    return None


def host_problems() -> list[str]:
    """What is missing on the host, each with its fix (empty when ready)."""
    problems = []
    reason = supported()
    if reason:
        return [reason]
    if not any(Path(d, "bridge").exists() for d in CNI_BIN_DIRS):
        problems.append("The CNI plugins are missing: `apt-get install containernetworking-plugins`.")
    for tool, package in [("iptables", "iptables"), ("ip", "iproute2"), ("mount", "mount")]:
        if not shutil.which(tool):
            problems.append(f"`{tool}` is missing: `apt-get install {package}`.")
    programs = [c.binary for c in components(state_dir())] + ["runc", "crictl", "ctr"]
    missing = [name for name in programs if cached_binary(name) is None]
    if missing:
        problems.append(f"The engine is not built yet ({', '.join(missing)}): run `make engine`.")
    return problems


# ---------------------------------------------------------------- process supervision


def _held(port: int, grace: float = 5) -> bool:
    """True when the port stays taken for ``grace`` seconds (a process that just died frees it)."""
    deadline = time.monotonic() + grace
    while port_in_use(port):
        if time.monotonic() > deadline:
            return True
        time.sleep(0.2)
    return False


def check_ports(stopped: list[Component]) -> None:
    """Refuse before anything starts when a port a stopped component needs is taken."""
    for comp in stopped:
        busy = [p for p in comp.ports if _held(p)]
        if busy:
            raise EngineError(
                f"Port {busy[0]} is already in use, so {comp.name} cannot start. Another Kubernetes "
                "(kind, minikube, k3s, a kubelet) or another program holds it. Nothing was started.",
                fix=f"find it with `ss -ltnp 'sport = :{busy[0]}'` and stop it, then run `kds up` again")


def _pid_file(state: Path, name: str) -> Path:
    return state / "run" / f"{name}.pid"


def running_pid(state: Path, comp: Component) -> int | None:
    """The pid of a component kds started and that is still alive, else None."""
    pid_file = _pid_file(state, comp.name)
    try:
        pid = int(pid_file.read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    binary = cached_binary(comp.binary)
    starting = cmdline == [b""]  # a process still inside exec() shows an empty command line
    if binary is None or (not starting and cmdline[0] != str(binary).encode()):
        return None  # the pid was reused by another program
    with contextlib.suppress(OSError):
        if Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] != "Z":
            return pid
    return None


def _start(state: Path, comp: Component, env: dict[str, str]) -> int:
    binary = cached_binary(comp.binary)
    if binary is None:
        raise EngineError(f"{comp.binary} is not built.", fix="run `make engine`")
    logs = state / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    (state / "run").mkdir(parents=True, exist_ok=True)
    with open(logs / f"{comp.name}.log", "ab") as log:
        proc = subprocess.Popen(
            [str(binary), *comp.args], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            start_new_session=True, env=env, cwd=state,
        )
    _pid_file(state, comp.name).write_text(str(proc.pid))
    return proc.pid


def _stop(state: Path, comp: Component, timeout: float = 20) -> None:
    pid = running_pid(state, comp)
    if pid is not None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and running_pid(state, comp) == pid:
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)
            time.sleep(0.1)
        if running_pid(state, comp) == pid:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
    _pid_file(state, comp.name).unlink(missing_ok=True)


def _log_tail(state: Path, name: str, lines: int = 12) -> str:
    path = state / "logs" / f"{name}.log"
    if not path.exists():
        return "(no log)"
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


#: What a health probe raises while its component is still starting (refused, reset, not yet
#: serving TLS, kubectl failing). Anything else is a bug and surfaces at once.
PROBE_FAILURES = (OSError, http.client.HTTPException, CommandError)


def _wait(what: str, probe: Callable[[], bool], timeout: float, state: Path, comp: Component | None) -> None:
    """Poll ``probe`` with backoff until it is true; explain what was seen when time runs out."""
    deadline = time.monotonic() + timeout
    delay = 0.05
    while True:
        with contextlib.suppress(*PROBE_FAILURES):
            if probe():
                return
        if comp is not None and running_pid(state, comp) is None:
            raise EngineError(f"{comp.name} exited while starting. The end of its log "
                              f"({state / 'logs' / (comp.name + '.log')}):\n{_log_tail(state, comp.name)}",
                              fix="read the log above; `kds down` then `kds up` retries from a clean start")
        if time.monotonic() > deadline:
            tail = _log_tail(state, comp.name) if comp else ""
            raise ClusterNotReady(f"{what} was not ready after {timeout:.0f} s.\n{tail}",
                                  fix="run `kds status`, read the logs in " + str(state / "logs"))
        time.sleep(delay)
        delay = min(delay * 1.5, 1.0)


def _https_ok(url: str, state: Path) -> bool:
    pki = state / "pki"
    ctx = ssl.create_default_context(cafile=str(pki / "ca.crt"))
    ctx.load_cert_chain(str(pki / "super-admin.crt"), str(pki / "super-admin.key"))
    with urllib.request.urlopen(url, context=ctx, timeout=2) as resp:
        return resp.status == 200


def _http_ok(url: str) -> bool:
    with urllib.request.urlopen(url, timeout=2) as resp:
        return resp.status == 200


def admin_kubectl(state: Path, *args: str, input: str | None = None, timeout: float = 60) -> str:
    """Run kubectl as the engine's super-admin (``system:masters``), whatever the user's context is.

    It sets the cluster up, including the binding that makes the learner's admin an admin.
    """
    return run(["kubectl", f"--kubeconfig={state / 'config' / 'super-admin.kubeconfig'}", *args],
               input=input, timeout=timeout).stdout


# ---------------------------------------------------------------- host network and mounts


def _sysctl(key: str, value: str) -> None:
    path = Path("/proc/sys") / key.replace(".", "/")
    if path.exists() and path.read_text().strip() != value:
        path.write_text(value)


def prepare_host() -> None:
    """Shared mount propagation, forwarding, bridge netfilter and the node's bridge."""
    run(["mount", "--make-rshared", "/"])
    if not Path("/proc/sys/net/bridge").exists():
        run(["modprobe", "br_netfilter"], check=False)
    _sysctl("net.ipv4.ip_forward", "1")
    _sysctl("net.bridge.bridge-nf-call-iptables", "1")
    if run(["ip", "link", "show", BRIDGE], check=False).returncode != 0:
        run(["ip", "link", "add", BRIDGE, "type", "bridge"])
    addrs = run(["ip", "-o", "-4", "addr", "show", "dev", BRIDGE]).stdout
    if f" {NODE_IP}/" not in addrs:
        run(["ip", "addr", "add", f"{NODE_IP}/24", "dev", BRIDGE])
    run(["ip", "link", "set", BRIDGE, "up"])
    for rule in service_guard_rules():
        if run(["iptables", "-w", "-C", *rule], check=False).returncode != 0:
            run(["iptables", "-w", "-I", *rule[:1], "1", *rule[1:]])


SERVICE_GUARD = "kds: service IP without a kube-proxy rule"


def service_guard_rules() -> list[list[str]]:
    """Filter rules that refuse traffic to a Service IP kube-proxy has not translated (yet).

    In the seconds between creating a Service and kube-proxy writing its rules, a packet to its
    ClusterIP would follow the host's default route off the machine, and whatever answers
    there (a proxy's 404, say) would look like the Service's reply. Filter rules see packets
    after kube-proxy's DNAT, so only untranslated ones still carry a Service IP: they are
    refused on the spot, and the caller sees "connection refused" and retries.

    Examples:
        >>> service_guard_rules()[0][:4]
        ['FORWARD', '-d', '10.96.0.0/16', '-m']
    """
    tail = ["-d", SERVICE_CIDR, "-m", "comment", "--comment", SERVICE_GUARD, "-j", "REJECT"]
    return [["FORWARD", *tail], ["OUTPUT", *tail]]


def mounts_under(*roots: Path) -> list[str]:
    """Mount points below any of the folders, deepest first (from /proc/self/mountinfo)."""
    found = []
    for line in Path("/proc/self/mountinfo").read_text().splitlines():
        point = line.split()[4].replace("\\040", " ")
        if any(point == str(r) or point.startswith(f"{r}/") for r in roots):
            found.append(point)
    return sorted(set(found), key=lambda p: p.count("/"), reverse=True)


def unmount_under(*roots: Path) -> int:
    """Unmount everything the runtime left below these folders; returns how many."""
    points = mounts_under(*roots)
    for point in points:
        run(["umount", "-l", point], check=False)
    return len(points)


def iptables_cleanup_plan(saved: str) -> list[list[str]]:
    """The iptables arguments that remove what this cluster added (pure: reads `iptables-save`).

    Ours are the ``KUBE-*`` chains (kubelet and kube-proxy) and the per-pod chains and rules the
    bridge plugin tags with our network's name, and the Service-IP guard rules. Rules elsewhere
    that jump to them go first, then the chains are flushed, then deleted.
    """
    table, rules, chains = "", [], {}
    for line in saved.splitlines():
        if line.startswith("*"):
            table = line[1:]
            chains[table] = []
        elif line.startswith(":"):
            chains[table].append(line[1:].split()[0])
        elif line.startswith("-A "):
            rules.append((table, shlex.split(line)[1:]))
    ours = {(t, c) for t, names in chains.items() for c in names if c.startswith("KUBE-")}
    tagged = [(t, r) for t, r in rules if 'name: "kds"' in " ".join(r) or SERVICE_GUARD in r]
    ours |= {(t, r[r.index("-j") + 1]) for t, r in tagged if "-j" in r and r[r.index("-j") + 1].startswith("CNI-")}
    plan = []
    for t, r in rules:
        target = r[r.index("-j") + 1] if "-j" in r else None
        if (t, r[0]) not in ours and ((t, target) in ours or (t, r) in tagged):
            plan.append(["-t", t, "-D", *r])
    plan += [["-t", t, "-F", c] for t, c in sorted(ours)]
    plan += [["-t", t, "-X", c] for t, c in sorted(ours)]
    return plan


def _remove_network(state: Path) -> None:
    if run(["ip", "link", "show", BRIDGE], check=False).returncode == 0:
        run(["ip", "link", "del", BRIDGE], check=False)
    shutil.rmtree(state / "cni" / "ipam", ignore_errors=True)
    for tool in ("iptables", "ip6tables"):
        if shutil.which(f"{tool}-save") is None:
            continue
        for args in iptables_cleanup_plan(run([f"{tool}-save"], check=False).stdout):
            run([tool, "-w", *args], check=False)


# ---------------------------------------------------------------- lifecycle


def _component_env(state: Path) -> dict[str, str]:
    containerd_bin = component_dir("containerd")
    path = f"{containerd_bin}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
    return {"PATH": path, "HOME": str(state), "LANG": "C.UTF-8"}


def _crictl(rundir: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    crictl = cached_binary("crictl")
    endpoint = f"unix://{rundir / 'containerd' / 'containerd.sock'}"
    return run([str(crictl), f"--runtime-endpoint={endpoint}", f"--image-endpoint={endpoint}", *args],
               check=False, timeout=timeout)


def _node_ready(state: Path) -> bool:
    out = admin_kubectl(state, "get", "node", NODE_NAME, "-o",
                        "jsonpath={.status.conditions[?(@.type=='Ready')].status}", timeout=10)
    return out.strip() == "True"


def _apply_addons(state: Path) -> None:
    admin_kubectl(state, "label", "node", NODE_NAME, "--overwrite",
                  "node-role.kubernetes.io/control-plane=")
    admin_kubectl(state, "apply", "--server-side", "--force-conflicts", "-f", "-",
                  input=addons_manifest(state))


@contextlib.contextmanager
def _exclusive() -> Iterator[None]:
    """One `kds up/down/delete` at a time: a second caller waits for the first to finish."""
    rundir = run_dir()
    rundir.mkdir(parents=True, exist_ok=True)
    with open(rundir / "lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _image_record(state: Path) -> Path:
    """Which archive each image in containerd came from (kept with containerd's data)."""
    return state / "containerd" / "kds-images.json"


def load_image(name: str, *, progress: Progress = print) -> None:
    """Put the course image `name` into the running engine's containerd, building it first if needed."""
    images.load(name, containerd_socket(), _image_record(state_dir()), progress=progress)


def pids() -> dict[str, int | None]:
    """Each engine process and its pid, or None when it is not running."""
    state = state_dir()
    return {c.name: running_pid(state, c) for c in components(state)}


def status() -> Status:
    """What runs now: each engine process, with its pid."""
    found = pids()
    shown = {name: None if pid is None else f"running (pid {pid})" for name, pid in found.items()}
    return Status(running=all(found.values()), components=shown)


def up(*, progress: Progress = print, timeout: float = 180) -> None:
    """Start the cluster, or heal it: only dead components are started again.

    Raises:
        EngineError: the host cannot run it, a port is taken, or a component fails to start.
    """
    with _exclusive():
        _up(progress, timeout)


def build(*, progress: Progress = print) -> None:
    """Install the host packages, build the engine and its images; cached, so fast when done."""
    reason = supported()
    if reason:
        raise EngineError(reason, fix="use kind (`kds up --backend kind`) or run as root on Linux")
    progress("Building the local engine: parts already built are skipped (a first build took 28 minutes on 2 cores)")
    run(["bash", str(ENGINE_DIR / "host-packages.sh")], stream=True, timeout=1800,
        fix="install the packages it names, then run `kds up` again")
    # The course images need none of the engine's programs and mostly download wheels, so
    # they build while the engine compiles; the engine's own images wait for its programs.
    with ThreadPoolExecutor(1) as pool:
        course = pool.submit(images.build_all, images.course_names(), progress=progress)
        run(["bash", str(ENGINE_DIR / "build.sh")], stream=True, timeout=7200,
            fix="read the build output above; running `kds up` again resumes where it stopped")
        course.result()
    images.build_all(progress=progress)


def _up(progress: Progress, timeout: float) -> None:
    if supported() is None and any("make engine" in p for p in host_problems()):
        build(progress=progress)
    problems = host_problems()
    if problems:
        raise EngineError("The local engine cannot start here yet:\n- " + "\n- ".join(problems),
                          fix="fix the items above (or run `make engine` as root), then `kds up` again")
    state, rundir = state_dir(), run_dir()
    comps = {c.name: c for c in components(state)}
    runtime_dead = running_pid(state, comps["containerd"]) is None
    if runtime_dead and running_pid(state, comps["kubelet"]) is not None:
        _stop(state, comps["kubelet"])  # a kubelet without its runtime only reports errors
    check_ports([c for c in comps.values() if running_pid(state, c) is None])
    if runtime_dead:
        # Leftovers of a runtime that died with the machine's session: unmount before reuse.
        unmount_under(rundir / "containerd", state / "kubelet" / "pods", state / "containerd")
    (rundir / "containerd").mkdir(parents=True, exist_ok=True)
    state.mkdir(parents=True, exist_ok=True)
    progress("Preparing the host (mount propagation, forwarding, bridge kds0)")
    prepare_host()
    ensure_pki(state / "pki", node_name=NODE_NAME, node_ip=NODE_IP, api_service_ip=API_SERVICE_IP)
    write_configs(state, rundir, str(cached_binary("runc")), [d for d in CNI_BIN_DIRS if Path(d).is_dir()])
    env = _component_env(state)
    health = {
        "etcd": lambda: _http_ok("http://127.0.0.1:2379/health"),
        "kube-apiserver": lambda: _https_ok(f"https://127.0.0.1:{API_PORT}/readyz", state),
        "kube-controller-manager": lambda: port_in_use(10257),
        "kube-scheduler": lambda: port_in_use(10259),
        "containerd": lambda: containerd_socket().exists()
        and _crictl(rundir, "version", timeout=5).returncode == 0,
        "kubelet": lambda: _http_ok("http://127.0.0.1:10248/healthz"),
        "kube-proxy": lambda: port_in_use(10256),
    }
    for name, comp in comps.items():
        if running_pid(state, comp) is None:
            progress(f"Starting {name}")
            _start(state, comp, env)
        _wait(name, health[name], timeout, state, comp)
        if name == "containerd":
            images.import_all(containerd_socket(), _image_record(state), progress=progress)
    install_kubeconfig(state)
    progress(f"Waiting for node {NODE_NAME} to be Ready")
    _wait(f"node {NODE_NAME}", lambda: _node_ready(state), timeout, state, comps["kubelet"])
    _apply_addons(state)
    progress("Waiting for CoreDNS and the storage provisioner")
    admin_kubectl(state, "-n", "kube-system", "rollout", "status", "deployment/coredns",
                  f"--timeout={int(timeout)}s", timeout=timeout + 10)
    admin_kubectl(state, "-n", "local-path-storage", "rollout", "status", "deployment/local-path-provisioner",
                  f"--timeout={int(timeout)}s", timeout=timeout + 10)
    progress(f"The cluster is ready: context {CONTEXT}, node {NODE_NAME}")


def down(*, progress: Progress = print) -> None:
    """Stop everything kds started; remove its mounts, bridge and iptables rules. Data is kept."""
    with _exclusive():
        _down(progress)


def _down(progress: Progress) -> None:
    state, rundir = state_dir(), run_dir()
    comps = {c.name: c for c in components(state)}
    progress("Stopping kubelet")
    _stop(state, comps["kubelet"])
    if running_pid(state, comps["containerd"]) is not None:
        progress("Removing pod sandboxes (their network is released through CNI)")
        _crictl(rundir, "rmp", "--all", "--force", timeout=180)
    for name in ("kube-proxy", "containerd", "kube-scheduler", "kube-controller-manager", "kube-apiserver", "etcd"):
        progress(f"Stopping {name}")
        _stop(state, comps[name])
    proxy = cached_binary("kube-proxy")
    if proxy is not None:
        run([str(proxy), "--cleanup"], check=False)
    unmount_under(rundir / "containerd", state)
    _remove_network(state)
    progress("The local engine is stopped; its data stays for the next `kds up`")


def delete(*, progress: Progress = print) -> None:
    """Stop the cluster and wipe its data (etcd, certificates, images, volumes)."""
    with _exclusive():
        _down(progress)
    state = state_dir()
    if mounts_under(state):
        raise EngineError(f"Some mounts under {state} could not be removed; the data was kept.",
                          fix=f"run `grep {state} /proc/self/mountinfo`, unmount them, then `kds delete`")
    shutil.rmtree(state, ignore_errors=True)
    shutil.rmtree(run_dir(), ignore_errors=True)
    kube.remove_from_kubeconfig(CONTEXT)
    progress(f"The cluster's data was deleted ({state})")
