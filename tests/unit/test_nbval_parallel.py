"""How make nbval shares the notebooks between its parallel runs."""

from __future__ import annotations

from pathlib import Path

from tests.nbval_parallel import BOUND, bind, plan, topics

REPO = Path(__file__).resolve().parents[2]


def test_a_topic_stays_together_lesson_first() -> None:
    found = topics(["solutions/15-config.ipynb", "exercises/15-config.ipynb", "lessons/15-config.ipynb",
                    "lessons/10-cluster.ipynb"])  # fmt: skip
    assert found == {
        "10-cluster": ["lessons/10-cluster.ipynb"],
        "15-config": ["lessons/15-config.ipynb", "exercises/15-config.ipynb", "solutions/15-config.ipynb"],
    }


def test_topics_go_to_the_least_loaded_run_and_none_is_split() -> None:
    groups = {"a": ["l/a", "s/a"], "b": ["l/b"], "c": ["l/c"], "d": ["l/d"]}
    seconds = {"l/a": 100, "s/a": 100, "l/b": 150, "l/c": 60, "l/d": 30}
    runs = plan(groups, seconds, 2)
    assert runs == [["l/a", "s/a", "l/d"], ["l/b", "l/c"]]  # 230 s and 210 s
    assert plan(groups, seconds, 1) == [["l/a", "s/a", "l/b", "l/c", "l/d"]]


def test_every_notebook_of_the_course_is_planned_once() -> None:
    notebooks = [str(p.relative_to(REPO)) for folder in ("lessons", "exercises", "solutions")
                 for p in sorted((REPO / folder).glob("*.ipynb"))]  # fmt: skip
    runs = plan(bind(topics(notebooks)), {}, 2)
    assert sorted(name for run in runs for name in run) == sorted(notebooks)
    for names in BOUND:
        holding = [n for n, run in enumerate(runs) if any(Path(name).stem in names for name in run)]
        assert len(holding) == 1, f"the topics {names} share cluster-wide state: one run holds them all"
    assert all(Path(f"lessons/{name}.ipynb").as_posix() in notebooks for names in BOUND for name in names)
