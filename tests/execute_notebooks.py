"""Execute notebooks against the live cluster and store their real outputs in place.

    python -m tests.execute_notebooks lessons/11-pods.ipynb [...]

Each notebook runs in its own folder, as nbval and JupyterLab run it. A cell tagged
`raises-exception` may fail; any other failing cell stops that notebook with the error.
Durations go to _build/execute-times.json.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]


def execute(path: Path, timeout: int = 600, *, store: bool = True) -> float:
    """Run a notebook in its folder; store its outputs in place unless `store` is False; return seconds."""
    nb = nbformat.read(path, as_version=4)
    start = time.monotonic()
    NotebookClient(nb, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    if store:
        nbformat.write(nb, path)
    return time.monotonic() - start


def main(paths: list[str]) -> int:
    times = {}
    for name in paths:
        path = Path(name).resolve()
        print(f"executing {path.relative_to(REPO)}", flush=True)
        times[str(path.relative_to(REPO))] = round(execute(path), 1)
        print(f"  done in {times[str(path.relative_to(REPO))]} s", flush=True)
    out = REPO / "_build" / "execute-times.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(times, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
