"""The local engine's pure parts: configuration, its kubeconfig entries, host checks."""

from __future__ import annotations

import base64
import json
import time
import tomllib
from pathlib import Path

import pytest
import yaml

from kdsutils import kube
from kdsutils.cluster import local
from kdsutils.cluster.local import pki


def test_components_start_in_dependency_order() -> None:
    names = [c.name for c in local.components(Path("/s"))]
    assert names == ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler",
                     "containerd", "kubelet", "kube-proxy"]


def test_kubelet_is_named_like_kind_and_allows_cgroup_v1() -> None:
    kubelet = next(c for c in local.components(Path("/s")) if c.name == "kubelet")
    assert "--hostname-override=kds-control-plane" in kubelet.args
    config = local.kubelet_config(Path("/s"), Path("/r"))
    assert config["failCgroupV1"] is False
    assert config["cgroupDriver"] == "cgroupfs"
    assert config["clusterDNS"] == ["10.96.0.10"]


def test_containerd_config_is_valid_toml_with_our_sandbox_image() -> None:
    text = local.containerd_config(Path("/s"), Path("/r"), "/usr/sbin/runc", ["/usr/lib/cni"])
    config = tomllib.loads(text)
    assert config["version"] == 3
    images = config["plugins"]["io.containerd.cri.v1.images"]
    assert images["pinned_images"]["sandbox"].startswith("kds.invalid/pause:")
    runtime = config["plugins"]["io.containerd.cri.v1.runtime"]
    assert runtime["containerd"]["runtimes"]["runc"]["options"]["SystemdCgroup"] is False


def test_cni_gateway_is_the_node_address() -> None:
    ranges = local.cni_config(Path("/s"))["plugins"][0]["ipam"]["ranges"]
    assert ranges == [[{"subnet": "10.244.0.0/24", "gateway": local.NODE_IP}]]
    json.dumps(local.cni_config(Path("/s")))


def test_addons_fill_every_placeholder() -> None:
    docs = list(yaml.safe_load_all(local.addons_manifest(Path("/state"))))
    assert "${" not in local.addons_manifest(Path("/state"))
    kinds = {(d["kind"], d["metadata"]["name"]) for d in docs}
    assert ("StorageClass", "standard") in kinds
    assert ("Deployment", "coredns") in kinds
    service = next(d for d in docs if d["kind"] == "Service")
    assert service["spec"]["clusterIP"] == "10.96.0.10"


def test_merge_kubeconfig_keeps_other_contexts() -> None:
    existing = {
        "apiVersion": "v1", "kind": "Config", "current-context": "prod",
        "clusters": [{"name": "prod", "cluster": {"server": "https://prod"}},
                     {"name": "kds-local", "cluster": {"server": "https://old"}}],
        "users": [{"name": "prod", "user": {"token": "t"}}],
        "contexts": [{"name": "prod", "context": {"cluster": "prod", "user": "prod"}}],
    }
    ours = local.kubeconfig("kds-local", "https://127.0.0.1:6443", Path("/pki"), "admin")
    merged = kube.merge_kubeconfig(existing, ours)
    assert merged["current-context"] == "kds-local"
    assert [c["name"] for c in merged["clusters"]] == ["prod", "kds-local"]
    assert merged["clusters"][1]["cluster"]["server"] == "https://127.0.0.1:6443"
    assert [u["name"] for u in merged["users"]] == ["prod", "kds-local-admin"]


def test_up_adds_the_admin_context_and_delete_takes_it_out_keeping_the_others(
    use_context, tmp_path: Path
) -> None:
    mine = use_context("prod-eks")
    before = yaml.safe_load(mine.read_text())
    state = tmp_path / "state"
    (state / "pki").mkdir(parents=True)
    for name in ("ca.crt", "admin.crt", "admin.key"):
        (state / "pki" / name).write_bytes(f"PEM of {name}".encode())
    assert local.install_kubeconfig(state) == mine
    added = yaml.safe_load(mine.read_text())
    assert added["current-context"] == "kds-local"
    ours = next(u for u in added["users"] if u["name"] == "kds-local")
    assert base64.b64decode(ours["user"]["client-key-data"]) == b"PEM of admin.key", "certificates are embedded"
    assert {c["name"] for c in added["contexts"]} == {c["name"] for c in before["contexts"]}
    assert oct(mine.stat().st_mode & 0o777) == "0o600"
    kube.remove_from_kubeconfig(local.CONTEXT)
    left = yaml.safe_load(mine.read_text())
    assert "kds-local" not in {c["name"] for c in left["contexts"]}
    assert "kds-local" not in {c["name"] for c in left["clusters"]} | {u["name"] for u in left["users"]}
    assert left["current-context"] == ""
    assert {c["name"] for c in left["clusters"]} == {c["name"] for c in before["clusters"]} - {"kds-local"}


def test_unsupported_hosts_are_told_to_use_kind(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local.platform, "system", lambda: "Darwin")
    assert "use kind" in local.supported().lower()


