"""The live view in a real JupyterLab: it follows the cluster while other cells run, then stops.

nbval and nbclient have no widget frontend (they get the text snapshot), so this is the one
place the ipywidgets view is seen working: JupyterLab started as `make lab` starts it,
driven by headless Chromium (Debian's, through Playwright).
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import nbformat
import pytest

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(300)]

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WATCH_SECONDS = 20


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """JupyterLab on a free loopback port, serving tmp_path; yields its base URL and token."""
    port, token = _free_port(), secrets.token_hex(16)
    venv_bin = str(Path(sys.executable).parent)
    env = {**os.environ, "PATH": f"{venv_bin}:{os.environ.get('PATH', '')}", "JUPYTER_PLATFORM_DIRS": "1"}
    command = [f"{venv_bin}/jupyter", "lab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
               f"--ServerApp.token={token}", f"--notebook-dir={tmp_path}"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log = (tmp_path / "lab.log").open("w")
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2).close()
                break
            except OSError:
                assert server.poll() is None, f"JupyterLab exited: {(tmp_path / 'lab.log').read_text()[-2000:]}"
                assert time.monotonic() < deadline, "JupyterLab did not answer within 60 s"
                time.sleep(0.5)
        yield f"{base}/lab/tree/{{}}?token={token}", tmp_path
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def test_watch_follows_changes_live_in_jupyterlab_and_stops(lab: tuple[str, Path], ns: str) -> None:
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install chromium (make test installs it).")
    from playwright.sync_api import sync_playwright

    url, folder = lab
    notebook = nbformat.v4.new_notebook()
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    notebook.cells = [
        nbformat.v4.new_code_cell("import kdsutils as kds"),
        nbformat.v4.new_code_cell(f'kds.watch("{ns}", seconds={WATCH_SECONDS})'),
        nbformat.v4.new_code_cell(
            "kds.apply(kds.manifests.deployment('web', kds.manifests.BUSYBOX_IMAGE, ['sleep', '3600'], "
            f"replicas=2), namespace='{ns}')"
        ),
    ]
    nbformat.write(notebook, folder / "live.ipynb")

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(url.format("live.ipynb"), timeout=60_000)
            page.wait_for_selector(".jp-Notebook .jp-Cell", timeout=60_000)
            # The status bar reads "Python 3 (ipykernel) | Idle" once the kernel is up.
            page.wait_for_function("document.body.innerText.includes('(ipykernel) | Idle')", timeout=60_000)
            page.click(".jp-Notebook .jp-Cell >> nth=0")
            for _ in notebook.cells:
                page.keyboard.press("Shift+Enter")
            # The widget of cell 2 shows what cell 3 created, while it still says it is live.
            live = page.locator(".jp-OutputArea-output", has_text=f"Namespace {ns}")
            live.filter(has_text=re.compile(r"deployment\.apps/web\s+2/2")).wait_for(timeout=90_000)
            assert "live," in live.inner_text()
            assert len(re.findall(r"pod/web-\S+\s+1/1\s+Running", live.inner_text())) == 2
            # Then it stops by itself and says so.
            live.filter(has_text="stopped after").wait_for(timeout=(WATCH_SECONDS + 30) * 1000)
        finally:
            browser.close()
