"""Presenting results: the terminal table and Gradescope's results.json."""

import json
from pathlib import Path

from autograder.engine import Status, StepResult
from autograder.text import plural


def _points(x: float) -> str:
    return f"{x:g}"


def failure_details(results: list[StepResult]) -> str:
    """-> one block per failed step with its full message."""
    blocks = []
    for r in results:
        if r.failed:
            blocks.append(f"--- {r.id}: FAIL\n" + "\n".join(r.message))
    return "\n\n".join(blocks)


def _verdict(r: StepResult) -> str:
    return "NOT MARKED" if r.status is Status.NOT_MARKED else "PASS" if r.passed else "FAIL"


def unmarked_note(results: list[StepResult]) -> str:
    """-> what the total leaves out: "" or e.g. "not counting the 10 points of mc, marked at official grading"."""
    unmarked = [r for r in results if r.status is Status.NOT_MARKED]
    if not unmarked:
        return ""
    names = " and ".join(f"the {plural(r.max_points, 'point')} of {r.id}" for r in unmarked)
    return f"not counting {names}, marked at official grading"


def table(results: list[StepResult], width: int = 100) -> str:
    """-> the summary table: step, points earned / max, PASS, FAIL or NOT MARKED, first line of the message."""
    id_w = max([len("step")] + [len(r.id) for r in results])
    pts = [f"{'-' if r.status is Status.NOT_MARKED else _points(r.points)} / {_points(r.max_points)}" for r in results]
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
    total = sum(r.points for r in results)
    total_max = sum(r.max_points for r in results)
    lines.append(rule)
    note = unmarked_note(results)
    lines.append(f"{'total':<{id_w}}  {_points(total) + ' / ' + _points(total_max):>{pts_w}}"
                 + (f"  ({note})" if note else ""))
    return "\n".join(lines)


def _marking(r: StepResult) -> list[str]:
    if r.status is not Status.NOT_MARKED:
        return []
    return [f"not yet marked: its {plural(r.max_points, 'point')} are awarded at official grading"]


def gradescope_json(results: list[StepResult], execution_time: float) -> dict:
    """-> a dict in Gradescope's results.json schema.

    A step that is not yet marked scores 0 with status "passed" (its check passed), its
    output saying so, and the top-level "output" says what the score leaves out.
    """
    note = unmarked_note(results)
    return {
        **({"output": f"score {note}"} if note else {}),
        "score": sum(r.points for r in results),
        "max_score": sum(r.max_points for r in results),
        "execution_time": round(execution_time, 3),
        "tests": [
            {
                "name": r.id,
                "score": r.points,
                "max_score": r.max_points,
                "status": "failed" if r.failed else "passed",
                "output": "\n".join(_marking(r) + r.message) or _verdict(r),
            }
            for r in results
        ],
    }


def write_json(path: Path, results: list[StepResult], execution_time: float) -> None:
    """Write the Gradescope results.json to path."""
    path.write_text(json.dumps(gradescope_json(results, execution_time), indent=2) + "\n")
