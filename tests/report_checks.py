"""Checks of a written class report: the HTML parses, refers to nothing outside its folder, every image is an
inline PNG; and, where Debian's chromium is installed, it renders with every image loaded."""

import base64
import json
import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
LINK_ATTRIBUTES = ("src", "href", "action", "srcset", "poster", "data")
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Page(HTMLParser):
    """Collects tags, links and images, and checks that every element is closed in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.links: list[tuple[str, str]] = []
        self.images: list[str] = []
        self.open: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        for name, value in attrs:
            if name in LINK_ATTRIBUTES and value is not None:
                self.links.append((tag, value))
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")
        if tag not in VOID:
            self.open.append(tag)

    def handle_endtag(self, tag):
        assert self.open and self.open[-1] == tag, f"</{tag}> closes <{self.open[-1] if self.open else None}>"
        self.open.pop()

    def handle_data(self, data):
        self.text.append(data)


def check_page(path: Path, root: Path | None = None) -> _Page:
    """Parse the page at path: well nested, no scripts, styles or frames from elsewhere, links only to files
    that exist inside `root` (default: its folder), every image an inline PNG -> the parsed page."""
    root = (root or path.parent).resolve()
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    page.close()
    assert page.open == [], f"never closed: {page.open}"
    assert not {"script", "link", "iframe", "object", "embed", "base"} & set(page.tags)
    assert "url(" not in path.read_text(encoding="utf-8") and "@import" not in path.read_text(encoding="utf-8")
    for tag, link in page.links:
        if tag == "img":
            continue
        assert ":" not in link.split("/")[0] and not link.startswith("/"), f"external reference {link!r}"
        target = (path.parent / link.split("#")[0]).resolve()
        assert target.is_relative_to(root) and target.exists(), link
    for src in page.images:
        prefix = "data:image/png;base64,"
        assert src.startswith(prefix), src[:40]
        assert base64.b64decode(src[len(prefix):], validate=True).startswith(PNG_MAGIC)
    return page


HARNESS = """<!DOCTYPE html><html><body><iframe id="f" src="%s" width="1200" height="900"></iframe><script>
const f = document.getElementById("f");
f.onload = () => {
  const d = f.contentDocument;
  const imgs = Array.from(d.images);
  document.body.setAttribute("data-report", JSON.stringify({
    title: d.title, images: imgs.length, height: d.body.scrollHeight,
    broken: imgs.filter(i => !i.complete || i.naturalWidth === 0).length}));
};
</script></body></html>
"""


def chromium() -> str:
    """-> the chromium executable; skips the test, saying why, where there is none."""
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    pytest.skip("no headless browser: install Debian's chromium (apt-get install chromium; .ci/run does)")


def render(index: Path) -> dict:
    """Open the page in headless chromium -> {"title", "images", "broken", "height"} as the browser saw it
    (a test harness page beside it loads the report in a frame and reads its images once it has loaded)."""
    harness = index.parent / "render-check.html"
    harness.write_text(HARNESS % index.name)
    try:
        proc = subprocess.run([chromium(), "--headless", "--no-sandbox", "--disable-gpu",
                               "--allow-file-access-from-files", "--virtual-time-budget=10000", "--dump-dom",
                               harness.as_uri()],
                              capture_output=True, text=True, timeout=120)
    finally:
        harness.unlink()
    assert proc.returncode == 0, proc.stderr[-2000:]
    start = proc.stdout.index('data-report="') + len('data-report="')
    raw = proc.stdout[start:proc.stdout.index('"', start)]
    return json.loads(raw.replace("&quot;", '"').replace("&amp;", "&"))
