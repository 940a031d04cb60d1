"""What official grading writes: results.json, the readable feedback, the gradebook, Autolab's score line."""

import csv
import io
import json
from pathlib import Path

from autograder.report import failure_details, gradescope_json, table
from autograder.results import StepResult

VISIBILITIES = ("visible", "hidden", "after_due_date", "after_published")


def results_json(
    results: list[StepResult],
    elapsed: float,
    hidden_failed: set[str] | None = None,
    visibility: str | None = None,
    note: str | None = None,
    facts: dict | None = None,
) -> dict:
    """-> Gradescope's results.json as a dict (the runner's schema).

    hidden_failed: steps that failed on a hidden case; with `visibility` their test entries get it
    (e.g. 'after_published', so hidden-case inputs are held until grades are published).
    note: a line for the top-level output (e.g. that the grade is not official).
    facts: the top-level "extra_data", how the batch was graded (see official/facts.py).
    """
    data = gradescope_json(results, elapsed, facts)
    if visibility is not None:
        for test in data["tests"]:
            if test["name"] in (hidden_failed or set()):
                test["visibility"] = visibility
    if note:
        data["output"] = note
    return data


def write_results(path: Path, data: dict) -> None:
    """Write a results.json dict to path."""
    path.write_text(json.dumps(data, indent=2) + "\n")


def feedback_text(name: str, results: list[StepResult]) -> str:
    """-> the runner's text report of one handin (table, then every failed step's message)."""
    details = failure_details(results)
    return f"official grading of {name}\n\n{table(results)}\n" + (f"\n{details}\n" if details else "")


def gradebook_csv(rows: dict[str, list[StepResult]], isolation: str | None = None) -> str:
    """Write the gradebook as CSV: handin, total, max, one column per step; rows sorted by name.

    rows: handin name -> its step results.

    isolation: how student code was kept from the machine (sandbox.isolation), as a last column when given.
    """
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    first = next(iter(rows.values()), [])
    last = ["isolation"] if isolation is not None else []
    writer.writerow(["handin", "total", "max"] + [r.id for r in first] + last)
    for name in sorted(rows):
        results = rows[name]
        writer.writerow(
            [name, f"{sum(r.points for r in results):g}", f"{sum(r.max_points for r in results):g}"]
            + [f"{r.points:g}" for r in results]
            + ([isolation] if isolation is not None else [])
        )
    return buf.getvalue()


def autolab_line(results: list[StepResult], scoreboard: bool) -> str:
    """-> Autolab's result line: {"scores": {step: points, ...}} (and "scoreboard": [total, per step...])."""
    data: dict = {"scores": {r.id: r.points for r in results}}
    if scoreboard:
        data["scoreboard"] = [sum(r.points for r in results)] + [r.points for r in results]
    return json.dumps(data)
