"""Typed findings of a failed step, kept apart from the message text that reports them.

The comparison names a likely cause (a `Hint`); the judge stage records, in a
`Failure`, on which case and at which output the step first went wrong, the
hints it named there and, when the code did not finish, why (a `Cause`).
Messages are made from these; reports that count across handins (the class
report) read them from results.json, never from the text.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Any


class HintKind(Enum):
    """What recognised a cause: the step's catalog of known bugs, or a structural check of the comparison."""

    BUG = "bug"  # the output is what a known bug of the step's catalog produces; tags are catalog tags
    STRUCTURE = "structure"  # a check of the comparison (a batch factor, a flipped sign, swapped returns, ...)


@dataclass(frozen=True)
class Hint:
    """A likely cause the evidence names.

    kind: which evidence named it; tags: the catalog tags (kind BUG; several when the case cannot tell
    those bugs apart) or the structural check's name; text: the sentence the student reads after "hint: ".
    """

    kind: HintKind
    tags: tuple[str, ...]
    text: str

    def line(self) -> str:
        """-> the message line: 'hint: ' and the sentence."""
        return "hint: " + self.text


class Cause(Enum):
    """Why the code did not finish a case, where the grader knows it (official grading watches the worker)."""

    TIMED_OUT = "timed out"  # a case ran past its time limit
    OVER_BUDGET = "over budget"  # the handin's whole time budget ran out
    DIED = "died"  # the process running the code was killed or exited (memory, CPU time, os._exit)
    MALFORMED = "malformed report"  # what the code reported could not be decoded, or was too large
    REJECTED = "rejected"  # the handin itself was refused (unsafe or unreadable archive)
    # Outside the student's code: the grader or its setup failed, not the handin.
    NOT_STARTED = "worker did not start"
    NO_RUNTIME = "no runtime"  # no worker runtime for the step (the torch steps without --torch-worker-python)
    NOT_JUDGED = "not judged"  # judging what the code produced failed
    GRADER_ERROR = "grader error"  # the grader failed on the handin; it needs a regrade

    @property
    def outside_code(self) -> bool:
        """Whether the cause lies outside the student's code (the handin needs a regrade, not a fix)."""
        return self in (Cause.NOT_STARTED, Cause.NO_RUNTIME, Cause.NOT_JUDGED, Cause.GRADER_ERROR)


@dataclass(frozen=True)
class Failure:
    """Where and how a step first went wrong.

    case: the case's label ('case 7', 'hidden case 3'; '' for a step without cases); case_kind: its
    CaseKind value; output: the first wrong output as 'where: tensor' ('' when nothing was compared, e.g.
    the code raised first); hints: the hints named there; cause: why the code did not finish, if known.
    """

    case: str = ""
    case_kind: str = ""
    output: str = ""
    hints: tuple[Hint, ...] = ()
    cause: Cause | None = None

    def to_json(self) -> dict[str, Any]:
        """-> a JSON-ready dict (see `from_json`)."""
        return {"case": self.case, "case_kind": self.case_kind, "output": self.output,
                "hints": [{"kind": h.kind.value, "tags": list(h.tags), "text": h.text} for h in self.hints],
                "cause": self.cause.value if self.cause else None}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Failure":
        """data: what `to_json` wrote -> the Failure. Raises KeyError, TypeError or ValueError when malformed."""
        hints = tuple(Hint(HintKind(h["kind"]), tuple(str(t) for t in h["tags"]), str(h["text"]))
                      for h in data.get("hints") or [])
        cause = data.get("cause")
        return cls(str(data.get("case", "")), str(data.get("case_kind", "")), str(data.get("output", "")), hints,
                   Cause(cause) if cause else None)

