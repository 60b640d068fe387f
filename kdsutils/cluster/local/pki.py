"""Certificates and keys for the local engine, made once at its first start."""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass, field
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from kdsutils.errors import EngineError

VALID_FOR = dt.timedelta(days=3650)


@dataclass(frozen=True)
class CertSpec:
    """One certificate signed by the cluster CA."""

    name: str
    common_name: str
    organization: str | None = None
    server: bool = False
    client: bool = False
    dns_names: list[str] = field(default_factory=list)
    ips: list[str] = field(default_factory=list)
    ca: str = "ca"


#: The CAs, by file name: the cluster's, and the front proxy's, which signs only the API
#: server's client certificate for the aggregation layer (requests it passes on to an
#: extension API server such as metrics-server carry the user in headers that this CA vouches for).
CAS = {"ca": "kds-ca", "front-proxy-ca": "kds-front-proxy-ca"}


def cert_specs(node_name: str, node_ip: str, api_service_ip: str) -> list[CertSpec]:
    """The certificates a single-node cluster needs (pure: no files touched)."""
    api_dns = [
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
        "localhost",
        node_name,
    ]
    return [
        CertSpec("apiserver", "kube-apiserver", server=True, dns_names=api_dns,
                 ips=["127.0.0.1", node_ip, api_service_ip]),
        CertSpec("apiserver-kubelet-client", "kube-apiserver-kubelet-client", "system:masters", client=True),
        # As kubeadm does: the learner's admin is in a group RBAC grants cluster-admin (and could
        # take it away); only the engine's own set-up uses system:masters, which bypasses RBAC.
        CertSpec("admin", "kubernetes-admin", "kubeadm:cluster-admins", client=True),
        CertSpec("super-admin", "kubernetes-super-admin", "system:masters", client=True),
        CertSpec("controller-manager", "system:kube-controller-manager", client=True),
        CertSpec("scheduler", "system:kube-scheduler", client=True),
        CertSpec("kube-proxy", "system:kube-proxy", client=True),
        CertSpec("kubelet-client", f"system:node:{node_name}", "system:nodes", client=True),
        CertSpec("kubelet", node_name, server=True, dns_names=[node_name, "localhost"], ips=[node_ip, "127.0.0.1"]),
        CertSpec("front-proxy-client", "front-proxy-client", client=True, ca="front-proxy-ca"),
    ]


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption())


def _write(path: Path, data: bytes, *, secret: bool = False) -> None:
    path.write_bytes(data)
    if secret:
        path.chmod(0o600)


def _name(common_name: str, organization: str | None = None) -> x509.Name:
    parts = [x509.NameAttribute(NameOID.COMMON_NAME, common_name)]
    if organization:
        parts.insert(0, x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    return x509.Name(parts)


def _issue(spec: CertSpec, ca_cert: x509.Certificate, ca_key: ec.EllipticCurvePrivateKey,
           key: ec.EllipticCurvePrivateKey, now: dt.datetime) -> x509.Certificate:
    usages = ([ExtendedKeyUsageOID.SERVER_AUTH] if spec.server else []) + (
        [ExtendedKeyUsageOID.CLIENT_AUTH] if spec.client else [])
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(spec.common_name, spec.organization))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + VALID_FOR)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, True, False, False, False, False, False, False), critical=True)
        .add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    )
    alt = [x509.DNSName(n) for n in spec.dns_names] + [x509.IPAddress(ipaddress.ip_address(i)) for i in spec.ips]
    if alt:
        builder = builder.add_extension(x509.SubjectAlternativeName(alt), critical=False)
    return builder.sign(ca_key, hashes.SHA256())


def _ensure_ca(
    directory: Path, name: str, common_name: str, now: dt.datetime
) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    """Load the CA `name` (``<name>.crt``, ``<name>.key``), making it first if it is not there."""
    crt, key_path = directory / f"{name}.crt", directory / f"{name}.key"
    if not crt.exists():
        key = _key()
        cert = (
            x509.CertificateBuilder()
            .subject_name(_name(common_name))
            .issuer_name(_name(common_name))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + VALID_FOR)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(True, False, True, False, False, True, True, False, False), critical=True)
            .sign(key, hashes.SHA256())
        )
        _write(key_path, _pem_key(key), secret=True)
        _write(crt, cert.public_bytes(serialization.Encoding.PEM))
    key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise EngineError(f"{key_path} is not a key this engine made.",
                          fix="`kds delete` wipes the cluster's data so `kds up` can make a new one")
    return x509.load_pem_x509_certificate(crt.read_bytes()), key


def ensure_pki(directory: Path, *, node_name: str, node_ip: str, api_service_ip: str) -> None:
    """Create the CA, every certificate and the service-account key pair, unless present.

    Existing files are kept, so a restarted cluster keeps its identity.
    """
    directory.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    cas = {name: _ensure_ca(directory, name, common_name, now) for name, common_name in CAS.items()}
    for spec in cert_specs(node_name, node_ip, api_service_ip):
        crt = directory / f"{spec.name}.crt"
        if crt.exists():
            continue
        key = _key()
        _write(directory / f"{spec.name}.key", _pem_key(key), secret=True)
        _write(crt, _issue(spec, *cas[spec.ca], key, now).public_bytes(serialization.Encoding.PEM))
    if not (directory / "sa.key").exists():
        sa = _key()
        _write(directory / "sa.key", _pem_key(sa), secret=True)
        _write(directory / "sa.pub", sa.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo))
