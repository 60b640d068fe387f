"""The course app store's server: a classic Helm chart repository with an upload API.

It runs in the cluster (`kdsutils.appstore` deploys it with this file mounted from a
ConfigMap) on the course's Python image, and keeps the charts in one folder on a volume:

    GET    /index.yaml                    the repository index Helm reads (`helm repo add`)
    GET    /charts/NAME-VERSION.tgz       a packaged chart (`helm install`, `helm pull`)
    POST   /api/charts                    add a packaged chart (the body is the .tgz)
    POST   /api/charts?force=true         replace a chart version that is already there
    DELETE /api/charts/NAME/VERSION       remove one chart version
    GET    /health                        "ok" once the index is written

The upload API copies ChartMuseum's, so the command a team uses against its own repository
works here unchanged: ``curl --data-binary @mymodel-0.1.0.tgz http://localhost:30080/api/charts``.
Standard library plus PyYAML (both in the course image); nothing else.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import re
import tarfile
import threading
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import yaml

#: Chart.yaml fields copied into the index, as `helm repo index` does.
METADATA_FIELDS = (
    "apiVersion", "name", "version", "kubeVersion", "description", "type", "keywords", "home",
    "sources", "dependencies", "maintainers", "icon", "appVersion", "deprecated", "annotations",
)  # fmt: skip
_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_VERSION = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]*)?$")
MAX_CHART_BYTES = 10 * 1024 * 1024


class ChartRejected(ValueError):
    """An upload that is not a chart this repository can serve; the message says why."""


def read_chart(data: bytes) -> dict:
    """Return the Chart.yaml of a packaged chart (a gzipped tar holding NAME/Chart.yaml).

    Raises:
        ChartRejected: not a gzipped tar, no Chart.yaml at the top, or no valid name/version.
    """
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
            tops = [m for m in tar.getmembers() if m.isfile() and m.name.count("/") == 1
                    and m.name.endswith("/Chart.yaml")]  # fmt: skip
            if not tops:
                raise ChartRejected("the archive has no NAME/Chart.yaml: package the chart with `helm package DIR`")
            chart = yaml.safe_load(tar.extractfile(tops[0]).read())  # type: ignore[union-attr]
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise ChartRejected(f"not a packaged chart (.tgz): {exc}; make one with `helm package DIR`") from None
    except yaml.YAMLError as exc:
        raise ChartRejected(f"Chart.yaml is not valid YAML: {exc}") from None
    if not isinstance(chart, dict):
        raise ChartRejected("Chart.yaml does not hold a mapping")
    name, version = str(chart.get("name", "")), str(chart.get("version", ""))
    if not _NAME.match(name):
        raise ChartRejected(f"Chart.yaml's name {name!r} is missing or not lower-case letters, digits and '-'")
    if not _VERSION.match(version):
        raise ChartRejected(f"Chart.yaml's version {version!r} is not a semantic version such as 0.1.0")
    if chart.get("apiVersion") not in ("v1", "v2"):
        raise ChartRejected(f"Chart.yaml's apiVersion {chart.get('apiVersion')!r} is not v2 (or v1)")
    return chart


def _version_key(version: str) -> tuple:
    core, _, pre = version.lstrip("v").partition("-")
    numbers = tuple(int(part) for part in core.split("+")[0].split("."))
    return numbers, pre == "", pre


def build_index(folder: Path, created: dict[str, str], now: str) -> dict:
    """The index of every ``*.tgz`` in `folder`, newest version first (as Helm writes it).

    Args:
        folder: Where the packaged charts are.
        created: When each file was added (file name to RFC 3339 time); new files get `now`.
        now: The time written as ``generated``.
    """
    entries: dict[str, list[dict]] = {}
    for path in sorted(folder.glob("*.tgz")):
        data = path.read_bytes()
        try:
            chart = read_chart(data)
        except ChartRejected:
            continue
        entry = {key: chart[key] for key in METADATA_FIELDS if key in chart}
        entry.update(urls=[f"charts/{path.name}"], created=created.get(path.name, now),
                     digest=hashlib.sha256(data).hexdigest())  # fmt: skip
        entries.setdefault(entry["name"], []).append(entry)
    for versions in entries.values():
        versions.sort(key=lambda e: _version_key(str(e["version"])), reverse=True)
    return {"apiVersion": "v1", "entries": dict(sorted(entries.items())), "generated": now}


class Store:
    """The chart folder and its index; one writer at a time."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)
        self.reindex()

    def _created(self) -> dict[str, str]:
        path = self.folder / "created.json"
        return json.loads(path.read_text()) if path.is_file() else {}

    def reindex(self) -> None:
        """Write index.yaml anew from the charts in the folder (atomically)."""
        now = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        created = {name: when for name, when in self._created().items() if (self.folder / name).is_file()}
        index = build_index(self.folder, created, now)
        for versions in index["entries"].values():
            for entry in versions:
                created[entry["urls"][0].split("/", 1)[1]] = entry["created"]
        (self.folder / "created.json").write_text(json.dumps(created, indent=1))
        partial = self.folder / "index.yaml.partial"
        partial.write_text(yaml.safe_dump(index, sort_keys=False))
        partial.replace(self.folder / "index.yaml")

    def add(self, data: bytes, *, force: bool) -> tuple[HTTPStatus, dict]:
        """Store a packaged chart; refuse a version already there unless `force`."""
        chart = read_chart(data)
        name = f"{chart['name']}-{chart['version']}.tgz"
        with self.lock:
            target = self.folder / name
            if target.exists() and not force:
                return HTTPStatus.CONFLICT, {
                    "error": f"{chart['name']} {chart['version']} is already in the repository: "
                    "raise `version` in Chart.yaml (or add ?force=true to replace it)"}
            partial = self.folder / f"{name}.partial"
            partial.write_bytes(data)
            partial.replace(target)
            created = self._created()
            created.pop(name, None)
            (self.folder / "created.json").write_text(json.dumps(created, indent=1))
            self.reindex()
        return HTTPStatus.CREATED, {"saved": True, "name": chart["name"], "version": chart["version"]}

    def remove(self, name: str, version: str) -> tuple[HTTPStatus, dict]:
        """Delete one chart version."""
        with self.lock:
            target = self.folder / f"{name}-{version}.tgz"
            if not (_NAME.match(name) and _VERSION.match(version) and target.is_file()):
                return HTTPStatus.NOT_FOUND, {"error": f"no chart {name} {version} in the repository"}
            target.unlink()
            self.reindex()
        return HTTPStatus.OK, {"deleted": True}


