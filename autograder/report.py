"""Presenting results: the terminal table and Gradescope's results.json."""

import json
from pathlib import Path

from autograder.engine import StepResult


def _points(x: float) -> str:
    return f"{x:g}"


def failure_details(results: list[StepResult]) -> str:
    """-> one block per failed step with its full message."""
    blocks = []
    for r in results:
        if not r.passed:
            blocks.append(f"--- {r.id}: FAIL\n" + "\n".join(r.message))
    return "\n\n".join(blocks)


def table(results: list[StepResult], width: int = 100) -> str:
    """-> the summary table: step, points earned / max, PASS or FAIL, first problem."""
    id_w = max([len("step")] + [len(r.id) for r in results])
    pts = [f"{_points(r.points)} / {_points(r.max_points)}" for r in results]
    pts_w = max([len("points")] + [len(p) for p in pts])
    lines = [f"{'step':<{id_w}}  {'points':>{pts_w}}  result", "-" * min(width, id_w + pts_w + 12)]
    for r, p in zip(results, pts):
        line = f"{r.id:<{id_w}}  {p:>{pts_w}}  {'PASS' if r.passed else 'FAIL'}"
        if not r.passed and r.summary:
            room = max(20, width - len(line) - 2)
            summary = r.summary if len(r.summary) <= room else r.summary[: room - 3] + "..."
            line += "  " + summary
        lines.append(line)
    total = sum(r.points for r in results)
    total_max = sum(r.max_points for r in results)
    lines.append("-" * min(width, id_w + pts_w + 12))
    lines.append(f"{'total':<{id_w}}  {_points(total) + ' / ' + _points(total_max):>{pts_w}}")
    return "\n".join(lines)


def gradescope_json(results: list[StepResult], execution_time: float) -> dict:
    """-> a dict in Gradescope's results.json schema."""
    return {
        "score": sum(r.points for r in results),
        "max_score": sum(r.max_points for r in results),
        "execution_time": round(execution_time, 3),
        "tests": [
            {
                "name": r.id,
                "score": r.points,
                "max_score": r.max_points,
                "status": "passed" if r.passed else "failed",
                "output": "\n".join(r.message) if r.message else ("PASS" if r.passed else "FAIL"),
            }
            for r in results
        ],
    }


def write_json(path: Path, results: list[StepResult], execution_time: float) -> None:
    """Write the Gradescope results.json to path."""
    path.write_text(json.dumps(gradescope_json(results, execution_time), indent=2) + "\n")
