"""The course cluster: two backends behind one small interface, chosen in one place.

- ``kind``: the cluster as one Docker (or Podman) container (`kdsutils.cluster.kind`).
- ``local``: the local engine, Kubernetes run as host processes on Linux
  (`kdsutils.cluster.local`).

Both name the node `NODE` and publish the same `NODE_PORTS`, so one stored notebook output
serves both. What differs between them is written here once (`CONTEXTS`, `PORTS`); every
other module asks this one. `backend()` returns the module that implements `Backend`.
"""

from __future__ import annotations

import importlib
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol, cast

from kdsutils import images

#: Called with one line of progress at a time (`print`, or the CLI's prefixed printer).
Progress = Callable[[str], None]

BACKENDS = ("kind", "local")
NODE = "kds-control-plane"
#: NodePorts a Service can use to answer at http://localhost:<port> on either backend.
NODE_PORTS = (30000, 30001, 30002)
#: The NodePort of the course app store (`kdsutils.appstore`): http://localhost:30080.
APPSTORE_NODE_PORT = 30080
#: Every NodePort published on the host.
PUBLISHED_PORTS = (*NODE_PORTS, APPSTORE_NODE_PORT)
#: The local engine's API server port on the host (kind picks a random one itself).
LOCAL_API_PORT = 6443
#: metrics-server's objects (the source of `kubectl top`), which both backends apply.
METRICS_SERVER = Path(__file__).with_name("metrics-server.yaml")


def metrics_server_manifest() -> str:
    """metrics-server's objects, with the course image's name filled in (pure but for the read).

    Examples:
        >>> "kind: APIService" in metrics_server_manifest()
        True
    """
    text = string.Template(METRICS_SERVER.read_text())
    return text.substitute(METRICS_SERVER_IMAGE=images.reference("metrics-server"))


#: The kubeconfig context each backend creates.
CONTEXTS = {"kind": "kind-kds", "local": "kds-local"}
#: The host ports each backend needs free.
PORTS = {"kind": PUBLISHED_PORTS, "local": (LOCAL_API_PORT, *PUBLISHED_PORTS)}


@dataclass(frozen=True)
class Status:
    """What `kds status` shows of a backend, the same shape for both.

    Attributes:
        running: Whether the whole cluster runs.
        components: Each part and its state in words ("running (pid 4242)", "running",
            "exited"), or None when it is not running.
    """

    running: bool
    components: dict[str, str | None] = field(default_factory=dict)


class Backend(Protocol):
    """What a backend module provides (`kind` and `local` both do)."""

    CONTEXT: str

    def up(self, *, progress: Progress = print) -> None:
        """Start the cluster, or heal it; safe to run again."""

    def down(self, *, progress: Progress = print) -> None:
        """Stop the cluster."""

    def delete(self, *, progress: Progress = print) -> None:
        """Stop the cluster and wipe its data."""

    def status(self) -> Status:
        """Report what runs now."""


def backend(name: str) -> Backend:
    """Return the backend module called `name` ("kind" or "local"), imported on first use.

    Examples:
        >>> backend("kind").CONTEXT
        'kind-kds'
    """
    if name not in BACKENDS:
        from kdsutils.errors import KdsError

        raise KdsError(f"Unknown backend {name!r}.", fix=f"use one of: {', '.join(BACKENDS)}")
    return cast(Backend, importlib.import_module(f"{__name__}.{name}"))


def running(name: str) -> bool:
    """Whether the cluster of backend `name` runs; False when its tools are missing or do not answer."""
    from kdsutils.errors import KdsError

    try:
        return backend(name).status().running
    except (KdsError, OSError):
        return False
