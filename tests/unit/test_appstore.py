"""The app store's objects and its server's chart handling, without a cluster."""

from __future__ import annotations

import io
import json
import tarfile
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

from kdsutils import appstore
from kdsutils.appstore import server
from kdsutils.cluster import APPSTORE_NODE_PORT, PORTS, kind


def chart_archive(name: str = "demo", version: str = "0.1.0", chart: dict | None = None) -> bytes:
    """A packaged chart as `helm package` lays it out: NAME/Chart.yaml and NAME/values.yaml."""
    meta = chart if chart is not None else {"apiVersion": "v2", "name": name, "version": version,
                                             "description": "a demo", "appVersion": "1.0"}  # fmt: skip
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for member, text in ((f"{name}/Chart.yaml", yaml.safe_dump(meta)), (f"{name}/values.yaml", "replicas: 1\n")):
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def test_manifests_publish_the_store_on_its_node_port() -> None:
    objects = appstore.manifests("print('server')")
    assert [o["kind"] for o in objects] == ["Namespace", "ConfigMap", "PersistentVolumeClaim", "Deployment", "Service"]
    assert all(o["metadata"]["namespace"] == appstore.NAMESPACE for o in objects[1:])
    assert objects[1]["data"] == {"server.py": "print('server')"}
    svc = objects[-1]["spec"]
    assert svc["type"] == "NodePort" and svc["ports"][0]["nodePort"] == APPSTORE_NODE_PORT
    container = objects[3]["spec"]["template"]["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"] == {"path": "/health", "port": 8080}
    assert {m["mountPath"] for m in container["volumeMounts"]} == {"/app", "/charts"}
    assert appstore.URL == f"http://localhost:{APPSTORE_NODE_PORT}"


def test_both_backends_publish_the_store_port() -> None:
    mapped = [m["hostPort"] for m in kind.kind_config()["nodes"][0]["extraPortMappings"]]
    assert APPSTORE_NODE_PORT in mapped
    assert all(APPSTORE_NODE_PORT in ports for ports in PORTS.values())


def test_read_chart_takes_a_packaged_chart() -> None:
    assert server.read_chart(chart_archive("churn-api", "1.2.3"))["name"] == "churn-api"


@pytest.mark.parametrize(("data", "words"), [
    (b"not a tarball", "not a packaged chart"),
    (chart_archive(chart={"apiVersion": "v2", "name": "Demo", "version": "0.1.0"}), "name 'Demo'"),
    (chart_archive(chart={"apiVersion": "v2", "name": "demo", "version": "one"}), "not a semantic version"),
    (chart_archive(chart={"name": "demo", "version": "0.1.0"}), "apiVersion None"),
])  # fmt: skip
def test_read_chart_names_what_is_wrong(data: bytes, words: str) -> None:
    with pytest.raises(server.ChartRejected, match=words):
        server.read_chart(data)


def test_store_indexes_newest_first_and_refuses_a_second_copy(tmp_path: Path) -> None:
    store = server.Store(tmp_path)
    for version in ("0.2.0", "0.10.0", "0.10.0-rc.1"):
        assert store.add(chart_archive(version=version), force=False)[0] == 201
    index = yaml.safe_load((tmp_path / "index.yaml").read_text())
    entries = index["entries"]["demo"]
    assert [e["version"] for e in entries] == ["0.10.0", "0.10.0-rc.1", "0.2.0"]
    assert entries[0]["urls"] == ["charts/demo-0.10.0.tgz"] and len(entries[0]["digest"]) == 64
    status, answer = store.add(chart_archive(version="0.2.0"), force=False)
    assert status == 409 and "raise `version`" in answer["error"]
    assert store.add(chart_archive(version="0.2.0"), force=True)[0] == 201
    assert store.remove("demo", "0.2.0")[0] == 200
    assert store.remove("demo", "0.2.0")[0] == 404
    assert [e["version"] for e in yaml.safe_load((tmp_path / "index.yaml").read_text())["entries"]["demo"]] == [
        "0.10.0", "0.10.0-rc.1"]


def test_created_times_survive_a_restart(tmp_path: Path) -> None:
    server.Store(tmp_path).add(chart_archive(), force=False)
    before = yaml.safe_load((tmp_path / "index.yaml").read_text())["entries"]["demo"][0]["created"]
    server.Store(tmp_path)  # a new Pod reads the same folder
    assert yaml.safe_load((tmp_path / "index.yaml").read_text())["entries"]["demo"][0]["created"] == before


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), server.handler(server.Store(tmp_path)))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def _call(method: str, url: str, data: bytes | None = None) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(urllib.request.Request(url, data=data, method=method), timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_http_api_upload_index_download_delete(served: str) -> None:
    archive = chart_archive()
    status, body = _call("POST", f"{served}/api/charts", archive)
    assert (status, json.loads(body)) == (201, {"saved": True, "name": "demo", "version": "0.1.0"})
    assert _call("POST", f"{served}/api/charts", archive)[0] == 409
    index = yaml.safe_load(_call("GET", f"{served}/index.yaml")[1])
    assert index["apiVersion"] == "v1" and index["entries"]["demo"][0]["version"] == "0.1.0"
    assert _call("GET", f"{served}/charts/demo-0.1.0.tgz") == (200, archive)
    assert _call("GET", f"{served}/charts/../index.yaml")[0] == 404
    status, body = _call("POST", f"{served}/api/charts", b"garbage")
    assert status == 400 and "helm package" in json.loads(body)["error"]
    assert _call("DELETE", f"{served}/api/charts/demo/0.1.0")[0] == 200
    assert yaml.safe_load(_call("GET", f"{served}/index.yaml")[1])["entries"] == {}
