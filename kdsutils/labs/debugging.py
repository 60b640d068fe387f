"""Lesson 30's exercises: a server whose port only its inside tells, and a nightly scoring that fails."""

from __future__ import annotations

from kdsutils.labs import live_pod, scenario
from kdsutils.labs._example import churn_api, dump, job
from kdsutils.resources import wait

#: The port the server of ``debugging-mystery`` really listens on (its spec declares 8000).
MYSTERY_PORT = 8473
#: Where the nightly scoring of ``debugging-scoring`` looks for its model: nothing is there.
MISSING_MODEL = "/models/churn-2026-11.joblib"


def _serving(namespace: str) -> None:
    pod = live_pod("app=mystery", namespace, oldest=True)
    wait("pod", pod, for_="condition=Ready", namespace=namespace, timeout=180)


@scenario(
    "debugging-mystery",
    message=(
        'A message from Kim, who wrote the server: "mystery is up, but I forgot which port I gave it, and '
        'the Service I made for it on 8000 gets nothing. Can you find out where it really listens?"'
    ),
    settle=_serving,
)
def debugging_mystery() -> str:
    """The churn server on a port its spec does not declare (the readiness probe runs inside it)."""
    check = ["python", "-c", f"import urllib.request; urllib.request.urlopen('http://127.0.0.1:{MYSTERY_PORT}/health')"]
    return churn_api(
        name="mystery",
        env={"PORT": str(MYSTERY_PORT)},
        container_fields={"readinessProbe": {"exec": {"command": check}, "periodSeconds": 2}},
    )


def _failed(namespace: str) -> None:
    wait("job", "scoring", for_="condition=Failed", namespace=namespace, timeout=240)


@scenario(
    "debugging-scoring",
    message=(
        'A message from the campaign team: "The nightly churn scores did not arrive this morning. Can you '
        'find out what happened to the scoring Job, and write it up so we can send it to the platform team?"'
    ),
    settle=_failed,
)
def debugging_scoring() -> str:
    """The nightly scoring, told to load a model file that no volume provides."""
    scoring = job("scoring", ["python", "-m", "churn.score", "--day", "2026-12-01"], backoff_limit=1,
                  env={"MODEL_PATH": MISSING_MODEL})  # fmt: skip
    return dump(scoring)
