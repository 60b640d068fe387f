"""Which cluster backend this machine uses: kind (Docker or Podman) or the local engine.

The decision is a pure function of a few facts (`HostFacts`), so every branch is unit-tested
without Docker; `host_facts()` gathers the real ones.
"""

from __future__ import annotations

import json
import os
import platform
from dataclasses import dataclass

from kdsutils._run import run
from kdsutils.cluster import BACKENDS
from kdsutils.errors import EngineError, KdsError, ToolMissing

ENGINES = ("docker", "podman")
ENV_VAR = "KDS_BACKEND"


@dataclass(frozen=True)
class HostFacts:
    """What the backend choice depends on.

    Attributes:
        system: ``platform.system()``: "Linux", "Darwin" or "Windows".
        engine: "docker" or "podman" when that engine's daemon answers `info`, else None.
        env_backend: The value of ``$KDS_BACKEND`` ("" when unset).
    """

    system: str
    engine: str | None
    env_backend: str = ""


def container_engine() -> str | None:
    """Return "docker" or "podman", whichever answers `info` first, or None.

    A Docker client without a running daemon does not count: `docker info` fails then.

    Examples:
        >>> container_engine()  # doctest: +SKIP
        'docker'
    """
    for engine in ENGINES:
        if engine_info(engine) is not None:
            return engine
    return None


def engine_info(engine: str) -> dict | None:
    """Return `<engine> info` as a dict, or None when the engine is missing or not running.

    Examples:
        >>> engine_info("docker")["MemTotal"]  # doctest: +SKIP
        8233906176
    """
    try:
        proc = run(
            [engine, "info", "--format", "json" if engine == "podman" else "{{json .}}"],
            check=False,
            timeout=30,
        )
    except ToolMissing:
        return None
    if proc.returncode != 0:
        return None
    try:
        info = json.loads(proc.stdout)
    except json.JSONDecodeError:
        return None
    return info if isinstance(info, dict) else None


def host_facts() -> HostFacts:
    """Gather the facts `choose_backend` decides on (runs `docker info`, maybe `podman info`).

    Examples:
        >>> host_facts()  # doctest: +SKIP
        HostFacts(system='Linux', engine=None, env_backend='')
    """
    return HostFacts(system=platform.system(), engine=container_engine(), env_backend=os.environ.get(ENV_VAR, ""))


def preferred_backend(facts: HostFacts) -> str:
    """The backend the facts point to, without judging whether it can run (pure).

    ``$KDS_BACKEND`` when it names a backend, else kind when Docker or Podman answers, else
    the local engine. `choose_backend` adds the checks; `kds doctor` reports on this one.

    Examples:
        >>> preferred_backend(HostFacts(system="Darwin", engine=None))
        'local'
    """
    wanted = facts.env_backend.strip().lower()
    if wanted in BACKENDS:
        return wanted
    return "kind" if facts.engine else "local"


def choose_backend(explicit: str | None = None, *, facts: HostFacts | None = None) -> str:
    """Decide which backend runs the course cluster: "kind" or "local".

    The order: an explicit choice (``kds up --backend ...``), then ``$KDS_BACKEND``, then kind
    whenever Docker or Podman answers, then the local engine on Linux. The local engine runs
    on Linux only; elsewhere Docker Desktop (or Podman) is required.

    Args:
        explicit: "kind" or "local", or None to decide from the facts.
        facts: The host facts; gathered with `host_facts()` when omitted.

    Returns:
        "kind" or "local".

    Raises:
        KdsError: when the choice is not a known backend.
        EngineError: when the chosen (or only possible) backend cannot run on this host.

    Examples:
        >>> choose_backend(facts=HostFacts(system="Darwin", engine="docker"))
        'kind'
        >>> choose_backend(facts=HostFacts(system="Linux", engine=None))
        'local'
        >>> choose_backend("local", facts=HostFacts(system="Linux", engine="docker"))
        'local'
    """
    facts = facts or host_facts()
    wanted = explicit or facts.env_backend.strip().lower() or None
    if wanted is not None and wanted not in BACKENDS:
        source = "--backend" if explicit else f"${ENV_VAR}"
        raise KdsError(
            f"Unknown backend {wanted!r} (from {source}).",
            fix=f"use one of: {', '.join(BACKENDS)}",
        )
    if wanted == "local" or (wanted is None and facts.engine is None):
        if facts.system != "Linux":
            raise EngineError(
                f"No running Docker or Podman was found, and the local engine runs on Linux only "
                f"(this is {facts.system}).",
                fix="install Docker Desktop (https://docs.docker.com/desktop/), start it, and run `kds up` again",
            )
        return "local"
    if facts.engine is None:
        raise EngineError(
            "The kind backend needs Docker or Podman, and neither answered `info`.",
            fix="start Docker (Docker Desktop, or `sudo systemctl start docker`), or on Linux use "
            "`kds up --backend local`",
        )
    return "kind"
