"""Presenting results: the findings as message lines, the terminal table and Gradescope's results.json.

Findings (`autograder/findings.py`) become text here and nowhere else: the
step's `Headline`, then, indented under it, a comparison's `Mismatch` with
its numbers, hints, a locator's `Location`, the judges' `Note`s and a
traceback.

results.json also carries the typed facts that reports across handins read
(`autograder/classreport/`), in the places Gradescope's schema leaves for
such data: each test's "extra_data" holds the step's status and `Failure`
(its case, first wrong output, hints and cause), and the top-level
"extra_data" says what graded it, with which settings. Gradescope stores them
and shows students none of them.
"""

import json
from pathlib import Path
from typing import Any

from autograder import __version__
from autograder.cases import CaseKind
from autograder.findings import (
    Check,
    Detail,
    DtypeSlip,
    Headline,
    HeadlineKind,
    Hint,
    Location,
    Mismatch,
    Note,
    NoteKind,
    Traceback,
)
from autograder.results import Status, StepResult
from autograder.supported import TORCH_INSTALL
from autograder.text import plural

INDENT = "  "


def _fmt(x: float) -> str:
    return f"{x:.6g}"


def _index(idx: tuple[int, ...]) -> str:
    return "(" + ", ".join(str(i) for i in idx) + ("," if len(idx) == 1 else "") + ")"


def hint_line(hint: Hint) -> str:
    """-> the message line of a hint: 'hint: ' and its sentence."""
    return "hint: " + hint.text


_DTYPE_SLIPS = {
    DtypeSlip.FLOAT: " (keep every array in float64)",
    DtypeSlip.RIGHT_VALUES: "; the values are right: convert with .astype(np.float64)",
    DtypeSlip.LOSES_VALUES: " (an integer or boolean array loses the values)",
}


def _value_lines(m: Mismatch) -> list[str]:
    lines = [f"Mismatched elements: {m.mismatched} / {m.total} ({100.0 * m.mismatched / m.total:.1f}%)"]
    if m.nonfinite is not None:
        bad = m.nonfinite
        lines.append(
            f"got {bad.value} at index {_index(bad.index)} ({bad.count} non-finite values): "
            "an overflow, log(0) or 0/0 somewhere"
        )
    elif m.extremes is not None:
        e = m.extremes
        lines += [
            f"Greatest absolute difference: {_fmt(e.abs_diff)} at index {_index(e.abs_index)} "
            f"(up to {_fmt(e.atol)} allowed, plus rtol {_fmt(e.rtol)} x |expected|)",
            f"Greatest relative difference: {_fmt(e.rel_diff)} at index {_index(e.rel_index)} "
            f"(up to {_fmt(e.rtol)} allowed)",
            f"At index {_index(e.abs_index)}: expected {_fmt(e.expected)}, got {_fmt(e.got)}",
        ]
    return lines


def mismatch_lines(m: Mismatch) -> list[str]:
    """-> the lines saying why an output does not match: the failed check with its numbers, then the hint."""
    shape = m.expected_shape
    lines = {
        Check.PRODUCED: lambda: ["not produced (the attribute was never set, or nothing was returned)"],
        Check.NONE: lambda: ["got None: the value was never returned or assigned"],
        Check.NUMBER: lambda: [f"type: expected a numpy.ndarray of shape {shape}, got a single number ({m.got_type})"],
        Check.TYPE: lambda: [f"type: expected a numpy.ndarray of shape {shape}, got {m.got_type}"],
        Check.DTYPE: lambda: [
            f"dtype: expected float64, got {m.dtype}" + _DTYPE_SLIPS[m.dtype_slip or DtypeSlip.LOSES_VALUES]
        ],
        Check.SHAPE: lambda: [f"shape: expected {shape}, got {m.got_shape}"],
        Check.VALUES: lambda: _value_lines(m),
    }[m.check]()
    return lines + ([hint_line(m.hint)] if m.hint else [])


def _passed(cases: tuple[tuple[CaseKind, int], ...]) -> str:
    return "passed " + " and ".join(
        plural(n, "stored case" if kind is CaseKind.STORED else kind.value) for kind, n in cases
    )


def _well_formed(count: int, total: int) -> str:
    if count == total:
        return "the answer is well-formed" if total == 1 else f"all {plural(total, 'answer')} are well-formed"
    return f"{count} of {total} answers are well-formed"


