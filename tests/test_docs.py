"""The instructor documents hang together: README.md is a front door to docs/, and every relative link in them
reaches a file of the repository (and, with a #fragment, a heading of that file)."""

import re
from pathlib import Path

import pytest

from tests.tree import REPO

DOCUMENTS = ["README.md", *sorted(p.relative_to(REPO).as_posix() for p in (REPO / "docs").glob("*.md"))]
LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")
FENCE = re.compile(r"^\s*```")


def prose(text: str) -> list[str]:
    """text: a Markdown document -> its lines outside fenced code blocks."""
    lines, fenced = [], False
    for line in text.splitlines():
        if FENCE.match(line):
            fenced = not fenced
        elif not fenced:
            lines.append(line)
    return lines


def anchors(text: str) -> set[str]:
    """text: a Markdown document -> the fragments its headings get, as GitHub makes them."""
    found = set()
    for line in prose(text):
        heading = re.match(r"^#{1,6} (.*)$", line)
        if heading:
            found.add(re.sub(r"[^\w\- ]", "", heading.group(1).strip().lower()).replace(" ", "-"))
    return found


def relative_links(text: str) -> list[str]:
    """text: a Markdown document -> the targets of its links that are not URLs (no scheme, no mailto)."""
    targets = [t for line in prose(text) for t in LINK.findall(line)]
    return [t for t in targets if not re.match(r"^[a-z][a-z+.-]*:", t)]


def test_anchors_are_made_as_github_makes_them():
    text = "# Fun with RNNs: the model (`hw/char_rnn`)\n```\n# not a heading\n```\n## Hints, and more\n"
    assert anchors(text) == {"fun-with-rnns-the-model-hwchar_rnn", "hints-and-more"}
    assert relative_links("[a](b.md#c) ![d](images/e.png) [f](https://g.org)\n```\n[h](i.md)\n```\n") == [
        "b.md#c", "images/e.png"]


@pytest.mark.parametrize("rel", DOCUMENTS)
def test_every_relative_link_reaches_a_file_and_heading_of_the_repository(rel):
    source = REPO / rel
    for target in relative_links(source.read_text()):
        path, _, fragment = target.partition("#")
        linked = (source.parent / path).resolve() if path else source
        assert linked.is_relative_to(REPO), f"{rel}: {target} points outside the repository"
        assert linked.exists(), f"{rel}: {target} does not exist"
        if fragment and linked.suffix == ".md":
            assert fragment in anchors(linked.read_text()), f"{rel}: {target}: no such heading"


def test_the_readme_is_a_front_door_that_links_every_guide():
    readme = (REPO / "README.md").read_text()
    linked = {Path(t.partition("#")[0]).as_posix() for t in relative_links(readme)}
    guides = {rel for rel in DOCUMENTS if rel.startswith("docs/")}
    assert guides and guides <= linked, sorted(guides - linked)
    assert len(readme.splitlines()) < 100
