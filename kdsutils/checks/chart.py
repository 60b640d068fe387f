"""Checks of the topic "chart" (lesson 25): the learner's own chart of the model server.

Keep the threshold in a ConfigMap of the release and publish that as a new version
(``chart_ex1``), and find why a colleague's chart installs a Service that reaches no Pod, then
publish the fix (``chart_ex2``). Each check reads Helm's record of the release, the live
objects, and the app store's index.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from kdsutils import appstore
from kdsutils.checks._kit import Item, apps, checker, core, discovery, item, read_or_none, release_items
from kdsutils.kube import effective_namespace


def _published(chart: str, version: str) -> Item:
    held = appstore.charts().get(chart, [])
    return item(version in held, f"the app store holds {chart} {version} (helm package, then publish it)",
                f"it holds {', '.join(held) or 'no version of it'}")  # fmt: skip


def _ready(deploy: Any, what: str) -> Item:
    ready = (deploy.status.ready_replicas or 0) if deploy else 0
    return item(ready >= 1, f"{what} has a ready Pod", "none is ready yet: `kubectl get pods` says why")


@checker(
    "chart_ex1",
    hints=(
        "A ConfigMap's keys can be mounted as files (lesson 15), and the model server reads the file named by "
        "THRESHOLD_FILE on every request; a chart can make a ConfigMap from a value like any other object.",
        "Lesson 25, the templates, and lesson 15: add templates/configmap.yaml named with the "
        "`churn-api.fullname` helper and holding `threshold: {{ .Values.threshold | quote }}`; in deployment.yaml "
        "a `volumes:` entry for it, a `volumeMounts:` entry, and THRESHOLD_FILE instead of THRESHOLD. Then "
        "version: 0.3.0 in Chart.yaml.",
        "After the edits: `helm lint work/churn-api --strict`, `helm package work/churn-api --destination work`, "
        "`appstore.push('work/churn-api-0.3.0.tgz')`, `helm repo update kds`, then `helm install demo "
        "kds/churn-api --version 0.3.0 --set-json threshold=0.4 -n $namespace` (--set would pass the text 0.4)",
    ),
)
def chart_ex1() -> Iterator[Item]:
    """Check release `demo` of churn-api 0.3.0: threshold 0.4 in a mounted ConfigMap, no THRESHOLD variable.

    Examples:
        >>> check("chart_ex1")  # doctest: +SKIP
        ✔ Well done: chart_ex1 passes.
    """
    yield _published("churn-api", "0.3.0")
    release, about = release_items("demo", "churn-api")
    yield from about
    if release is None:
        return
    version = release["chart"]["metadata"]["version"]
    yield item(version == "0.3.0", "its chart version is 0.3.0", f"it is {version}")
    maps = core().list_namespaced_config_map(effective_namespace(), label_selector="app.kubernetes.io/instance=demo")
    holding = [m for m in maps.items if any(str(v).strip() == "0.4" for v in (m.data or {}).values())]
    yield item(bool(holding), "a ConfigMap of the release holds the threshold 0.4",
               f"its ConfigMaps: {[m.metadata.name for m in maps.items] or 'none'}")  # fmt: skip
    deploy = read_or_none(apps().read_namespaced_deployment, "demo-churn-api")
    if deploy is None:
        yield False, "there is a Deployment demo-churn-api"
        return
    spec = deploy.spec.template.spec
    container = spec.containers[0]
    mounted = {v.name for v in spec.volumes or [] if v.config_map and v.config_map.name in {m.metadata.name
                                                                                       for m in holding}}  # fmt: skip
    paths = [m.mount_path for m in container.volume_mounts or [] if m.name in mounted]
    env = {e.name: e.value for e in container.env or []}
    file = env.get("THRESHOLD_FILE") or ""
    yield item(any(file.startswith(path.rstrip("/") + "/") for path in paths),
               "its Pods mount that ConfigMap and THRESHOLD_FILE names a file in it",
               f"mounted at {paths or 'nowhere'}, THRESHOLD_FILE={file or '(not set)'}")  # fmt: skip
    yield item("THRESHOLD" not in env, "the THRESHOLD variable is gone (a file changes without a restart)",
               f"THRESHOLD={env.get('THRESHOLD')}")  # fmt: skip
    yield _ready(deploy, "demo-churn-api")


@checker(
    "chart_ex2",
    hints=(
        "A Service sends requests to the Pods its selector matches (lesson 14), and a chart's Service should "
        "select with the same helper the Deployment's Pods are labelled with.",
        "Lesson 14 and lesson 25: compare `kubectl get service team-api -o jsonpath={.spec.selector}` with `kubectl "
        "get pods --show-labels`; the chart's service.yaml is in work/team-api/templates. Fix it there, raise "
        "version in Chart.yaml, package, publish, `helm repo update kds`, `helm upgrade`.",
        "In service.yaml the selector becomes `{{- include \"team-api.selectorLabels\" . | nindent 4 }}`; then "
        "version: 0.1.1, `helm package work/team-api --destination work`, "
        "`appstore.push('work/team-api-0.1.1.tgz')`, `helm repo update kds`, "
        "`helm upgrade team-api kds/team-api --version 0.1.1 -n $namespace`",
    ),
)
def chart_ex2() -> Iterator[Item]:
    """Check that `team-api` runs a newer, published version of its chart whose Service reaches the Pods.

    Examples:
        >>> check("chart_ex2")  # doctest: +SKIP
        ✘ Not yet: chart_ex2.
          ✘ the release runs a new version of the chart, not 0.1.0 (it is 0.1.0)
    """
    release, about = release_items("team-api", "team-api")
    yield from about
    if release is None:
        return
    version = release["chart"]["metadata"]["version"]
    yield item(version != "0.1.0", "the release runs a new version of the chart, not 0.1.0", f"it is {version}")
    yield _published("team-api", version)
    svc = read_or_none(core().read_namespaced_service, "team-api")
    deploy = read_or_none(apps().read_namespaced_deployment, "team-api")
    selector = (svc.spec.selector or {}) if svc else {}
    labels = (deploy.spec.template.metadata.labels or {}) if deploy else {}
    yield item(bool(selector) and selector.items() <= labels.items(),
               "the Service team-api selects the Pods of the Deployment team-api",
               "it selects none of them: compare its selector with their labels")  # fmt: skip
    slices = discovery().list_namespaced_endpoint_slice(
        effective_namespace(), label_selector="kubernetes.io/service-name=team-api").items  # fmt: skip
    ready = [e for s in slices for e in s.endpoints or [] if e.conditions and e.conditions.ready]
    yield item(bool(ready), "its EndpointSlice lists a ready Pod", "it lists none")