def handler(store: Store) -> type[BaseHTTPRequestHandler]:
    """The request handler class for `store`."""

    class Handler(BaseHTTPRequestHandler):
        server_version = "kds-appstore"

        def _send(self, status: HTTPStatus, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, status: HTTPStatus, payload: dict) -> None:
            self._send(status, json.dumps(payload).encode() + b"\n", "application/json")

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/health":
                self._send(HTTPStatus.OK, b"ok\n", "text/plain")
            elif path == "/index.yaml":
                self._send(HTTPStatus.OK, (store.folder / "index.yaml").read_bytes(), "application/x-yaml")
            elif re.fullmatch(r"/charts/[a-z0-9][-a-z0-9.+]*\.tgz", path) and (store.folder / path[8:]).is_file():
                self._send(HTTPStatus.OK, (store.folder / path[8:]).read_bytes(), "application/gzip")
            else:
                self._json(HTTPStatus.NOT_FOUND, {"error": f"nothing at {path}; Helm reads /index.yaml"})

        do_HEAD = do_GET

        def do_POST(self) -> None:
            url = urlsplit(self.path)
            if url.path != "/api/charts":
                self._json(HTTPStatus.NOT_FOUND, {"error": "upload a chart with POST /api/charts"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if not 0 < length <= MAX_CHART_BYTES:
                self._json(HTTPStatus.BAD_REQUEST, {
                    "error": f"send the packaged chart as the body (got {length} bytes; the limit is "
                    f"{MAX_CHART_BYTES}): curl --data-binary @NAME-VERSION.tgz URL/api/charts"})
                return
            force = parse_qs(url.query).get("force", ["false"])[0] == "true"
            try:
                status, payload = store.add(self.rfile.read(length), force=force)
            except ChartRejected as exc:
                status, payload = HTTPStatus.BAD_REQUEST, {"error": str(exc)}
            self._json(status, payload)

        def do_DELETE(self) -> None:
            parts = urlsplit(self.path).path.strip("/").split("/")
            if len(parts) != 4 or parts[:2] != ["api", "charts"]:
                self._json(HTTPStatus.NOT_FOUND, {"error": "delete with DELETE /api/charts/NAME/VERSION"})
                return
            self._json(*store.remove(parts[2], parts[3]))

        def log_message(self, format: str, *args: object) -> None:
            print(f"{self.address_string()} {format % args}", flush=True)

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Serve the chart folder until stopped."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--charts", type=Path, default=Path("/charts"), help="where the charts are kept")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    store = Store(args.charts)
    print(f"serving {args.charts} on :{args.port}", flush=True)
    ThreadingHTTPServer(("0.0.0.0", args.port), handler(store)).serve_forever()


if __name__ == "__main__":
    main()
