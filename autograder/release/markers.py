"""Solution regions: find them, check them, and replace them with stubs.

A region is fenced by two comment lines, each alone on its line and at the
same indentation:

    # BEGIN SOLUTION                  (or: # BEGIN SOLUTION hint: <text>)
    ...solution...
    # END SOLUTION

Markers are found as COMMENT tokens (so text inside strings is never taken
for one); marker text inside a STRING token, a near-miss spelling, an
unbalanced or nested marker is an error naming the file and line. Each region
belongs to the rubric step that lists its innermost enclosing function
(`Class.method` or `function`); its stub keeps the region's indentation and
raises NotImplementedError naming that step.

One stub shape: a region ends its block, so the function's `return` is
inside it. Code after a region in the same block would never run once the
region is a `raise`; it is an error naming the line.
"""

import ast
import io
import json
import re
import textwrap
import tokenize
from dataclasses import dataclass
from typing import Callable, Iterable

from autograder.rubric import RubricEntry

BEGIN = "# BEGIN SOLUTION"
END = "# END SOLUTION"
HINT = "hint:"
# The longest line a stub may have (the project's line length).
STUB_WIDTH = 120
# Anything that looks like a marker (any case, spacing or trailing text) must be an exact one.
_LOOKS_LIKE_MARKER = re.compile(r"#\s*(BEGIN|END)[\s_-]*SOLUTION", re.IGNORECASE)
_IN_STRING = re.compile(r"(BEGIN|END)[\s_-]*SOLUTION", re.IGNORECASE)


class MarkerError(ValueError):
    """A malformed, misplaced or unclaimed solution region; the message names file and line."""

    def __init__(self, path: str, line: int, problem: str) -> None:
        """Name the problem at `path`:`line` (1-based); the message reads 'path:line: problem'."""
        super().__init__(f"{path}:{line}: {problem}")
        self.path, self.line, self.problem = path, line, problem


@dataclass(frozen=True)
class Region:
    """One solution region of a file.

    begin, end: 1-based line numbers of the BEGIN and END marker lines.
    indent: the markers' indentation; hint: the text after `hint:` ('' if none).
    function: the qualified name of the enclosing function the rubric claims
    (`''` for a region outside any function); step: that rubric step's id.
    body: the source lines strictly between the markers (the solution).
    """

    path: str
    begin: int
    end: int
    indent: str
    hint: str
    function: str
    step: str
    body: tuple[str, ...]

    def stub(self) -> list[str]:
        """-> the lines (with newlines) that replace the region in the student's file.

        The TODO comment is wrapped so that no line is longer than STUB_WIDTH.
        """
        what = self.function or self.path
        todo = self.hint or f"implement {what}"
        message = f"{self.step}: {what} is not implemented yet"
        wrapped = textwrap.wrap(
            f"TODO ({self.step}): {todo}",
            width=STUB_WIDTH - len(self.indent) - 2,
            subsequent_indent="  ",
            break_on_hyphens=False,
        )
        return [f"{self.indent}# {line}\n" for line in wrapped] + [
            f"{self.indent}raise NotImplementedError({json.dumps(message, ensure_ascii=False)})\n",
        ]


def _marker_of(comment: str) -> tuple[str, str] | None:
    """comment: a COMMENT token's text -> ('begin', hint) / ('end', '') / None; raises ValueError if malformed."""
    text = comment.strip()
    if text == BEGIN:
        return "begin", ""
    if text.startswith(BEGIN + " " + HINT):
        hint = text[len(BEGIN + " " + HINT) :].strip()
        if not hint:
            raise ValueError("`hint:` with no hint text")
        return "begin", hint
    if text == END:
        return "end", ""
    if _LOOKS_LIKE_MARKER.match(text):
        raise ValueError(
            f"malformed marker {text!r}: write exactly {BEGIN!r} (optionally followed by ' {HINT} <text>') or {END!r}"
        )
    return None


def _markers(text: str, path: str) -> list[tuple[int, str, str, str]]:
    """-> (line, kind, hint, indent) for every marker, in order; raises MarkerError on marker text elsewhere."""
    lines = text.splitlines(keepends=True)
    found = []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(text).readline))
    except (tokenize.TokenError, SyntaxError) as exc:
        raise MarkerError(path, getattr(exc, "lineno", None) or 1, f"cannot tokenize: {exc}") from None
    for tok in tokens:
        row, col = tok.start
        if tok.type == tokenize.STRING or tok.type == getattr(tokenize, "FSTRING_MIDDLE", -1):
            match = _IN_STRING.search(tok.string)
            if match:
                line = row + tok.string[: match.start()].count("\n")
                raise MarkerError(path, line, "solution marker text inside a string: markers must be comments")
        if tok.type != tokenize.COMMENT:
            continue
        try:
            marker = _marker_of(tok.string)
        except ValueError as exc:
            raise MarkerError(path, row, str(exc)) from None
        if marker is None:
            continue
        before = lines[row - 1][:col]
        if before.strip():
            raise MarkerError(path, row, "a solution marker must be alone on its line")
        found.append((row, marker[0], marker[1], before))
    return found


def _continuation_rows(text: str) -> set[int]:
    """-> the rows that continue a multi-line string (their indentation is the string's, not the code's)."""
    rows: set[int] = set()
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
            rows.update(range(tok.start[0] + 1, tok.end[0] + 1))
    return rows