def test_non_root_is_told_to_use_sudo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local.platform, "system", lambda: "Linux")
    monkeypatch.setattr(local.os, "geteuid", lambda: 1000)
    assert "sudo" in local.supported()


def test_pki_has_the_names_clients_use(tmp_path: Path) -> None:
    pki.ensure_pki(tmp_path, node_name="kds-control-plane", node_ip="10.244.0.1", api_service_ip="10.96.0.1")
    from cryptography import x509

    cert = x509.load_pem_x509_certificate((tmp_path / "apiserver.crt").read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "kubernetes.default.svc" in san.get_values_for_type(x509.DNSName)
    assert {str(ip) for ip in san.get_values_for_type(x509.IPAddress)} == {"127.0.0.1", "10.244.0.1", "10.96.0.1"}
    before = (tmp_path / "ca.crt").read_bytes()
    pki.ensure_pki(tmp_path, node_name="kds-control-plane", node_ip="10.244.0.1", api_service_ip="10.96.0.1")
    assert (tmp_path / "ca.crt").read_bytes() == before, "a second start keeps the cluster's identity"


def test_the_front_proxy_client_is_signed_by_its_own_ca(tmp_path: Path) -> None:
    from cryptography import x509

    pki.ensure_pki(tmp_path, node_name="kds-control-plane", node_ip="10.244.0.1", api_service_ip="10.96.0.1")
    client = x509.load_pem_x509_certificate((tmp_path / "front-proxy-client.crt").read_bytes())
    front = x509.load_pem_x509_certificate((tmp_path / "front-proxy-ca.crt").read_bytes())
    cluster = x509.load_pem_x509_certificate((tmp_path / "ca.crt").read_bytes())
    assert client.issuer == front.subject != cluster.subject
    client.verify_directly_issued_by(front)
    apiserver = next(c for c in local.components(tmp_path) if c.name == "kube-apiserver")
    flags = dict(arg.split("=", 1) for arg in apiserver.args)
    assert flags["--requestheader-allowed-names"] == client.subject.rfc4514_string().removeprefix("CN=")
    assert flags["--requestheader-client-ca-file"] == str(tmp_path / "pki" / "front-proxy-ca.crt")


SAVED = """*nat
:PREROUTING ACCEPT [0:0]
:POSTROUTING ACCEPT [0:0]
:KUBE-SERVICES - [0:0]
:CNI-abc - [0:0]
:DOCKER - [0:0]
-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES
-A POSTROUTING -s 10.244.0.5/32 -m comment --comment "name: \\"kds\\" id: \\"f00\\"" -j CNI-abc
-A POSTROUTING -o docker0 -j MASQUERADE
-A CNI-abc -d 10.244.0.0/24 -j ACCEPT
-A DOCKER -i docker0 -j RETURN
COMMIT
*filter
:FORWARD ACCEPT [0:0]
-A FORWARD -d 10.96.0.0/16 -m comment --comment "kds: service IP without a kube-proxy rule" -j REJECT
-A FORWARD -d 172.17.0.0/16 -j REJECT
COMMIT
"""


def test_iptables_cleanup_removes_only_ours() -> None:
    plan = local.iptables_cleanup_plan(SAVED)
    assert ["-t", "nat", "-D", "PREROUTING", "-m", "comment", "--comment", "kubernetes service portals",
            "-j", "KUBE-SERVICES"] in plan
    assert ["-t", "nat", "-D", "POSTROUTING", "-s", "10.244.0.5/32", "-m", "comment", "--comment",
            'name: "kds" id: "f00"', "-j", "CNI-abc"] in plan
    assert ["-t", "nat", "-X", "KUBE-SERVICES"] in plan and ["-t", "nat", "-X", "CNI-abc"] in plan
    assert ["-t", "filter", "-D", "FORWARD", "-d", "10.96.0.0/16", "-m", "comment", "--comment",
            local.SERVICE_GUARD, "-j", "REJECT"] in plan
    assert not any("DOCKER" in arg or "docker0" in arg or "172.17.0.0/16" in arg for args in plan for arg in args), \
        "others' rules stay"
    deletes = [i for i, a in enumerate(plan) if "-D" in a]
    assert max(deletes) < plan.index(["-t", "nat", "-F", "CNI-abc"]), "jumps go before their chains"


def test_a_second_start_leaves_unchanged_config_files_alone(tmp_path: Path) -> None:
    # kube-proxy exits as soon as its configuration file is written to, even with the same text.
    local.write_configs(tmp_path, tmp_path / "run", "/usr/bin/runc", ["/opt/cni/bin"])
    proxy = tmp_path / "config" / "kube-proxy.yaml"
    before = proxy.stat().st_mtime_ns
    time.sleep(0.01)
    local.write_configs(tmp_path, tmp_path / "run", "/usr/bin/runc", ["/opt/cni/bin"])
    assert proxy.stat().st_mtime_ns == before
