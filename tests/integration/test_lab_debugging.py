"""Lesson 30's scenarios on the live cluster: broken as the learner finds them, fixed as the solution does."""

from __future__ import annotations

from kdsutils import kube
from kdsutils.checks import check
from kdsutils.diagnosis import diagnose
from kdsutils.labs import lab, live_pod
from kdsutils.labs.debugging import MISSING_MODEL, MYSTERY_PORT
from kdsutils.manifests import BUSYBOX_IMAGE
from kdsutils.resources import kubectl, logs, wait


def test_the_mystery_port_is_found_from_inside_and_the_service_pointed_at_it(ns: str) -> None:
    kube.set_default_namespace(ns)
    lab("debugging-mystery")
    before = check("debugging_ex1", port=MYSTERY_PORT)
    assert not before.passed and "ephemeral container" in str(before)
    assert str(MYSTERY_PORT) in str(diagnose("service/mystery")), "diagnose names the port that listens"
    pod = live_pod("app=mystery", ns, oldest=True)
    kubectl("debug", pod, "-c", "debugger", f"--image={BUSYBOX_IMAGE}", "--target=mystery", "--", "netstat", "-tln")
    wait("pod", pod, for_="jsonpath={.status.ephemeralContainerStatuses[0].state.terminated.reason}=Completed")
    assert f":{MYSTERY_PORT} " in logs(pod, container="debugger")
    kubectl("patch", "service", "mystery", "-p",
            f'{{"spec": {{"ports": [{{"name": "http", "port": 8000, "targetPort": {MYSTERY_PORT}}}]}}}}')  # fmt: skip
    assert check("debugging_ex1", port=MYSTERY_PORT).passed


def test_the_failed_scoring_is_told_by_its_condition_and_its_log(ns: str) -> None:
    kube.set_default_namespace(ns)
    lab("debugging-scoring")
    assert logs("job/scoring", tail=1).startswith("FileNotFoundError:") and MISSING_MODEL in logs("job/scoring")
    vague = check("debugging_ex3", note="What: Job scoring\nSymptom: it failed\nSeen: errors\nRuled out: nothing\n")
    assert not vague.passed and "the reason Kubernetes records" in str(vague) and "the error the program" in str(vague)
    note = (
        "What: Job scoring\nSymptom: no scores\nSeen: BackoffLimitExceeded; FileNotFoundError for the model\n"
        "Ruled out: memory (exit 1)\n"
    )
    assert check("debugging_ex3", note=note).passed
    assert "FileNotFoundError" in str(diagnose("job/scoring"))
