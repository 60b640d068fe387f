"""Run nbval on the notebooks in a few parallel runs, one topic never split between them.

    python -m tests.nbval_parallel [--runs 2] NOTEBOOK...

Notebooks mostly wait for the cluster, so two runs at once take little more than half the
time of one. A topic's lesson, exercises and solutions (``lessons/15-config.ipynb``,
``exercises/15-config.ipynb``, ``solutions/15-config.ipynb``) stay in one run, in that order:
the exercise and solution notebooks share a namespace and would undo each other's work. The
topics in `BOUND` share one run too.
Topics go to the run with the least work so far, longest first, by the durations of the last
benchmark (``bench/results/make-test.json``; 60 s for a notebook it does not list).

Each run writes its output to ``_build/nbval-<n>.log``, shown when it ends, and its
durations to ``_build/nbval-times-<n>.json``; they are merged into ``_build/nbval-times.json``.
The exit code is the first failing run's.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
BUILD = REPO / "_build"
FOLDERS = ("lessons", "exercises", "solutions")
UNKNOWN_SECONDS = 60.0
#: Topics that share something cluster-wide, so they run one after the other, in one run: the
#: node ports the course publishes (30000-30002: lessons 14, 17, 20), and the app store's list
#: of charts, which lesson 01 (`kds status`) and 20 (`helm search repo`) show and 25 adds to.
BOUND = (("01-setup", "14-services", "17-resources", "20-helm", "25-chart"),)


def topics(notebooks: list[str]) -> dict[str, list[str]]:
    """The notebooks by topic (file name without suffix), lessons then exercises then solutions (pure).

    Examples:
        >>> topics(["solutions/15-config.ipynb", "lessons/15-config.ipynb", "lessons/10-cluster.ipynb"])["15-config"]
        ['lessons/15-config.ipynb', 'solutions/15-config.ipynb']
    """
    found: dict[str, list[str]] = {}
    for name in sorted(notebooks, key=lambda n: (Path(n).stem, FOLDERS.index(Path(n).parent.name)
                                                 if Path(n).parent.name in FOLDERS else len(FOLDERS))):  # fmt: skip
        found.setdefault(Path(name).stem, []).append(name)
    return found


def bind(groups: dict[str, list[str]], bound: tuple[tuple[str, ...], ...] = BOUND) -> dict[str, list[str]]:
    """Merge each set of `bound` topics into one, so the planner never runs two of them at once (pure).

    Examples:
        >>> bind({"a": ["l/a"], "b": ["l/b"], "c": ["l/c"]}, (("a", "c"),))
        {'b': ['l/b'], 'a+c': ['l/a', 'l/c']}
    """
    merged = dict(groups)
    for names in bound:
        present = [name for name in names if name in merged]
        if len(present) > 1:
            merged["+".join(present)] = [notebook for name in present for notebook in merged.pop(name)]
    return merged


def plan(groups: dict[str, list[str]], seconds: dict[str, float], runs: int) -> list[list[str]]:
    """Share the topics among `runs` runs, longest first, each to the least loaded run (pure).

    Examples:
        >>> plan({"a": ["l/a"], "b": ["l/b"], "c": ["l/c"]}, {"l/a": 50, "l/b": 30, "l/c": 25}, 2)
        [['l/a'], ['l/b', 'l/c']]
    """
    cost = {topic: sum(seconds.get(n, UNKNOWN_SECONDS) for n in names) for topic, names in groups.items()}
    loads = [0.0] * runs
    chosen: list[list[str]] = [[] for _ in range(runs)]
    for topic in sorted(groups, key=lambda t: -cost[t]):
        least = loads.index(min(loads))
        loads[least] += cost[topic]
        chosen[least].append(topic)
    return [[name for topic in sorted(run) for name in groups[topic]] for run in chosen if run]


def _last_durations() -> dict[str, float]:
    bench = REPO / "bench" / "results" / "make-test.json"
    if not bench.is_file():
        return {}
    return json.loads(bench.read_text()).get("nbval_seconds_per_notebook", {})


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("notebooks", nargs="+")
    args = parser.parse_args(argv)
    BUILD.mkdir(exist_ok=True)
    runs = plan(bind(topics(args.notebooks)), _last_durations(), max(1, args.runs))
    started = []
    for n, names in enumerate(runs, start=1):
        log = BUILD / f"nbval-{n}.log"
        print(f"nbval run {n}: {len(names)} notebooks ({', '.join(sorted({Path(x).stem for x in names}))})",
              flush=True)  # fmt: skip
        command = [sys.executable, "-m", "pytest", "-q", "--nbval", "--nbval-sanitize-with",
                   "tests/nbval_sanitize.cfg", "-p", "tests.nbval_timing", *names]  # fmt: skip
        env = {**os.environ, "KDS_NBVAL_TIMES": str(BUILD / f"nbval-times-{n}.json")}
        with open(log, "w") as out:
            started.append((n, log, subprocess.Popen(command, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)))
    code = 0
    merged: dict[str, float] = {}
    for n, log, proc in started:
        returned = proc.wait()
        print(f"===== nbval run {n} (exit code {returned})\n{log.read_text()}", flush=True)
        code = code or returned
        times = BUILD / f"nbval-times-{n}.json"
        if times.is_file():
            merged.update({k: v for k, v in json.loads(times.read_text()).items() if k != "total"})
    merged = dict(sorted(merged.items()))
    merged["total"] = round(sum(merged.values()), 1)
    (BUILD / "nbval-times.json").write_text(json.dumps(merged, indent=2) + "\n")
    return code


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
