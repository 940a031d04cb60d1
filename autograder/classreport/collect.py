"""Reading many handins' results.json files: a graded batch folder, or a folder of the runner's --json output.

A batch folder holds `<name>/results.json` per handin (official grading); a TA's
folder may hold `<name>.json` files or `<name>/results.json`, at any depth. A
file that is not a results.json this toolkit wrote is listed as unreadable,
never guessed at.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from autograder.findings import Failure
from autograder.results import Status

# What the report writes into the folder; never read back as results.
REPORT_FOLDER = "report"


@dataclass
class StepGrade:
    """One step of one handin: points, status (a results.Status), the typed failure and the message."""

    id: str
    points: float
    max_points: float
    status: Status
    failure: Failure | None
    message: str

    @property
    def headline(self) -> str:
        """The message's first line ('' when there is no message)."""
        return self.message.splitlines()[0] if self.message else ""


@dataclass
class HandinGrade:
    """One handin's results: its name, score, steps in rubric order, and how it was graded (top-level facts)."""

    name: str
    score: float
    max_score: float
    steps: list[StepGrade]
    facts: dict[str, Any] = field(default_factory=dict)

    @property
    def has_facts(self) -> bool:
        """Whether the file records typed facts (results.json from an older version does not)."""
        return bool(self.facts)


@dataclass
class Collected:
    """Everything read from a folder: the handins by name, and the files that could not be read (path, why)."""

    handins: list[HandinGrade]
    unreadable: list[tuple[str, str]]


def _status(test: dict[str, Any]) -> Status:
    extra = test.get("extra_data")
    if isinstance(extra, dict) and isinstance(extra.get("status"), str):
        return Status(extra["status"])
    # Written without facts: Gradescope's own status is all there is.
    return {"passed": Status.PASSED, "failed": Status.FAILED}.get(str(test.get("status")), Status.NEEDS_TORCH)


def _failure(test: dict[str, Any]) -> Failure | None:
    extra = test.get("extra_data")
    if isinstance(extra, dict) and isinstance(extra.get("failure"), dict):
        return Failure.from_json(extra["failure"])
    return None


def parse_results(name: str, data: Any) -> HandinGrade:
    """Read a handin's results.json, as loaded, into its HandinGrade, under `name`.

    Raises ValueError (or KeyError, TypeError) if it is not a results.json of this toolkit.
    """
    if not isinstance(data, dict) or not isinstance(data.get("tests"), list):
        raise ValueError("not a Gradescope results.json (no list of tests)")
    steps = [
        StepGrade(
            str(t["name"]), float(t["score"]), float(t["max_score"]), _status(t), _failure(t), str(t.get("output", ""))
        )
        for t in data["tests"]
    ]
    facts = data.get("extra_data")
    return HandinGrade(
        name, float(data["score"]), float(data["max_score"]), steps, facts if isinstance(facts, dict) else {}
    )


def _name(path: Path, folder: Path) -> str:
    """-> the handin's name: its folder's path for <name>/results.json, else the file's path without .json."""
    rel = path.relative_to(folder)
    rel = rel.parent if path.name == "results.json" else rel.with_suffix("")
    return folder.resolve().name if rel == Path(".") else rel.as_posix()


def collect(folder: Path) -> Collected:
    """folder: a graded batch folder or a folder of results files -> what they hold, sorted by handin name."""
    handins, unreadable = [], []
    for path in sorted(folder.rglob("*.json")):
        rel = path.relative_to(folder)
        if rel.parts[0] == REPORT_FOLDER or not path.is_file():
            continue
        try:
            handins.append(parse_results(_name(path, folder), json.loads(path.read_text(encoding="utf-8"))))
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
            unreadable.append((rel.as_posix(), f"{type(exc).__name__}: {exc}"))
    handins.sort(key=lambda h: h.name)
    return Collected(handins, unreadable)
