"""The built site in a real browser: every page loads cleanly offline, solutions fold, search works.

Runs headless Chromium from Debian (/usr/bin/chromium) through Playwright, against the
site in _build/html served on loopback. Any request that leaves the machine counts as a
failure: the site must work at a workshop without wifi.
"""

from __future__ import annotations

import functools
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
SITE = REPO / "_build" / "html"
CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def pages() -> list[str]:
    toc = yaml.safe_load((REPO / "_toc.yml").read_text())
    files = [toc["root"]] + [c["file"] for part in toc["parts"] for c in part["chapters"]]
    return [f"{f}.html" for f in files]


@pytest.fixture(scope="module")
def site() -> Iterator[str]:
    if not (SITE / "index.html").exists():
        pytest.fail("The site is not built: run `make book` first.")
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(SITE))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: apt-get install chromium (make test installs it).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, site):
    context = browser.new_context()
    page = context.new_page()
    page.problems = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.problems.append(f"console: {m.text}"))
    page.on("pageerror", lambda e: page.problems.append(f"page error: {e}"))
    page.on("requestfailed", lambda r: page.problems.append(f"request failed: {r.url}"))

    def only_local(route):
        host = urlparse(route.request.url).hostname
        if host in ("127.0.0.1", "localhost") or route.request.url.startswith("data:"):
            route.continue_()
        else:
            page.problems.append(f"leaves the machine: {route.request.url}")
            route.abort()

    page.route("**/*", only_local)
    yield page
    context.close()


def visit(page, url: str):
    """Open `url` once its network is quiet and it has loaded.

    Network quiet alone is not enough: while Chromium runs a long script (the diagram library)
    nothing is fetched for 500 ms, and the page counted as quiet half parsed.
    """
    response = page.goto(url, wait_until="networkidle")
    page.wait_for_load_state("load")
    return response


@pytest.mark.parametrize("path", pages())
def test_page_loads_without_errors(page, site: str, path: str) -> None:
    response = visit(page, f"{site}/{path}")
    assert response is not None and response.status == 200
    assert page.problems == []
    assert page.locator("h1").count() >= 1


def test_diagrams_render_offline(page, site: str) -> None:
    visit(page, f"{site}/intro.html")
    page.wait_for_selector("pre.mermaid svg", timeout=15000)
    assert page.problems == []


def test_solutions_are_folded_until_clicked(page, site: str) -> None:
    lesson = next(p for p in pages() if p.startswith("lessons/") and "00-why" not in p)
    visit(page, f"{site}/{lesson}")
    solution = page.locator("details.solution, .solution.dropdown").first
    assert solution.count() == 1, "a lesson must show at least one solution"
    body = solution.locator(".solution-content, .admonition-body, section").first
    assert not body.is_visible()
    solution.locator("summary, .toggle-button, button").first.click()
    assert body.is_visible()


def test_search_finds_a_lesson(page, site: str) -> None:
    visit(page, f"{site}/search.html?q=Deployment")
    page.wait_for_selector("ul.search li", timeout=15000)
    assert "deployments" in page.locator("ul.search").inner_text().lower()