def headline_text(h: Headline | None) -> str:
    """-> the first line of a step's message ('' for none), e.g. "Linear.forward, case 2 (batch 1, in 6, out 2): y"."""
    if h is None:
        return ""
    about = f"{h.where}, {h.case} ({h.desc})" if h.case else h.where
    match h.kind:
        case HeadlineKind.WRONG | HeadlineKind.RAISED:
            return f"{about}: {h.subject}"
        case HeadlineKind.PASSED:
            return _passed(h.cases)
        case HeadlineKind.NEEDS_TORCH:
            return f"not run: {h.subject} needs torch"
        case HeadlineKind.WELL_FORMED:
            return _well_formed(h.count, h.total)
        case HeadlineKind.RIGHT:
            return f"{h.count} of {h.total} answers are right"
        case HeadlineKind.NOT_JUDGED:
            return f"{about}: what the code produced could not be judged ({h.subject})"
        case HeadlineKind.REJECTED:
            return f"handin rejected: {h.subject}"
        case _:  # STUB and NOT_RUN: said in their own words
            return h.subject


def _note_lines(note: Note) -> list[str]:
    if note.kind is NoteKind.PASSED_WITH:
        return [f"note: {note.text}"]
    if note.kind is NoteKind.TRIAL:
        return [note.text]
    said = {
        NoteKind.ALSO_WRONG: f"also wrong in this case: {note.text}",
        NoteKind.RAISED: f"then it raised: {note.text}",
        NoteKind.DEPENDENCY: f"note: this step uses {note.text}, which failed above: fix {note.text} first",
        NoteKind.START: f"start in {note.text}",
        NoteKind.TORCH: f"to check this step: {TORCH_INSTALL}; official grading runs it with torch",
    }.get(note.kind, note.text)
    return [INDENT + said]


def detail_lines(details: list[Detail]) -> list[str]:
    """-> the lines of a step's details, each finding phrased and indented under the headline."""
    lines: list[str] = []
    for d in details:
        if isinstance(d, Mismatch):
            lines += [INDENT + line for line in mismatch_lines(d)]
        elif isinstance(d, Location):
            lines += [INDENT + line for line in d.lines]
        elif isinstance(d, Traceback):
            lines += [INDENT + "where:"] + [INDENT * 2 + line for line in d.lines] if d.lines else []
        else:
            lines += _note_lines(d)
    return lines


def message_lines(r: StepResult) -> list[str]:
    """-> a step's message: its headline followed by its details."""
    headline = headline_text(r.headline)
    return ([headline] if headline else []) + detail_lines(r.details)


def _points(x: float) -> str:
    return f"{x:g}"


def failure_details(results: list[StepResult]) -> str:
    """-> one block per failed step with its full message, and one per passing step with notes.

    A passing step's notes (a right value in another form than the one asked for, or a numpy warning) are
    shown too, so that they are seen.
    """
    blocks = []
    for r in results:
        if r.failed:
            blocks.append(f"--- {r.id}: FAIL\n" + "\n".join(message_lines(r)))
        elif r.status is Status.PASSED and r.details:
            blocks.append(f"--- {r.id}: PASS, with a note\n" + "\n".join(detail_lines(r.details)))
    return "\n\n".join(blocks)


_VERDICTS = {Status.NOT_MARKED: "NOT MARKED", Status.NEEDS_TORCH: "NEEDS TORCH", Status.PASSED: "PASS"}


def _verdict(r: StepResult) -> str:
    return _VERDICTS.get(r.status, "FAIL")


def unmarked_note(results: list[StepResult]) -> str:
    """-> what the total leaves out: "" or e.g. "the 10 points of mc, marked at official grading"."""
    parts = []
    for status, why in (
        (Status.NOT_MARKED, "marked at official grading"),
        (Status.NEEDS_TORCH, "not run without torch"),
    ):
        left = [r for r in results if r.status is status]
        if left:
            names = " and ".join(f"the {plural(r.max_points, 'point')} of {r.id}" for r in left)
            parts.append(f"{names}, {why}")
    return "; ".join(parts)


def torch_note(results: list[StepResult]) -> str:
    """-> "" or one line saying which steps were not run for want of torch, and how to install it."""
    waiting = [r.id for r in results if r.status is Status.NEEDS_TORCH]
    if not waiting:
        return ""
    return (
        f"not run without torch: {', '.join(waiting)} (neither passed nor failed; their points are not counted). "
        f"To check them: {TORCH_INSTALL}."
    )


