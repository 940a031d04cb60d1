"""Generated regions: the parts of the documents and scripts that only restate the rubric.

autograder/rubric.json is the one place a step's facts are written (id, points, file, functions,
dependencies, torch). The tables of points and files in the documents (docs/runner.md, the handout's
READMEs) and create_tarball.sh's list of required files are generated from it, between two marker lines:

    <!-- BEGIN GENERATED: points -->          (Markdown)
    ...
    <!-- END GENERATED: points -->

    # BEGIN GENERATED: required-files         (shell)
    ...
    # END GENERATED: required-files

`python -m autograder.release generate` rewrites every region; `--check` writes nothing and names
the regions that are not what the rubric gives. The release build refuses stale regions.
"""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from autograder.rubric import RubricEntry

# The files that hold generated regions (relative to the repository root), and the regions each must hold.
DOCUMENTS = {
    "docs/runner.md": ("points",),
    "handout/README.md": ("files", "points"),
    "handout/STUDENT_README.md": ("files",),
    "create_tarball.sh": ("required-files",),
}
COMMAND = "python -m autograder.release generate"
_MARKER = re.compile(r"^(?:<!--|#) (BEGIN|END) GENERATED: ([a-z][a-z-]*)(?: -->)?$")


class GeneratedRegionError(ValueError):
    """A malformed or unknown generated region; the message names file and line."""


@dataclass(frozen=True)
class GeneratedRegion:
    """One generated region of a document: its name and the 0-based indices of its marker lines."""

    name: str
    begin: int
    end: int


def _points(value: float) -> str:
    return f"{value:g}"


def _named(function: str) -> str:
    """'Class.method' stays as it is; a module-level 'name' reads as 'name()'."""
    return f"`{function}`" if "." in function else f"`{function}()`"


def points_table(rubric: list[RubricEntry]) -> list[str]:
    """-> the Markdown table of steps, points and what each grades, with the total."""
    rows = ["| step | points | what |", "| --- | --- | --- |"]
    rows += [f"| `{e.id}` | {_points(e.points)} | {e.title} (`{e.file}`) |" for e in rubric]
    rows.append(f"| total | {_points(sum(e.points for e in rubric))} | |")
    return rows


def files_table(rubric: list[RubricEntry]) -> list[str]:
    """-> the Markdown table of the files students edit, in rubric order: what to write there, and its steps."""
    by_file: dict[str, list[RubricEntry]] = {}
    for entry in rubric:
        by_file.setdefault(entry.file, []).append(entry)
    rows = ["| file | what you write | steps |", "| --- | --- | --- |"]
    for file, entries in by_file.items():
        functions = ", ".join(_named(f) for e in entries for f in e.functions)
        torch = " (torch)" if any(e.torch for e in entries) else ""
        steps = ", ".join(f"`{e.id}`" for e in entries)
        rows.append(f"| `{file}` | {functions}{torch} | {steps} |")
    return rows


def required_files(rubric: list[RubricEntry]) -> list[str]:
    """-> every file a step grades and the package files (__init__.py) above it.

    Top folders come in the order the rubric first names them; within one, sorted by path, each package's
    __init__.py first.
    """
    files: set[str] = set()
    tops: dict[str, int] = {}
    for entry in rubric:
        parts = entry.file.split("/")
        tops.setdefault(parts[0], len(tops))
        files.add(entry.file)
        files.update("/".join(parts[:n] + ["__init__.py"]) for n in range(1, len(parts)))

    def key(rel: str) -> tuple[int, list[str], bool, str]:
        folders, name = rel.split("/")[:-1], rel.rsplit("/", 1)[-1]
        return tops.get(folders[0] if folders else "", len(tops)), folders, name != "__init__.py", name

    return sorted(files, key=key)


def required_block(rubric: list[RubricEntry]) -> list[str]:
    """-> create_tarball.sh's assignment of the files it refuses to pack without."""
    return ['required="', *required_files(rubric), '"']


RENDERERS: dict[str, Callable[[list[RubricEntry]], list[str]]] = {
    "points": points_table,
    "files": files_table,
    "required-files": required_block,
}


def find_generated(text: str, path: str) -> list[GeneratedRegion]:
    """text: a document -> its generated regions, in order. Raises GeneratedRegionError naming path:line."""
    regions: list[GeneratedRegion] = []
    open_at: tuple[int, str] | None = None
    for n, line in enumerate(text.splitlines()):
        match = _MARKER.match(line.strip())
        if "GENERATED:" in line and match is None and ("BEGIN" in line or "END" in line):
            raise GeneratedRegionError(f"{path}:{n + 1}: malformed generated-region marker {line.strip()!r}")
        if match is None:
            continue
        kind, name = match.groups()
        if kind == "BEGIN":
            if open_at is not None:
                raise GeneratedRegionError(f"{path}:{n + 1}: region {name!r} opens inside region {open_at[1]!r}")
            if name not in RENDERERS:
                raise GeneratedRegionError(
                    f"{path}:{n + 1}: unknown generated region {name!r} (known: {', '.join(sorted(RENDERERS))})"
                )
            open_at = (n, name)
        else:
            if open_at is None or open_at[1] != name:
                raise GeneratedRegionError(f"{path}:{n + 1}: END of region {name!r} without its BEGIN")
            regions.append(GeneratedRegion(name, open_at[0], n))
            open_at = None
    if open_at is not None:
        raise GeneratedRegionError(f"{path}:{open_at[0] + 1}: region {open_at[1]!r} is never closed")
    return regions


def regenerate(text: str, path: str, rubric: list[RubricEntry]) -> tuple[str, list[str]]:
    """text: a document -> (the document with every generated region rewritten, the names of those that changed)."""
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    changed: list[str] = []
    cursor = 0
    for region in find_generated(text, path):
        out += lines[cursor : region.begin + 1]
        body = [line + "\n" for line in RENDERERS[region.name](rubric)]
        if body != lines[region.begin + 1 : region.end]:
            changed.append(region.name)
        out += body
        cursor = region.end
    out += lines[cursor:]
    return "".join(out), changed


def stale_regions(root: Path, rubric: list[RubricEntry], write: bool = False) -> list[str]:
    """root: the repository -> 'file: region' for every generated region that differs from the rubric's.

    write: rewrite those regions too. A listed document that does not exist is skipped.
    Raises GeneratedRegionError on a malformed region, or a document without a region it must hold.
    """
    stale: list[str] = []
    for rel, names in DOCUMENTS.items():
        path = root / rel
        if not path.is_file():
            continue
        text = path.read_text(encoding="utf-8")
        found = {region.name for region in find_generated(text, rel)}
        missing = [name for name in names if name not in found]
        if missing:
            raise GeneratedRegionError(
                f"{rel}: no generated region {', '.join(map(repr, missing))}: add its "
                "BEGIN GENERATED / END GENERATED marker lines where it belongs"
            )
        new, changed = regenerate(text, rel, rubric)
        stale += [f"{rel}: {name}" for name in changed]
        if write and changed:
            path.write_text(new, encoding="utf-8")
    return stale
