"""Judging a step's cases: what the student's code produced against the expected values, first failure first.

`judge_case` compares one case's outputs (through `compare`), names a swap
of returned values, asks the step's locator where a mismatch starts, and
gives a `Verdict`; `judge_step` judges a step's cases in order, stopping at
the first failure, into a `StepResult`. The runner and official grading both
judge here, so their messages read the same.
"""

from dataclasses import dataclass
from typing import Any, Callable, Mapping, Protocol, Sequence

from autograder.cases import Case, CaseKind
from autograder.compare import compare
from autograder.findings import (
    Cause,
    Detail,
    Failure,
    Headline,
    HeadlineKind,
    Hint,
    HintKind,
    Location,
    Mismatch,
    Note,
    NoteKind,
    Traceback,
)
from autograder.produced import Output, Outputs, Produced
from autograder.results import STATUS_OF_ERROR, Status, StepResult
from autograder.rubric import RubricEntry
from autograder.tolerance import Tolerance

# locate(case, outputs, tolerance) -> where a mismatch starts (e.g. at a time step and layer), or None.
Locator = Callable[[Case, Outputs, Tolerance], Location | None]


class Judged(Protocol):
    """What judging reads of a step that runs cases (`autograder.steps.Step` is one)."""

    @property
    def target(self) -> str:
        """The file and function the step grades, as messages name it."""

    @property
    def outputs(self) -> Sequence[Output]:
        """The compared outputs, in the order a failure is reported."""

    @property
    def tolerance(self) -> Tolerance:
        """The tolerance of every comparison and locator of its cases."""

    @property
    def locate(self) -> Locator | None:
        """Where a mismatch starts, or None for a step without a locator."""

    @property
    def bugs(self) -> Mapping[str, str]:
        """Known-bug tag -> the sentence naming it."""


@dataclass
class Verdict:
    """The judgement of one failing case: a status with its headline and details, and where it went wrong."""

    status: Status
    headline: Headline
    details: list[Detail]
    failure: Failure | None = None


@dataclass
class Wrong:
    """The first wrong output of a case: its header, the output, why it is wrong, the other wrong outputs."""

    header: Headline
    output: Output
    mismatch: Mismatch
    others: list[str]

    @property
    def details(self) -> list[Detail]:
        """-> the findings under the header: the mismatch, then the other wrong outputs, if any."""
        details: list[Detail] = [self.mismatch]
        return details + ([Note(NoteKind.ALSO_WRONG, ", ".join(self.others))] if self.others else [])


def _header(step: Judged, case: Case, out: Output) -> Headline:
    return Headline(HeadlineKind.WRONG, out.name, out.where or step.target, case.label, case.desc)


def _located(step: Judged, case: Case, produced: Outputs) -> list[Detail]:
    # The diagnosis reads whatever the student's code passed around; if that is too
    # malformed to place, the verdict and its message stand without it.
    if step.locate is None:
        return []
    try:
        found = step.locate(case, produced, step.tolerance)
    except Exception:  # noqa: BLE001
        return []
    return [found] if found else []


def first_mismatch(step: Judged, case: Case, outputs: dict[str, Any], only: set[str] | None = None) -> Wrong | None:
    """Compare one case's student outputs -> None, or the first mismatching output with why, and its hint.

    only: compare just these output keys (the ones produced before a crash).
    """
    failures: list[tuple[Output, Mismatch]] = []
    for out in step.outputs:
        if out.key not in case.expected or (only is not None and out.key not in only):
            continue
        problem = compare(
            outputs.get(out.key),
            case.expected[out.key],
            tolerance=step.tolerance,
            alternatives=case.alternatives.get(out.key),
            batch=case.batch,
            bugs=step.bugs,
        )
        if problem is not None:
            failures.append((out, problem))
    if not failures:
        return None
    first, problem = failures[0]
    swapped = _swapped_with(step, case, outputs, first)
    if swapped is not None:
        # The pair's values are right, in each other's places: that is the cause, whatever the values suggest.
        problem = problem.with_hint(_swap_hint(step, first, swapped))
    return Wrong(_header(step, case, first), first, problem, [o.name for o, _ in failures[1:]])


