"""The exercise-check framework: results, lazy loading by topic, typos, tiered hints, and the kit (no cluster)."""

from __future__ import annotations

import importlib
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from kubernetes.client import ApiException
from test_checks_fakes import NS, FakeCluster, pod, typed

from kdsutils import checks, kube, manifests
from kdsutils.checks import CheckResult, check, checker, hint
from kdsutils.checks import _kit as kit
from kdsutils.checks._api import topics
from kdsutils.errors import ClusterNotReady, KdsError

DEMO_HINTS = ("create a pod named web", "lesson 11, 'Your first Pod'", "`kubectl run web --image=...`")


@pytest.fixture
def registry() -> Iterator[None]:
    """Let a test register checkers of its own without leaking them."""
    saved = set(kit.registry)
    yield
    for exercise_id in set(kit.registry) - saved:
        if not kit.registry[exercise_id].func.__module__.startswith("kdsutils.checks."):
            del kit.registry[exercise_id]


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeCluster:
    return FakeCluster.install(monkeypatch)


def _register_demo() -> None:
    @checker("demo_ex1", hints=DEMO_HINTS)
    def _(answer: object = None) -> Iterator[tuple[bool, str]]:
        yield True, "the namespace exists"
        yield answer == 42, "the answer is 42" if answer == 42 else f"{answer!r} is not the answer"


def _course_ids() -> list[str]:
    for topic in topics():
        importlib.import_module(f"kdsutils.checks.{topic}")
    return sorted(i for i, found in kit.registry.items() if found.func.__module__.startswith("kdsutils.checks."))


# ---------------------------------------------------------------------------- results


def test_a_right_answer_is_well_done(registry: None) -> None:
    _register_demo()
    result = check("demo_ex1", answer=42)
    assert result.passed
    assert str(result) == "✔ Well done: demo_ex1 passes.\n  ✔ the namespace exists\n  ✔ the answer is 42"


def test_a_wrong_answer_is_not_yet_with_what_is_missing_and_a_hint(registry: None) -> None:
    _register_demo()
    result = check("demo_ex1", answer=41)
    assert not result.passed
    assert result.items == [(True, "the namespace exists"), (False, "41 is not the answer")]
    text = str(result)
    assert text.startswith("✘ Not yet: demo_ex1.")
    assert "  ✔ the namespace exists" in text
    assert "  ✘ 41 is not the answer" in text
    assert "\n  Hint: create a pod named web\n" in text
    assert text.endswith(
        "  More help: kds.hint('demo_ex1') says where to look; kds.hint('demo_ex1', 3) shows the command."
    )


def test_not_yet_shows_only_the_nudge(registry: None) -> None:
    _register_demo()
    text = str(check("demo_ex1", answer=41))
    assert DEMO_HINTS[0] in text
    assert DEMO_HINTS[1] not in text and DEMO_HINTS[2] not in text


@pytest.mark.parametrize(
    "problem",
    [
        ClusterNotReady("The cluster does not answer.", fix="kds up"),
        ApiException(status=404, reason="Not Found"),
    ],
    ids=["kds-error", "api-404"],
)
def test_a_check_that_cannot_look_reports_not_yet_instead_of_raising(
    registry: None, problem: Exception
) -> None:
    @checker("demo_ex2", hints=("start the cluster", "lesson 01", "`kds up`"))
    def _() -> Iterator[tuple[bool, str]]:
        yield True, "first item"
        raise problem

    result = check("demo_ex2")
    assert not result.passed
    assert result.items[0] == (True, "first item")
    assert result.items[1][0] is False
    assert ("does not answer" if isinstance(problem, KdsError) else "404 Not Found") in result.items[1][1]


def test_wrong_keyword_is_reported_not_raised(registry: None) -> None:
    _register_demo()
    result = check("demo_ex1", answr=42)
    assert not result.passed
    assert result.items == [(False, "check('demo_ex1') takes answer=...; you passed answr=...")]


def test_nothing_checked_is_not_a_pass() -> None:
    assert not CheckResult("demo_ex3").passed


def test_two_checkers_cannot_share_an_id(registry: None) -> None:
    _register_demo()
    with pytest.raises(KdsError, match="Two checkers"):
        _register_demo()


@pytest.mark.parametrize("hints", [("one", "two"), ("one", "", "three"), ("a", "b", "c", "d")])
def test_a_checker_needs_three_tiers_of_hints(registry: None, hints: tuple[str, ...]) -> None:
    with pytest.raises(KdsError, match="needs three hints") as caught:
        checker("demo_ex4", hints=hints)  # type: ignore[arg-type]
    assert "hints=('a nudge', 'where to look', 'the command')" in caught.value.fix


def test_a_course_checker_must_live_in_the_module_its_id_names(registry: None) -> None:
    def misplaced() -> Iterator[tuple[bool, str]]:
        yield True, "x"

    misplaced.__module__ = "kdsutils.checks.pods"
    with pytest.raises(KdsError, match="cannot find it") as caught:
        checker("why_ex9", hints=DEMO_HINTS)(misplaced)
    assert "kdsutils.checks.why" in caught.value.fix