def table(results: list[StepResult], width: int = 100) -> str:
    """-> the summary table: step, points earned / max, verdict (PASS, FAIL, NOT MARKED, NEEDS TORCH), headline."""
    id_w = max([len("step")] + [len(r.id) for r in results])
    pts = [f"{_points(r.points) if r.counted else '-'} / {_points(r.max_points)}" for r in results]
    pts_w = max([len("points")] + [len(p) for p in pts])
    rule = "-" * min(width, id_w + pts_w + 12)
    lines = [f"{'step':<{id_w}}  {'points':>{pts_w}}  result", rule]
    for r, p in zip(results, pts):
        line = f"{r.id:<{id_w}}  {p:>{pts_w}}  {_verdict(r)}"
        summary = "" if r.passed else headline_text(r.headline)
        if summary:
            room = max(20, width - len(line) - 2)
            line += "  " + (summary if len(summary) <= room else summary[: room - 3] + "...")
        lines.append(line)
    lines.append(rule)
    lines.append(f"{'total':<{id_w}}  {total_line(results)}")
    return "\n".join(lines)


def total_line(results: list[StepResult]) -> str:
    """-> the total: "240 / 275" when every step was checked; otherwise what this run checked apart from the rest.

    E.g. "240 / 240 checked here; not checked: the 10 points of mc, marked at official grading": a student
    sees at a glance whether everything this run can check passed.
    """
    total = sum(r.points for r in results)
    checked_max = sum(r.max_points for r in results if r.counted)
    note = unmarked_note(results)
    if not note:
        return f"{_points(total)} / {_points(checked_max)}"
    return f"{_points(total)} / {_points(checked_max)} checked here; not checked: {note}"


def _marking(r: StepResult) -> list[str]:
    if r.status is Status.NEEDS_TORCH:
        return [f"not run: its {plural(r.max_points, 'point')} are not counted here"]
    if r.status is not Status.NOT_MARKED:
        return []
    return [f"not yet marked: its {plural(r.max_points, 'point')} are awarded at official grading"]


def _test_entry(r: StepResult) -> dict:
    entry: dict[str, Any] = {"name": r.id, "score": r.points, "max_score": r.max_points}
    # Gradescope's status is optional: a step not run for want of torch has neither passed nor failed.
    if r.status is not Status.NEEDS_TORCH:
        entry["status"] = "failed" if r.failed else "passed"
    entry["output"] = "\n".join(_marking(r) + message_lines(r)) or _verdict(r)
    entry["extra_data"] = {"status": r.status.value, "failure": r.failure.to_json() if r.failure else None}
    return entry


# The top-level "extra_data" key under which official grading records its isolation mode (namespaces,
# cgroups, ...); the class report says "not recorded" where it is absent.
ISOLATION_KEY = "isolation"


def grading_facts(graded_by: str, settings: dict[str, Any]) -> dict[str, Any]:
    """-> the top-level "extra_data" of results.json: which tool graded, its version, and its settings.

    graded_by: "runner" or "official"; settings: JSON values (hidden cases, time limits, runtimes, ...).
    """
    return {"autograder": __version__, "graded_by": graded_by, "settings": settings}


def gradescope_json(results: list[StepResult], execution_time: float, facts: dict[str, Any] | None = None) -> dict:
    """-> a dict in Gradescope's results.json schema.

    A step that is not yet marked scores 0 with status "passed" (its check passed), its
    output saying so; a step not run for want of torch scores 0 without a status; the
    top-level "output" says what the score leaves out.
    facts: the top-level "extra_data" (see `grading_facts`), if any.
    """
    note = unmarked_note(results)
    return {
        **({"output": f"score not counting {note}"} if note else {}),
        "score": sum(r.points for r in results),
        "max_score": sum(r.max_points for r in results),
        "execution_time": round(execution_time, 3),
        "tests": [_test_entry(r) for r in results],
        **({"extra_data": facts} if facts is not None else {}),
    }


def write_json(
    path: Path, results: list[StepResult], execution_time: float, facts: dict[str, Any] | None = None
) -> None:
    """Write the Gradescope results.json to path (facts: its top-level "extra_data", see `grading_facts`)."""
    path.write_text(json.dumps(gradescope_json(results, execution_time, facts), indent=2) + "\n")