def _functions(tree: ast.AST) -> list[tuple[int, int, list[str]]]:
    """-> (first line, last line, qualified name parts) of every def, outermost first."""
    out = []

    def visit(node: ast.AST, names: list[str]) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([child.lineno] + [d.lineno for d in child.decorator_list])
                out.append((first, child.end_lineno or child.lineno, names + [child.name]))
                visit(child, names + [child.name])
            elif isinstance(child, ast.ClassDef):
                visit(child, names + [child.name])
            else:
                visit(child, names)

    visit(tree, [])
    return out


def _claims(rubric: Iterable[RubricEntry]) -> dict[str, list[RubricEntry]]:
    claims: dict[str, list[RubricEntry]] = {}
    for entry in rubric:
        for fn in entry.functions:
            claims.setdefault(fn, []).append(entry)
    return claims


def _owner(path: str, line: int, defs, claims, rubric) -> tuple[str, str]:
    """-> (function, step id) owning a region that starts at `line`; raises MarkerError if none does."""
    enclosing = [d for d in defs if d[0] <= line <= d[1]]
    if not enclosing:
        in_file = [e for e in rubric if e.file == path]
        if len(in_file) == 1:
            return "", in_file[0].id
        raise MarkerError(
            path,
            line,
            "solution region outside any function, and the rubric does not name exactly one step for this file",
        )
    parts = max(enclosing, key=lambda d: d[0])[2]
    # Innermost function first; a helper nested in a claimed method belongs to that method.
    for n in range(len(parts), 0, -1):
        name = ".".join(parts[:n])
        entries = claims.get(name, [])
        if len(entries) > 1:
            entries = [e for e in entries if e.file == path] or entries
        if len(entries) == 1:
            return name, entries[0].id
        if len(entries) > 1:
            ids = ", ".join(e.id for e in entries)
            raise MarkerError(path, line, f"{name} is claimed by several rubric steps ({ids})")
    raise MarkerError(
        path,
        line,
        f"solution region in {'.'.join(parts)}, which no rubric step lists in `functions` (autograder/rubric.json)",
    )


def _check_nothing_after(path: str, lines: list[str], end: int, indent: str, continued: set[int]) -> None:
    """Raise MarkerError if code follows the region ending at line `end` in its own block."""
    for n in range(end + 1, len(lines) + 1):
        line = lines[n - 1]
        if n in continued or not line.strip() or line.strip().startswith("#"):
            continue
        if len(line) - len(line.lstrip()) < len(indent):
            return  # the block has ended
        raise MarkerError(
            path,
            n,
            "code after a solution region, in its block, never runs in the stub (which "
            "raises): move it, and the return, inside the region",
        )


def find_regions(text: str, path: str, rubric: list[RubricEntry]) -> list[Region]:
    """text: a Python source; path: its repository-relative name (for messages) -> its regions in order.

    Raises MarkerError (naming path and line) on any malformed, unbalanced,
    nested or unclaimed region, or marker text inside a string.
    """
    markers = _markers(text, path)
    if not markers:
        return []
    try:
        tree = ast.parse(text, filename=path)
    except SyntaxError as exc:
        raise MarkerError(path, exc.lineno or 1, f"not valid Python: {exc.msg}") from None
    defs = _functions(tree)
    claims = _claims(rubric)
    lines = text.splitlines(keepends=True)
    continued = _continuation_rows(text)
    regions: list[Region] = []
    open_at: tuple[int, str, str] | None = None
    for row, kind, hint, indent in markers:
        if kind == "begin":
            if open_at is not None:
                raise MarkerError(path, row, f"nested {BEGIN}: the region opened at line {open_at[0]} is not closed")
            open_at = (row, hint, indent)
            continue
        if open_at is None:
            raise MarkerError(path, row, f"{END} without a matching {BEGIN}")
        begin, hint, begin_indent = open_at
        open_at = None
        if indent != begin_indent:
            raise MarkerError(path, row, f"{END} is not indented like its {BEGIN} at line {begin}")
        function, step = _owner(path, begin, defs, claims, rubric)
        for n in range(begin + 1, row):
            line = lines[n - 1]
            if n not in continued and line.strip() and not line.startswith(begin_indent):
                raise MarkerError(
                    path,
                    n,
                    f"line {n} is indented less than the region it is in (lines {begin}-{row}): "
                    "a region must stay inside one block",
                )
        _check_nothing_after(path, lines, row, begin_indent, continued)
        regions.append(Region(path, begin, row, begin_indent, hint, function, step, tuple(lines[begin : row - 1])))
    if open_at is not None:
        raise MarkerError(path, open_at[0], f"{BEGIN} is never closed by {END}")
    return regions


def strip(
    text: str,
    path: str,
    rubric: list[RubricEntry],
    keep: Callable[[Region], bool] = lambda region: False,
) -> tuple[str, list[Region]]:
    """Replace solution regions with stubs.

    text: a Python source with solution regions; path: its relative name;
    keep: regions for which it returns True keep their solution (markers dropped).
    -> (the new text, every region found). The new text is checked to compile.
    """
    regions = find_regions(text, path, rubric)
    lines = text.splitlines(keepends=True)
    out: list[str] = []
    cursor = 0
    for region in regions:
        out += lines[cursor : region.begin - 1]
        out += list(region.body) if keep(region) else region.stub()
        cursor = region.end
    out += lines[cursor:]
    result = "".join(out)
    try:
        compile(result, path, "exec", dont_inherit=True)
    except SyntaxError as exc:
        raise MarkerError(path, exc.lineno or 1, f"the stubbed file does not compile: {exc.msg}") from None
    return result, regions
