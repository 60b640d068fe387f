"""Fail when a notebook or test left a namespace or a published chart behind (after nbval).

With ``--clear`` (before the tests), delete instead what a run stopped early left behind.

Notebooks and tests start the deletion of their namespaces and go on; Kubernetes empties a
namespace in the background. So a namespace that is still terminating gets time to go, and
one that is still active was never cleaned up.
"""

from __future__ import annotations

import sys
import time

from kdsutils import appstore
from kdsutils._run import run

PREFIXES = ("lesson-", "smoke-", "kds-test-", "learner-")


def leftovers(prefixes: tuple[str, ...] = PREFIXES) -> dict[str, str]:
    """Namespaces whose names start with one of the prefixes, with their phase."""
    out = run(["kubectl", "get", "namespaces", "-o",
               "jsonpath={range .items[*]}{.metadata.name} {.status.phase}{\"\\n\"}{end}"]).stdout
    found = dict(line.split() for line in out.splitlines() if line.strip())
    return {name: phase for name, phase in found.items() if name.startswith(prefixes)}


def wait_gone(prefixes: tuple[str, ...] = PREFIXES, timeout: float = 180) -> dict[str, str]:
    """Wait for terminating namespaces to go; return what is left (empty when all is clean)."""
    deadline = time.monotonic() + timeout
    left = leftovers(prefixes)
    while left and "Active" not in left.values() and time.monotonic() < deadline:
        time.sleep(1)
        left = leftovers(prefixes)
    return left


def report(left: dict[str, str]) -> str:
    """Why the run fails, naming each namespace and what it means."""
    active = [n for n, phase in left.items() if phase == "Active"]
    stuck = [n for n, phase in left.items() if phase != "Active"]
    lines = []
    if active:
        lines.append(f"Never deleted: {', '.join(sorted(active))}. Each notebook and test must delete the "
                     "namespaces it creates (lesson.cleanup() in the last cell).")
    if stuck:
        lines.append(f"Still terminating after the wait: {', '.join(sorted(stuck))}. "
                     "`kubectl get all -n <name>` and the namespace's status conditions say what holds it.")
    return "\n".join(lines)


def clear(prefixes: tuple[str, ...] = PREFIXES) -> list[str]:
    """Delete what a run that was stopped early left behind (namespaces, charts); return its names.

    `make test` starts with it, so no output depends on how the run before it ended.
    """
    names = sorted(leftovers(prefixes))
    if names:
        run(["kubectl", "delete", "namespaces", *names, "--wait=false", "--ignore-not-found"])
    left = wait_gone(prefixes)
    if left:
        raise SystemExit(report(left))
    return names + appstore.remove_learner_charts()


def foreign_charts() -> list[str]:
    """Charts in the app store that the course does not ship: a notebook published and kept them."""
    return sorted(name for name in appstore.charts() if name not in appstore.course_charts())


if __name__ == "__main__":
    if sys.argv[1:] == ["--clear"]:
        cleared = clear()
        print(f"Deleted what an earlier run left: {', '.join(cleared)}." if cleared else "Nothing was left behind.")
        sys.exit(0)
    left, charts = wait_gone(), foreign_charts()
    if left:
        print(report(left), file=sys.stderr)
    if charts:
        print(f"Still in the app store: {', '.join(charts)}. A notebook that publishes a chart removes it "
              "at the end (appstore.delete).", file=sys.stderr)
    if left or charts:
        sys.exit(1)
    print("No lesson or test namespace, and no published chart, was left behind.")
