"""Fail when a notebook or test left a namespace behind (run after nbval by `make test`)."""

from __future__ import annotations

import sys

from kdsutils._run import run

PREFIXES = ("lesson-", "smoke-", "kds-test-")


def leftovers() -> list[str]:
    names = run(["kubectl", "get", "namespaces", "-o", "name"]).stdout.split()
    return [n.split("/", 1)[1] for n in names if n.split("/", 1)[1].startswith(PREFIXES)]


if __name__ == "__main__":
    # Namespaces being deleted still count: a notebook must wait for its cleanup.
    left = leftovers()
    if left:
        print(f"Left behind after the run: {', '.join(left)}. Each notebook and test must delete "
              "the namespaces it creates (lesson.cleanup() in the last cell).", file=sys.stderr)
        sys.exit(1)
    print("No lesson or test namespace was left behind.")
