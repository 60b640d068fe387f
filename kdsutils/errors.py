"""One family of errors. Every message names the cause and the fix."""

from __future__ import annotations


class KdsError(Exception):
    """Base class for every error kdsutils raises on purpose.

    Args:
        message: What went wrong, in plain words.
        fix: What the learner should do about it.
    """

    def __init__(self, message: str, *, fix: str = "") -> None:
        self.message = message
        self.fix = fix
        super().__init__(f"{message}\n  Fix: {fix}" if fix else message)


class CommandError(KdsError):
    """An external command failed: shows the command, its exit code and its stderr."""

    def __init__(self, args: list[str], returncode: int, stderr: str, *, fix: str = "") -> None:
        self.args_ = args
        self.returncode = returncode
        self.stderr = stderr
        shown = " ".join(args)
        tail = "\n".join(stderr.strip().splitlines()[-15:])
        super().__init__(f"`{shown}` exited with code {returncode}:\n{tail}", fix=fix)


class ToolMissing(KdsError):
    """A program the course needs is not installed."""


class ContextRefused(KdsError):
    """The current kubeconfig context is not a course cluster."""


class KubeconfigInvalid(KdsError):
    """A kubeconfig file is not valid YAML or not a mapping; kds leaves it as it is."""


class ClusterNotReady(KdsError):
    """The cluster is down, half-started, or unreachable."""


class EngineError(KdsError):
    """The local engine cannot start on this machine as it is."""


class WaitTimeout(KdsError):
    """A wait ran out of time; the message says what was seen."""


class ManifestError(KdsError):
    """A manifest is malformed: the message points at the line."""
