"""Backend choice: kind when Docker or Podman answers, the local engine on Linux otherwise."""

from __future__ import annotations

import subprocess

import pytest

from kdsutils.cluster import detect
from kdsutils.cluster.detect import HostFacts, choose_backend
from kdsutils.errors import EngineError, KdsError, ToolMissing


@pytest.mark.parametrize(
    ("system", "engine", "expected"),
    [
        ("Darwin", "docker", "kind"),
        ("Windows", "docker", "kind"),
        ("Linux", "docker", "kind"),
        ("Linux", "podman", "kind"),
        ("Linux", None, "local"),
    ],
)
def test_automatic_choice(system: str, engine: str | None, expected: str) -> None:
    assert choose_backend(facts=HostFacts(system=system, engine=engine)) == expected


@pytest.mark.parametrize("system", ["Darwin", "Windows"])
def test_no_docker_outside_linux_says_install_docker_desktop(system: str) -> None:
    with pytest.raises(EngineError) as err:
        choose_backend(facts=HostFacts(system=system, engine=None))
    assert "Linux only" in err.value.message
    assert "Docker Desktop" in err.value.fix


def test_explicit_choice_beats_the_engine_and_the_environment() -> None:
    facts = HostFacts(system="Linux", engine="docker", env_backend="kind")
    assert choose_backend("local", facts=facts) == "local"


def test_environment_beats_the_engine() -> None:
    assert choose_backend(facts=HostFacts(system="Linux", engine="docker", env_backend="local")) == "local"
    assert choose_backend(facts=HostFacts(system="Linux", engine="docker", env_backend=" LOCAL ")) == "local"


def test_local_engine_refused_outside_linux() -> None:
    with pytest.raises(EngineError, match="Linux only"):
        choose_backend("local", facts=HostFacts(system="Darwin", engine="docker"))


def test_kind_without_engine_names_both_ways_out() -> None:
    with pytest.raises(EngineError) as err:
        choose_backend("kind", facts=HostFacts(system="Linux", engine=None))
    assert "Docker or Podman" in err.value.message
    assert "--backend local" in err.value.fix


def test_unknown_backend_names_its_source() -> None:
    with pytest.raises(KdsError, match="--backend") as err:
        choose_backend("minikube", facts=HostFacts(system="Linux", engine=None))
    assert "kind, local" in err.value.fix
    with pytest.raises(KdsError, match=r"\$KDS_BACKEND"):
        choose_backend(facts=HostFacts(system="Linux", engine=None, env_backend="k3d"))


def test_host_facts_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KDS_BACKEND", "local")
    monkeypatch.setattr(detect, "container_engine", lambda: None)
    facts = detect.host_facts()
    assert facts.env_backend == "local"
    assert facts.engine is None


def _fake_run(answers: dict[str, tuple[int, str] | None]):
    """Answer `<engine> info` per engine: (exit code, stdout), or None for a missing program."""
    calls: list[list[str]] = []

    def run(args: list[str], **_: object) -> subprocess.CompletedProcess[str]:
        calls.append(args)
        answer = answers[args[0]]
        if answer is None:
            raise ToolMissing(f"`{args[0]}` is not installed")
        code, out = answer
        return subprocess.CompletedProcess(args, code, out, "Cannot connect to the Docker daemon" if code else "")

    return run, calls


def test_docker_client_without_daemon_does_not_count(monkeypatch: pytest.MonkeyPatch) -> None:
    run, calls = _fake_run({"docker": (1, ""), "podman": None})
    monkeypatch.setattr(detect, "run", run)
    assert detect.container_engine() is None
    assert [c[:2] for c in calls] == [["docker", "info"], ["podman", "info"]]


def test_podman_answers_when_docker_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    run, _ = _fake_run({"docker": None, "podman": (0, '{"host": {"memTotal": 8000000000}}')})
    monkeypatch.setattr(detect, "run", run)
    assert detect.container_engine() == "podman"
    assert detect.engine_info("podman") == {"host": {"memTotal": 8000000000}}


def test_docker_answers_first(monkeypatch: pytest.MonkeyPatch) -> None:
    run, calls = _fake_run({"docker": (0, '{"MemTotal": 8233906176}'), "podman": (0, "{}")})
    monkeypatch.setattr(detect, "run", run)
    assert detect.container_engine() == "docker"
    assert calls == [["docker", "info", "--format", "{{json .}}"]]


def test_unreadable_info_counts_as_not_running(monkeypatch: pytest.MonkeyPatch) -> None:
    run, _ = _fake_run({"docker": (0, "WARNING: not json")})
    monkeypatch.setattr(detect, "run", run)
    assert detect.engine_info("docker") is None