def test_html_view_escapes_and_shows_the_verdict() -> None:
    result = CheckResult("demo", items=[(False, "<script> is not a pod name")], hint="use a <name>")
    page = result._repr_html_()
    assert "✘ Not yet" in page
    assert "&lt;script&gt; is not a pod name" in page and "<script>" not in page
    assert "use a &lt;name&gt;" in page
    assert "kds.hint(&#x27;demo&#x27;, 3) shows the command" in page
    assert "Hint" not in CheckResult("demo", items=[(True, "ok")], hint="use a <name>")._repr_html_()


# ---------------------------------------------------------------------------- one module per topic


def test_lesson_modules_are_loaded_on_first_check(use_context: Callable[..., Path]) -> None:
    use_context("kds-local")
    program = (
        "from kdsutils.checks._kit import registry as _registry\n"
        "from kdsutils.checks import check\n"
        "assert 'setup_ex2' not in _registry\n"
        "print(check('setup_ex2', answer='kds-local'))\n"
    )
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout
    assert out.startswith("✔ Well done: setup_ex2 passes.")


def test_checking_one_topic_imports_only_that_topics_module() -> None:
    program = (
        "import sys\n"
        "from kdsutils.checks import check\n"
        "print(check('why_ex2', answer=['Dask']).passed)\n"
        "print(' '.join(sorted(m for m in sys.modules if m.startswith('kdsutils.checks.'))))\n"
    )
    out = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True).stdout
    assert out.split("\n")[:2] == ["True", "kdsutils.checks._api kdsutils.checks._kit kdsutils.checks.why"]


def test_modules_are_named_like_the_ids_they_check() -> None:
    assert topics() == sorted({kit.topic_of(exercise_id) for exercise_id in _course_ids()})


BROKEN = {
    "an error at import": (
        "from kdsutils.checks import checker\n\n"
        "@checker('podz_ex1', hints=('a', 'b', 'c'))\n"
        "def podz_ex1():\n"
        "    yield True, 'fine'\n\n"
        "raise RuntimeError('a bug in the course')\n"
    ),
    "a syntax error": "def podz_ex1(:\n",
}


@pytest.mark.parametrize("source", BROKEN.values(), ids=BROKEN.keys())
def test_a_broken_module_fails_only_its_own_checks(
    source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: None
) -> None:
    (tmp_path / "podz.py").write_text(source)
    monkeypatch.setattr(checks, "__path__", [*checks.__path__, str(tmp_path)])
    assert "podz" in topics()
    for _ in range(2):  # the second try says the same, not "two checkers claim podz_ex1"
        with pytest.raises(KdsError, match=r"The checks of podz cannot load: the module kdsutils\.checks\.podz") as bad:
            check("podz_ex1")
        assert "not in your answer" in bad.value.fix
    assert "podz_ex1" not in kit.registry
    assert check("why_ex2", answer=["Dask"]).passed
    with pytest.raises(KdsError, match=r"did you mean 'pods_ex1' or 'pods_ex2'( or 'pods_ex\d')?\?"):
        check("pods_ex")


# ---------------------------------------------------------------------------- typos


def test_unknown_exercise_is_a_typo_with_a_suggestion() -> None:
    with pytest.raises(KdsError, match=r"did you mean .*'setup_ex1'"):
        check("setup_ex")


def test_a_typo_in_the_topic_still_finds_the_exercise() -> None:
    with pytest.raises(KdsError, match=r"There is no exercise 'servics_ex1'") as caught:
        check("servics_ex1")
    assert caught.value.fix.startswith("did you mean 'services_ex1'")


def test_an_id_like_no_other_lists_the_topics() -> None:
    with pytest.raises(KdsError) as caught:
        check("zzz")
    assert caught.value.fix == f"copy the id from the task; ids start with a topic: {', '.join(topics())}"


# ---------------------------------------------------------------------------- tiered hints


@pytest.mark.parametrize("level", [1, 2, 3])
def test_hint_gives_the_tier_asked_for(registry: None, level: int) -> None:
    _register_demo()
    given = hint("demo_ex1", level)
    assert (given.exercise, given.level, given.text) == ("demo_ex1", level, DEMO_HINTS[level - 1])
    assert str(given).startswith(f"Hint {level} of 3 for demo_ex1 (")
    assert f"<strong>Hint {level} of 3</strong> for demo_ex1" in given._repr_html_()


def test_hint_says_where_to_look_by_default_and_offers_only_what_comes_next(registry: None) -> None:
    _register_demo()
    assert hint("demo_ex1").level == 2
    assert str(hint("demo_ex1", 1)).endswith("kds.hint('demo_ex1', 3) shows the command.")
    assert str(hint("demo_ex1")).endswith("\n  More help: kds.hint('demo_ex1', 3) shows the command.")
    assert "More help" not in str(hint("demo_ex1", 3))
    assert "<code>kubectl run web --image=...</code>" in hint("demo_ex1", 3)._repr_html_()


