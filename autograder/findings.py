"""Typed findings of a step, kept apart from the message text that reports them.

The comparison finds a `Mismatch` (which check failed, with its numbers) and
names a likely cause (a `Hint`); a locator says where a mismatch starts (a
`Location`); the judges sum the verdict up in a `Headline` (the wrong output
and its case, the error, the count of cases passed), add `Note`s (another
wrong output, a crash, a warning, a dependency) and the student's traceback
(`Traceback`). The judge
stage records, in a `Failure`, on which case and at which output the step
first went wrong, the hints it named there and, when the code did not
finish, why (a `Cause`). Only reports (`autograder/report.py`) make text of
these; reports that count across handins (the class report) read them from
results.json, never from the text.
"""

from dataclasses import dataclass, replace
from enum import Enum
from typing import Any, Union

from autograder.cases import CaseKind


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
        return {
            "case": self.case,
            "case_kind": self.case_kind,
            "output": self.output,
            "hints": [{"kind": h.kind.value, "tags": list(h.tags), "text": h.text} for h in self.hints],
            "cause": self.cause.value if self.cause else None,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "Failure":
        """-> the Failure `to_json` wrote as data. Raises KeyError, TypeError or ValueError when malformed."""
        hints = tuple(
            Hint(HintKind(h["kind"]), tuple(str(t) for t in h["tags"]), str(h["text"])) for h in data.get("hints") or []
        )
        cause = data.get("cause")
        return cls(
            str(data.get("case", "")),
            str(data.get("case_kind", "")),
            str(data.get("output", "")),
            hints,
            Cause(cause) if cause else None,
        )


class Check(Enum):
    """Which check of the comparison failed, in the order assert_close makes them."""

    PRODUCED = "produced"  # nothing was produced (MISSING)
    NONE = "none"  # got None
    NUMBER = "number"  # a single number where an array belongs
    TYPE = "type"  # not an ndarray
    DTYPE = "dtype"
    SHAPE = "shape"
    VALUES = "values"


class DtypeSlip(Enum):
    """How an array of another dtype differs from float64."""

    FLOAT = "float"  # another float or complex type
    RIGHT_VALUES = "right values"  # integer or boolean, but equal to the expected values
    LOSES_VALUES = "loses values"  # integer or boolean


@dataclass(frozen=True)
class Extremes:
    """Where values differ most.

    The greatest absolute and relative differences and their indices, the expected and got values at the
    first, and the tolerance's atol and rtol.
    """

    abs_diff: float
    abs_index: tuple[int, ...]
    rel_diff: float
    rel_index: tuple[int, ...]
    expected: float
    got: float
    atol: float
    rtol: float


@dataclass(frozen=True)
class NonFinite:
    """The first non-finite value got holds (as numpy prints it), its index, and how many there are."""

    value: str
    index: tuple[int, ...]
    count: int


@dataclass(frozen=True)
class Mismatch:
    """Why one output does not match its expected value: the check that failed, with its numbers, and the hint.

    expected_shape: the expected array's shape; got_type: the type's name (TYPE, NUMBER); dtype: got's dtype
    and how it slips (DTYPE); got_shape (SHAPE); mismatched of total elements, with the non-finite value or
    the extremes of the differences (VALUES); hint: the likely cause the evidence names, or None.
    """

    check: Check
    expected_shape: tuple[int, ...] = ()
    got_type: str = ""
    dtype: str = ""
    dtype_slip: DtypeSlip | None = None
    got_shape: tuple[int, ...] = ()
    mismatched: int = 0
    total: int = 0
    nonfinite: NonFinite | None = None
    extremes: Extremes | None = None
    hint: Hint | None = None

    def with_hint(self, hint: Hint | None) -> "Mismatch":
        """-> the same mismatch naming another hint (or none)."""
        return replace(self, hint=hint)


@dataclass(frozen=True)
class Location:
    """Where a mismatch starts, as a step's locator found it: its sentences, first the place, then why."""

    lines: tuple[str, ...]


class NoteKind(Enum):
    """What a note says; reports phrase and indent each kind their own way."""

    ALSO_WRONG = "also wrong"  # other outputs wrong in the same case (text: their names)
    RAISED = "raised"  # the code raised after a wrong output (text: the crash)
    WARNING = "warning"  # numpy warned, or a value came in another accepted form, on a failing case
    PASSED_WITH = "passed with"  # the same, on a step that passed
    DEPENDENCY = "dependency"  # the step uses failed steps (text: their ids)
    START = "start"  # where the fix starts (text: a file)
    ANSWER = "answer"  # one quiz answer's verdict or problem
    MARKING = "marking"  # what marks a quiz, and when
    TORCH = "torch"  # how to run a step that needs torch
    TRIAL = "trial"  # the run was not official


@dataclass(frozen=True)
class Note:
    """A finding that is not a comparison: its kind and its words."""

    kind: NoteKind
    text: str


@dataclass(frozen=True)
class Traceback:
    """Where the student's code raised: its traceback lines in the student's files ('file:line in function')."""

    lines: tuple[str, ...]


# One item of a step result's details, in the order reports show them.
Detail = Union[Mismatch, Location, Note, Traceback]


class HeadlineKind(Enum):
    """What the first line of a step's message says; reports phrase each kind their own way."""

    WRONG = "wrong"  # an output is wrong on a case (where, case; subject: the output's name)
    RAISED = "raised"  # the code raised, exited or ran out of time (where, case if on one; subject: the error)
    STUB = "stub"  # the functions are still stubs (subject: the stub's own message)
    PASSED = "passed"  # every case passed (cases: how many of each kind)
    NEEDS_TORCH = "needs torch"  # not run here for want of torch (subject: the student's file)
    WELL_FORMED = "well-formed"  # quiz answers checked for form only (count of total)
    RIGHT = "right"  # quiz answers marked against the key (count of total)
    NOT_JUDGED = "not judged"  # judging what the code produced failed (where; subject: the exception's type)
    REJECTED = "rejected"  # the handin was refused (subject: why)
    NOT_RUN = "not run"  # the grader's setup could not run it (subject: why, in the grader's words)


@dataclass(frozen=True)
class Headline:
    """The first line of a step's message, typed: its kind and what it names (see `HeadlineKind`).

    where: the function or file it is about; case, desc: the case's label and description ('' when it is
    not about one case); subject: what the kind names; cases: (kind, how many) of the cases passed;
    count, total: answers.
    """

    kind: HeadlineKind
    subject: str = ""
    where: str = ""
    case: str = ""
    desc: str = ""
    cases: tuple[tuple[CaseKind, int], ...] = ()
    count: int = 0
    total: int = 0
