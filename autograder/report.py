"""Presenting results: the terminal table and Gradescope's results.json.

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
from autograder.results import Status, StepResult
from autograder.supported import TORCH_INSTALL
from autograder.text import plural


def _points(x: float) -> str:
    return f"{x:g}"


def failure_details(results: list[StepResult]) -> str:
    """-> one block per failed step with its full message, and one per passing step with notes (a right value
    in another form than the one asked for, or a numpy warning), so that a passing step's note is seen too."""
    blocks = []
    for r in results:
        if r.failed:
            blocks.append(f"--- {r.id}: FAIL\n" + "\n".join(r.message))
        elif r.status is Status.PASSED and r.details:
            blocks.append(f"--- {r.id}: PASS, with a note\n" + "\n".join(r.details))
    return "\n\n".join(blocks)


_VERDICTS = {Status.NOT_MARKED: "NOT MARKED", Status.NEEDS_TORCH: "NEEDS TORCH", Status.PASSED: "PASS"}


def _verdict(r: StepResult) -> str:
    return _VERDICTS.get(r.status, "FAIL")


def unmarked_note(results: list[StepResult]) -> str:
    """-> what the total leaves out: "" or e.g. "the 10 points of mc, marked at official grading"."""
    parts = []
    for status, why in ((Status.NOT_MARKED, "marked at official grading"),
                        (Status.NEEDS_TORCH, "not run without torch")):
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
    return (f"not run without torch: {', '.join(waiting)} (neither passed nor failed; their points are not counted). "
            f"To check them: {TORCH_INSTALL}.")


def table(results: list[StepResult], width: int = 100) -> str:
    """-> the summary table: step, points earned / max, verdict (PASS, FAIL, NOT MARKED, NEEDS TORCH), headline."""
    id_w = max([len("step")] + [len(r.id) for r in results])
    pts = [f"{_points(r.points) if r.counted else '-'} / {_points(r.max_points)}" for r in results]
    pts_w = max([len("points")] + [len(p) for p in pts])
    rule = "-" * min(width, id_w + pts_w + 12)
    lines = [f"{'step':<{id_w}}  {'points':>{pts_w}}  result", rule]
    for r, p in zip(results, pts):
        line = f"{r.id:<{id_w}}  {p:>{pts_w}}  {_verdict(r)}"
        summary = "" if r.passed else r.summary
        if summary:
            room = max(20, width - len(line) - 2)
            line += "  " + (summary if len(summary) <= room else summary[: room - 3] + "...")
        lines.append(line)
    lines.append(rule)
    lines.append(f"{'total':<{id_w}}  {total_line(results)}")
    return "\n".join(lines)


def total_line(results: list[StepResult]) -> str:
    """-> the total: "240 / 275" when every step was checked; otherwise what this run checked apart from
    what it could not, e.g. "240 / 240 checked here; not checked: the 10 points of mc, marked at official
    grading" (a student sees at a glance whether everything this run can check passed)."""
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
    entry["output"] = "\n".join(_marking(r) + r.message) or _verdict(r)
    entry["extra_data"] = {"status": r.status.value, "failure": r.failure.to_json() if r.failure else None}
    return entry


def grading_facts(graded_by: str, settings: dict[str, Any]) -> dict[str, Any]:
    """-> the top-level "extra_data" of results.json: which tool graded (graded_by: "runner" or "official"),
    its version, and its settings (JSON values: hidden cases, time limits, runtimes, ...)."""
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


def write_json(path: Path, results: list[StepResult], execution_time: float,
               facts: dict[str, Any] | None = None) -> None:
    """Write the Gradescope results.json to path (facts: its top-level "extra_data", see `grading_facts`)."""
    path.write_text(json.dumps(gradescope_json(results, execution_time, facts), indent=2) + "\n")