@pytest.mark.parametrize("level", [0, 4, -1, True, "3", 2.0])
def test_a_bad_hint_level_says_which_levels_there_are(registry: None, level: object) -> None:
    _register_demo()
    with pytest.raises(KdsError, match=f"There is no hint level {level!r}") as caught:
        hint("demo_ex1", level)  # type: ignore[arg-type]
    assert "kds.hint('demo_ex1', 1) for a nudge" in caught.value.fix
    assert "kds.hint('demo_ex1', 3) for the command" in caught.value.fix


def test_hint_for_a_typo_suggests_the_id() -> None:
    with pytest.raises(KdsError, match=r"did you mean ('storage_ex\d'( or )?)+\?") as caught:
        hint("storage_ex2x", 1)
    assert "'storage_ex2'" in caught.value.fix


@pytest.mark.parametrize("exercise_id", _course_ids())
def test_every_exercise_has_three_tiers_and_the_first_gives_no_command(exercise_id: str) -> None:
    nudge, where, command = (hint(exercise_id, level).text for level in (1, 2, 3))
    assert "kubectl " not in nudge and "kds." not in nudge and "`" not in nudge
    assert where.startswith(("Lesson ", "Lab ")), "tier 2 says where to look, starting with the lesson or lab"
    assert "kds." not in where.replace("kds.hint", "")
    assert len({nudge, where, command}) == 3


def test_hints_show_the_namespace_and_the_course_images(fake: FakeCluster) -> None:
    shown = hint("services_ex1", 3).text
    assert f"-n {NS}" in shown
    assert f"--image={manifests.PYTHON_DS_IMAGE}" in shown
    for exercise_id in _course_ids():
        for level in (1, 2, 3):
            assert "$" not in hint(exercise_id, level).text, (exercise_id, level)


def test_a_hint_without_a_cluster_still_shows_where_the_namespace_goes() -> None:
    assert "-n <your namespace>" in hint("deployments_ex2", 3).text


# ---------------------------------------------------------------------------- the kit


def test_read_or_none_looks_in_the_exercise_namespace_and_returns_none_for_404(fake: FakeCluster) -> None:
    fake.add(pod("web"))
    fake.add(pod("elsewhere"), namespace="other")
    assert kit.read_or_none(kit.core().read_namespaced_pod, "web").metadata.name == "web"
    assert kit.read_or_none(kit.core().read_namespaced_pod, "elsewhere") is None
    assert kit.read_or_none(kit.core().read_namespaced_pod, "elsewhere", namespace="other") is not None
    fake.add(typed(manifests.namespace("lesson-namespaces-sandbox")))
    assert kit.read_or_none(kit.core().read_namespace, "lesson-namespaces-sandbox") is not None


def test_read_or_none_lets_other_api_errors_through() -> None:
    def refuse(name: str, namespace: str, **_: object) -> None:
        raise ApiException(status=403, reason="Forbidden")

    refuse.__name__ = "read_namespaced_pod"
    kube.set_default_namespace(NS)
    with pytest.raises(ApiException):
        kit.read_or_none(refuse, "web")


def test_pod_log_decodes_what_the_pod_printed(fake: FakeCluster) -> None:
    fake.add(pod("hello"))
    fake.print("hello", "loaded Pipeline\nnext line ✔\n")
    assert kit.pod_log("hello") == "loaded Pipeline\nnext line ✔\n"


def test_job_pods_are_found_by_the_job_name_label(fake: FakeCluster) -> None:
    fake.add(pod("crunch-a1", labels={"job-name": "crunch"}), pod("other-b2", labels={"job-name": "other"}))
    assert [p.metadata.name for p in kit.job_pods("crunch")] == ["crunch-a1"]


# ---------------------------------------------------------------------------- setup (lesson 01)


def test_setup_ex1_compares_with_the_node_version(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("kdsutils.checks.setup._node_versions", lambda: {"v1.36.4"})
    assert check("setup_ex1", answer="v1.36.4").passed
    assert check("setup_ex1", answer=" v1.36.4\n").passed
    wrong = check("setup_ex1", answer="v1.35.0")
    assert not wrong.passed
    assert "'v1.35.0' is not the Kubernetes version the node reports" in str(wrong)
    assert "v1.36.4" not in str(wrong)  # the answer is not given away
    assert "kubectl get nodes" in str(hint("setup_ex1", 3))


@pytest.mark.parametrize(
    ("answer", "says"),
    [(None, "answer=your_variable"), ({"version": "v1.36.4"}, "answer is a dict")],
)
def test_setup_checks_explain_a_missing_or_odd_answer(
    monkeypatch: pytest.MonkeyPatch, answer: object, says: str
) -> None:
    monkeypatch.setattr("kdsutils.checks.setup._node_versions", lambda: {"v1.36.4"})
    result = check("setup_ex1", answer=answer)
    assert not result.passed
    assert says in str(result)


def test_setup_ex2_compares_with_the_current_context(use_context: Callable[..., Path]) -> None:
    use_context("kind-kds")
    assert check("setup_ex2", answer="kind-kds").passed
    result = check("setup_ex2", answer="kds-local")
    assert not result.passed
    assert "kubectl config current-context" in str(hint("setup_ex2", 3))
