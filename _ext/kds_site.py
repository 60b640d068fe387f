"""The site's own fixes: offline diagrams, and pages whose scripts load without errors.

- Mermaid diagrams render offline: a workshop's wifi fails, and pages that fetch JavaScript
  from a public CDN then show diagrams as raw text. ```{mermaid}``` blocks become
  ``<pre class="mermaid">`` and mermaid loads from ``_static/vendor/mermaid.min.js``
  (fetched from the npm registry by ``make book``), on the pages that have a diagram only.
- An inline script registered twice (the thebe configuration, by Jupyter Book 1.0's
  extensions) is written once, so the browser does not stop at a duplicate declaration.
- The colour mode defaults to "auto" instead of an empty value the theme rejects.
"""

from __future__ import annotations

import html
from pathlib import Path

from docutils import nodes
from docutils.parsers.rst import Directive
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError

SCRIPT = "vendor/mermaid.min.js"


class MermaidNode(nodes.General, nodes.Element):
    """A diagram's source text."""


class Mermaid(Directive):
    """The ``mermaid`` directive: its content is the diagram."""

    has_content = True

    def run(self) -> list[nodes.Node]:
        node = MermaidNode()
        node["code"] = "\n".join(self.content)
        return [node]


def visit_html(self, node: MermaidNode) -> None:
    self.body.append(f'<pre class="mermaid">\n{html.escape(node["code"])}\n</pre>\n')
    raise nodes.SkipNode


def skip(self, node: MermaidNode) -> None:
    raise nodes.SkipNode


def page_context(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: nodes.document) -> None:
    if doctree is not None and doctree.next_node(MermaidNode) is not None:
        app.add_js_file(SCRIPT, priority=800)
        app.add_js_file(None, body="mermaid.initialize({startOnLoad: true, theme: 'neutral'});", priority=801)
    context["default_mode"] = context.get("default_mode") or "auto"


def dedupe_inline_scripts(app: Sphinx, exception: Exception | None) -> None:
    """Keep the first of identical inline <script> lines in every written page."""
    if exception is not None or app.builder.format != "html":
        return
    for page in Path(app.outdir).rglob("*.html"):
        lines, seen, kept = page.read_text().splitlines(keepends=True), set(), []
        for line in lines:
            stripped = line.strip()
            if stripped.startswith("<script>") and stripped.endswith("</script>"):
                if stripped in seen:
                    continue
                seen.add(stripped)
            kept.append(line)
        if len(kept) != len(lines):
            page.write_text("".join(kept))


def check_script(app: Sphinx) -> None:
    static = [Path(app.confdir, p) for p in app.config.html_static_path]
    if not any((p / SCRIPT).exists() for p in static):
        raise ExtensionError(f"_static/{SCRIPT} is missing; `make book` fetches it from the npm registry")


def setup(app: Sphinx) -> dict:
    app.add_node(MermaidNode, html=(visit_html, None), latex=(skip, None), text=(skip, None))
    app.add_directive("mermaid", Mermaid)
    app.connect("builder-inited", check_script)
    app.connect("html-page-context", page_context)
    app.connect("build-finished", dedupe_inline_scripts)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
