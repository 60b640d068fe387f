"""Run the lessons as workshop learners: every notebook a learner may do, executed in a learner's namespace.

    python -m tests.learner_sweep [--learners 2] [NOTEBOOK...]

A class of learners is made on the course cluster with `kds workshop create`; each learner
joins in a kubeconfig of their own (the machine's stays untouched) and executes a share of
the notebooks, all at once, as learners of one room do. By default the notebooks are every
lesson and solution whose lesson is not in `workshop.NEEDS_OWN_CLUSTER`; each notebook's
lesson name is read from its `kds.lesson("...")` call. Execution must succeed; outputs are
not compared (a learner's namespace is not the page's). The class is deleted at the end.

Each notebook's result and time go to ``_build/learner-sweep.json``. The exit code is 1 when
any notebook failed.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
import time
import traceback
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from kdsutils import kube, workshop
from tests.execute_notebooks import execute

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "_build" / "learner-sweep.json"
#: What an instructor loads for the class, as the guide says (lab 38's second exercise runs MLflow).
LEARNER_IMAGES = ("mlflow",)
LESSON_CALL = re.compile(r'kds\.lesson\("([^"]+)"')


def lesson_name(notebook: Path) -> str | None:
    """The name a notebook gives `kds.lesson`, or None when it starts no lesson."""
    cells = json.loads(notebook.read_text())["cells"]
    code = "".join(line for cell in cells if cell["cell_type"] == "code" for line in cell["source"])
    found = LESSON_CALL.search(code)
    return found.group(1) if found else None


def for_learners(notebooks: list[Path]) -> list[Path]:
    """The notebooks a learner of a shared cluster may run (pure but for reading the files)."""
    names = {path: lesson_name(path) for path in notebooks}
    return [path for path, name in names.items()
            if name and name.removesuffix("-ex") not in workshop.NEEDS_OWN_CLUSTER]  # fmt: skip


def learner_run(kubeconfig: str, folder: str, notebooks: list[str]) -> dict[str, dict]:
    """Join as the learner of `kubeconfig` in a kubeconfig of our own, then execute `notebooks`.

    What the learners' Pods use is measured by `bench/workshop.py`, which runs this sweep.
    """
    # As `make` runs them: the course's kubectl and helm before any other on the machine.
    os.environ["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    os.environ["KUBECONFIG"] = str(Path(folder) / "config")
    os.environ["KDS_WORKSHOP_CONTEXTS"] = str(Path(folder) / "workshop-contexts")
    workshop.join(kubeconfig, progress=lambda message: None)
    results = {}
    for name in notebooks:
        start = time.monotonic()
        try:
            execute(REPO / name, store=False)
            results[name] = {"ok": True}
        except Exception as exc:  # the sweep reports every notebook, then fails
            results[name] = {"ok": False, "error": "".join(traceback.format_exception_only(exc))[-3000:]}
        results[name]["seconds"] = round(time.monotonic() - start, 1)
        print(f"  {'ok  ' if results[name]['ok'] else 'FAIL'} {name} ({results[name]['seconds']} s, "
              f"as {Path(kubeconfig).stem})", flush=True)  # fmt: skip
        if not results[name]["ok"]:
            print("    " + results[name]["error"].strip().splitlines()[-1][:300], flush=True)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=2)
    parser.add_argument("notebooks", nargs="*")
    args = parser.parse_args(argv)
    given = [Path(n).resolve() for n in args.notebooks] or sorted((REPO / "lessons").glob("*.ipynb")) + sorted(
        (REPO / "solutions").glob("*.ipynb"))  # fmt: skip
    chosen = [str(p.relative_to(REPO)) for p in for_learners(given)]
    admin = kube.require_course_context()
    names = [f"sweep-{i}" for i in range(1, args.learners + 1)]
    # A topic's lesson and solution go to one learner, so each learner's share is balanced by count.
    shares: list[list[str]] = [[] for _ in names]
    for index, notebook in enumerate(sorted(chosen, key=lambda n: (Path(n).stem, n))):
        shares[(index // 2) % len(names)].append(notebook)
    print(f"learner sweep: {len(chosen)} notebooks as {len(names)} learners of a class on {admin}", flush=True)
    results: dict[str, dict] = {}
    with tempfile.TemporaryDirectory(prefix="kds-sweep-") as tmp:
        workshop.create(names, context=admin, output=tmp, duration="2h", images=LEARNER_IMAGES,
                        progress=lambda m: print(f"  {m}"))  # fmt: skip
        try:
            folders = [Path(tmp) / name for name in names]
            with ProcessPoolExecutor(len(names)) as pool:
                for folder in folders:
                    folder.mkdir()
                runs = [pool.submit(learner_run, str(Path(tmp) / f"learner-{name}.kubeconfig"), str(folder), share)
                        for name, folder, share in zip(names, folders, shares, strict=True)]  # fmt: skip
                for future in runs:
                    results.update(future.result())
        finally:
            workshop.delete(names, context=admin, progress=lambda m: print(f"  {m}"))
    OUT.parent.mkdir(exist_ok=True)
    OUT.write_text(json.dumps(results, indent=2) + "\n")
    failed = [name for name, result in results.items() if not result["ok"]]
    for name in failed:
        print(f"===== {name} failed as a learner:\n{results[name]['error']}")
    print(f"learner sweep: {len(results) - len(failed)} passed, {len(failed)} failed ({OUT.relative_to(REPO)})")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
