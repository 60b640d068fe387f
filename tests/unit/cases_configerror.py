"""Check cases of lab 35, configerror (see check_cases.py): the labs' own manifests, fixed or not."""

from __future__ import annotations

import base64
from typing import Any

import pytest
import yaml
from cases_imagepull import put_api, waiting
from check_cases import Answers, full, half
from test_checks_fakes import FakeCluster, typed

from kdsutils.labs import configerror


def put_config(fake: FakeCluster, text: str) -> None:
    """Store the ConfigMaps and Secrets of a lab's YAML `text` (a Secret's stringData as the API keeps it)."""
    for doc in yaml.safe_load_all(text):
        if doc["kind"] == "Secret":
            data = {key: base64.b64encode(value.encode()).decode() for key, value in doc.pop("stringData").items()}
            fake.add(typed({**doc, "data": data}))
        elif doc["kind"] == "ConfigMap":
            fake.add(typed(doc))


def _patched(text: str, path: list[Any], value: Any) -> str:
    """The lab's YAML with one field of its Deployment's Pod template replaced, as `kubectl patch` does (pure)."""
    docs = list(yaml.safe_load_all(text))
    for doc in docs:
        if doc["kind"] == "Deployment":
            where = doc["spec"]["template"]["spec"]
            for step in path[:-1]:
                where = where[step]
            where[path[-1]] = value
    return yaml.safe_dump_all(docs)


SECRET_KEY = ["containers", 0, "env", 2, "valueFrom", "secretKeyRef", "key"]
CONFIGMAP_NAME = ["containers", 0, "env", 0, "valueFrom", "configMapKeyRef", "name"]
ITEM_KEY = ["volumes", 0, "configMap", "items", 0, "key"]


def _lab(fake: FakeCluster, text: str, *, ready: bool) -> None:
    put_config(fake, text)
    put_api(fake, text, ready=ready, status=waiting("CreateContainerConfigError"))


# ------------------------------------------------------------------ configerror_ex1: the Secret's key


@full("configerror_ex1")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _lab(fake, _patched(configerror.configerror(), SECRET_KEY, configerror.PASSWORD_KEY), ready=True)
    return {}


@half("configerror_ex1", says="the churn API runs, with a ready Pod (it still cannot start, as before")
def configerror_ex1_as_the_lab_left_it(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _lab(fake, configerror.configerror(), ready=False)
    return {}


@half("configerror_ex1", says="WAREHOUSE_PASSWORD gets the password the platform team stored (under db-password) (it")
def configerror_ex1_a_made_up_password(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    """The learner added the key the Deployment asks for, with a value of their own."""
    text = configerror.configerror()
    put_config(fake, text)
    secret = fake.read_namespaced_secret("warehouse", "lesson-checks-ex")
    secret.data["password"] = base64.b64encode(b"guessed").decode()
    put_api(fake, text, ready=True)
    return {}


@half("configerror_ex1", says="WAREHOUSE_PASSWORD still comes from the Secret warehouse (no Secret sets it any more)")
def configerror_ex1_variable_removed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    text = configerror.configerror()
    docs = list(yaml.safe_load_all(text))
    docs[2]["spec"]["template"]["spec"]["containers"][0]["env"].pop(2)
    put_api(fake, yaml.safe_dump_all(docs), ready=True)
    return {}


@half("configerror_ex1", says="the variable THRESHOLD resolves to the team's threshold, 0.7 (as in churn-config) (it")
def configerror_ex1_threshold_changed(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    fake.add(typed({**configerror.settings(), "data": {"threshold": "0.5"}}))
    return {}


# ------------------------------------------------------------------ configerror_ex2: the ConfigMap's name


@full("configerror_ex2")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _lab(fake, _patched(configerror.configerror_configmap(), CONFIGMAP_NAME, configerror.SETTINGS), ready=True)
    return {}


@half("configerror_ex2", says="the churn API runs, with a ready Pod (it still cannot start, as before")
def configerror_ex2_as_the_lab_left_it(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _lab(fake, configerror.configerror_configmap(), ready=False)
    return {}


@half("configerror_ex2", says="(it names the ConfigMap churn-setings, which does not exist)")
def configerror_ex2_another_typo(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _lab(fake, _patched(configerror.configerror_configmap(), CONFIGMAP_NAME, "churn-setings"), ready=False)
    return {}


@half("configerror_ex2", says="the variable THRESHOLD still comes from a ConfigMap (nothing sets it")
def configerror_ex2_threshold_dropped(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    text = _patched(configerror.configerror_configmap(), ["containers", 0, "env"], [])
    put_api(fake, text, ready=True)
    return {}


# ------------------------------------------------------------------ configerror_ex3: the mounted key


@full("configerror_ex3")
def _(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _lab(fake, _patched(configerror.configerror_mount(), ITEM_KEY, "threshold"), ready=True)
    return {}


@half("configerror_ex3", says="the churn API runs, with a ready Pod (it still cannot start, as before")
def configerror_ex3_as_the_lab_left_it(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _lab(fake, configerror.configerror_mount(), ready=False)
    return {}


@half("configerror_ex3", says="(it names the key Threshold, which churn-config does not hold")
def configerror_ex3_wrong_case(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    _lab(fake, _patched(configerror.configerror_mount(), ITEM_KEY, "Threshold"), ready=False)
    return {}


@half("configerror_ex3", says="the rollout finished: every replica runs the new template and is ready (1 of 1")
def configerror_ex3_not_rolled_out_yet(fake: FakeCluster, monkeypatch: pytest.MonkeyPatch) -> Answers:
    put_api(fake, _patched(configerror.configerror_mount(), ITEM_KEY, "threshold"), ready=False,
            status=waiting("ContainerCreating"))  # fmt: skip
    return {}