def _swapped_with(step: Judged, case: Case, outputs: dict[str, Any], wrong: Output) -> Output | None:
    """-> the returned output whose expected value `wrong` holds while it holds wrong's, or None."""
    if wrong.position is None:
        return None
    for other in step.outputs:
        if other.position is None or other is wrong or other.key not in case.expected:
            continue
        crossed = (
            compare(outputs.get(wrong.key), case.expected[other.key], tolerance=step.tolerance),
            compare(outputs.get(other.key), case.expected[wrong.key], tolerance=step.tolerance),
        )
        if crossed == (None, None):
            return other
    return None


def _swap_hint(step: Judged, a: Output, b: Output) -> Hint:
    def name(o: Output) -> str:
        return o.returns or o.name

    order = sorted((o for o in step.outputs if o.position is not None), key=lambda o: o.position or 0)
    return Hint(
        HintKind.STRUCTURE,
        ("swapped_returns",),
        f"{name(a)} and {name(b)} are returned in each other's places: "
        f"{a.where or step.target} returns ({', '.join(name(o) for o in order)}), in that order",
    )


def _failure(step: Judged, case: Case, wrong: Wrong | None, cause: Cause | None = None) -> Failure:
    if wrong is None:
        return Failure(case.label, case.kind.name.lower(), cause=cause)
    out, hint = wrong.output, wrong.mismatch.hint
    return Failure(
        case.label, case.kind.name.lower(), f"{out.where or step.target}: {out.name}", (hint,) if hint else (), cause
    )


def judge_case(step: Judged, case: Case, got: Produced) -> Verdict | None:
    """Judge one case: None when it passes, else its Verdict (with located diagnostics)."""
    if got.error is not None:
        status = STATUS_OF_ERROR[got.error.kind]
        where: list[Detail] = [Traceback(tuple(got.error.where))] if got.error.where else []
        if status is Status.NOT_IMPLEMENTED:
            return Verdict(status, Headline(HeadlineKind.STUB, got.error.headline), where, _failure(step, case, None))
        # What was produced before the crash may already show the root cause.
        earlier = first_mismatch(step, case, got.outputs, only=set(got.outputs))
        if earlier:
            return Verdict(
                Status.FAILED,
                earlier.header,
                earlier.details + [Note(NoteKind.RAISED, got.error.headline)] + where,
                _failure(step, case, earlier, got.cause),
            )
        crash = Headline(HeadlineKind.RAISED, got.error.headline, step.target, case.label, case.desc)
        return Verdict(status, crash, where, _failure(step, case, None, got.cause))
    wrong = first_mismatch(step, case, got.outputs)
    if wrong is None:
        return None
    details = wrong.details + _located(step, case, got.outputs)
    if got.warnings:
        details.append(Note(NoteKind.WARNING, got.warnings[0]))
    return Verdict(Status.FAILED, wrong.header, details, _failure(step, case, wrong))


def _passing_headline(cases: list[Case]) -> Headline:
    # The stored cases are always counted (0 where only live ones ran); other kinds where there were some.
    counts = {kind: sum(1 for c in cases if c.kind is kind) for kind in CaseKind}
    shown = tuple((kind, n) for kind, n in counts.items() if kind is CaseKind.STORED or n)
    return Headline(HeadlineKind.PASSED, cases=shown)


def judge_step(
    step: Judged,
    entry: RubricEntry,
    cases: list[Case],
    source: Callable[[int, Case], Produced],
    hinted: Callable[[Case], Case] | None = None,
) -> StepResult:
    """Judge every case in order, stopping at the first failure.

    source(index, case) -> what the student's code produced on that case; it is
    only asked for the cases that are judged.
    hinted(case) -> a case drawn without its hints (`Case.hints_pending`) with
    them; asked only for the case that fails, which is then judged again, so
    its message is the one hints computed up front give.
    """
    result = StepResult(entry.id, 0.0, entry.points)
    warnings: list[str] = []
    for i, case in enumerate(cases):
        got = source(i, case)
        result.cases_checked += 1
        verdict = judge_case(step, case, got)
        if verdict is not None and case.hints_pending and hinted is not None:
            verdict = judge_case(step, hinted(case), got)
        if verdict is not None:
            result.status, result.headline, result.details = verdict.status, verdict.headline, verdict.details
            result.failure = verdict.failure
            return result
        warnings += [w for w in got.warnings if w not in warnings]
    result.status, result.points = Status.PASSED, entry.points
    result.headline = _passing_headline(cases)
    if warnings:
        # Right values, but numpy saw something (e.g. an overflow that happened to give the right limit), or they
        # came in an accepted form other than the one asked for.
        result.details = [Note(NoteKind.PASSED_WITH, w) for w in warnings[:3]]
    return result
