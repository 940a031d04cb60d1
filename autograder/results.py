"""The verdict on a step (`StepResult`), as the runner and official grading report it.

A result holds its status, its `Headline`, the findings that explain it
(`Detail`s) and, typed, where it first went wrong (`Failure`). Reports
(`report.py`, official grading's outputs) phrase and present it; nothing
here makes message text of findings.
"""

from dataclasses import dataclass, field
from enum import Enum

from autograder.findings import Detail, Failure, Headline, HeadlineKind, Note, NoteKind
from autograder.isolation import ErrorKind
from autograder.rubric import RubricEntry


class Status(Enum):
    """The verdict on a step; the value is how reports spell it."""

    PASSED = "passed"
    NOT_MARKED = "not yet marked"  # right in form; only official grading can mark it (a quiz, locally)
    FAILED = "failed"  # it ran, and an output is wrong
    NOT_IMPLEMENTED = "not implemented"
    ERROR = "error"  # it raised, or exited
    TIMED_OUT = "timed out"
    NEEDS_TORCH = "needs torch"  # the student's code for it imports torch, which is not installed: not run


STATUS_OF_ERROR = {
    ErrorKind.EXCEPTION: Status.ERROR,
    ErrorKind.NOT_IMPLEMENTED: Status.NOT_IMPLEMENTED,
    ErrorKind.TIMED_OUT: Status.TIMED_OUT,
}


@dataclass
class StepResult:
    """The verdict on one step: its status, its headline and the findings that explain it."""

    id: str
    points: float
    max_points: float
    status: Status = Status.FAILED
    headline: Headline | None = None
    details: list[Detail] = field(default_factory=list)
    cases_checked: int = 0
    # Typed: where it first went wrong and the hints named there (None when it did not fail on a case).
    failure: Failure | None = None

    @property
    def passed(self) -> bool:
        """Whether the step passed."""
        return self.status is Status.PASSED

    @property
    def failed(self) -> bool:
        """Something is wrong (a step that is only not yet marked, or not run for want of torch, has not failed)."""
        return self.status not in (Status.PASSED, Status.NOT_MARKED, Status.NEEDS_TORCH)

    @property
    def counted(self) -> bool:
        """Whether its points count in the local total (not for a step only official grading marks or one not run)."""
        return self.status not in (Status.NOT_MARKED, Status.NEEDS_TORCH)


def needs_torch(entry: RubricEntry) -> StepResult:
    """-> the result of a step whose code needs torch, on a machine without it: not run, neither passed nor failed."""
    return StepResult(
        entry.id,
        0.0,
        entry.points,
        Status.NEEDS_TORCH,
        Headline(HeadlineKind.NEEDS_TORCH, entry.file),
        [Note(NoteKind.TORCH, "")],
    )


def with_dependency_note(result: StepResult, failed: set[str], entry: RubricEntry, files: dict[str, str]) -> StepResult:
    """Add to a failed step's message which failed steps it uses and where to start; records it in `failed`."""
    broken = [d for d in entry.depends if d in failed]
    if result.failed and broken:
        names = ", ".join(broken)
        result.details.insert(0, Note(NoteKind.DEPENDENCY, names))
    if result.failed:
        if result.status is Status.NOT_IMPLEMENTED:
            # A failed dependency is where the fix starts, not this step's own file.
            result.details.append(Note(NoteKind.START, files[broken[0]] if broken else entry.file))
        failed.add(entry.id)
    return result
