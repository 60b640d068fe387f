"""diagnose on lab 38's failures, recorded from the live cluster: a Helm release whose values are wrong."""

from __future__ import annotations

import base64
import json
from pathlib import Path

from kdsutils.diagnosis import Diagnosis, Snapshot, _ignored_values, explain

FIXTURES = Path(__file__).parent / "fixtures" / "diagnose"


def explained(name: str) -> Diagnosis:
    return explain(Snapshot(**json.loads((FIXTURES / f"{name}.json").read_text())))


def test_a_value_indented_under_the_wrong_key_is_named_with_where_the_chart_reads_it() -> None:
    d = explained("lab-helmvalues-ignored")
    assert not d.ok
    assert d.summary.startswith("Helm release status-page is not working: the value `image.replicaCount` is never")
    (f,) = d.findings
    assert "Helm ignored it without a word" in f.problem
    assert "image.replicaCount: 3" in f.evidence and "no template reads it" in f.evidence
    assert "the chart has `replicaCount` (at the top level)" in f.fix
    assert "helm upgrade status-page REPO/hello --version 0.1.0 -f" in f.fix


def test_the_fixed_release_is_healthy() -> None:
    d = explained("lab-helmvalues-fixed")
    assert d.ok, str(d)
    assert d.summary == "Helm release status-page is deployed and its 3 pod(s) are fine."


def test_an_upgrade_that_broke_the_pods_shows_what_it_changed_and_the_rollback() -> None:
    d = explained("lab-helmvalues-broken-upgrade")
    assert not d.ok
    upgrade, pull = d.findings
    assert upgrade.problem.startswith("revision 3 of the release (Upgrade complete) left Pods that fail")
    assert 'image.tag: "2026.12" -> "2027.01"' in upgrade.evidence
    assert "helm rollback status-page 2 -n lesson-helmvalues-ex" in upgrade.fix
    assert "kds.invalid/python-ds:2027.01 cannot be pulled" in pull.problem


def test_after_the_rollback_the_release_is_healthy() -> None:
    d = explained("lab-helmvalues-rolled-back")
    assert d.ok, str(d)


def _record(config: dict, templates: str, defaults: dict, **chart: object) -> dict:
    data = base64.b64encode(templates.encode()).decode()
    return {"name": "web", "namespace": "demo", "config": config,
            "chart": {"metadata": {"name": "web", "version": "1.0.0", **chart}, "values": defaults,
                      "templates": [{"name": "templates/deployment.yaml", "data": data}]}}  # fmt: skip


def test_a_block_a_template_writes_whole_is_read_with_all_its_keys() -> None:
    record = _record({"resources": {"limits": {"memory": "1Gi"}}}, "{{ toYaml .Values.resources }}", {})
    assert _ignored_values(record) == []


def test_a_typo_with_no_close_home_asks_to_check_the_spelling() -> None:
    record = _record({"replicas": 2}, "replicas: {{ .Values.replicaCount }}", {"replicaCount": 1})
    (f,) = _ignored_values(record)
    assert "`replicas`" in f.problem and "check the spelling against `helm show values web`" in f.fix


def test_templates_that_read_values_indirectly_are_not_second_guessed() -> None:
    record = _record({"x": 1}, '{{ index .Values "x" }}', {})
    assert _ignored_values(record) == []


def test_values_of_a_subchart_are_left_to_the_subchart() -> None:
    record = _record({"redis": {"auth": False}}, "{{ .Values.image }}", {}, dependencies=[{"name": "redis"}])
    assert _ignored_values(record) == []


#: What Helm 4.3 recorded for lab 38's refused upgrade (helm history, revision 2), on the live cluster.
REFUSED = (
    'Upgrade "tracking" failed: server-side apply failed for object lesson-helmvalues-ex/tracking-mlflow apps/v1, '
    'Kind=Deployment: Deployment.apps "tracking-mlflow" is invalid: spec.template.spec.containers[0].resources.'
    'requests: Invalid value: "512Mi": must be less than or equal to memory limit of 2048'
)


def _failed(config: dict) -> Snapshot:
    record = {"name": "tracking", "version": 2, "info": {"status": "failed", "description": REFUSED},
              "config": config}  # fmt: skip
    release = {"name": "tracking", "version": 2, "info": {"status": "failed", "description": REFUSED}}
    return Snapshot(kind="release", name="tracking", namespace="ml", obj={**release, "history": [record]})


def test_a_memory_without_its_unit_is_named_as_bytes_with_the_unit_to_write() -> None:
    d = explain(_failed({"resources": {"limits": {"memory": 2048}}}))
    (f,) = d.findings
    assert f.problem == (
        "the Helm release failed (revision 2): `resources.limits.memory: 2048` has no unit, so Kubernetes reads "
        "2048 bytes"
    )
    assert "must be less than or equal to memory limit of 2048" in f.evidence
    assert "`2048Mi` for 2048 MiB" in f.fix and "helm upgrade tracking" in f.fix


def test_a_failed_release_with_units_everywhere_gets_the_general_advice() -> None:
    (f,) = explain(_failed({"resources": {"limits": {"memory": "2Gi", "cpu": 2}}})).findings
    assert f.problem == "the Helm release failed (revision 2)" and "helm get manifest tracking" in f.fix
