"""Running one step: cases in, student outputs compared, a StepResult out.

Stages stay apart (cases, student run, comparison, scoring) so the local
runner, official grading and the tests all share them: `produce` runs student
code (here, or in a worker process elsewhere), `judge_case` / `judge_step`
compare what it produced with the expected values, `judge_answers` checks a
quiz's answers for form.
"""

from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Callable

import numpy as np

from autograder.cases import Case, CaseKind, Expected
from autograder.compare import Problem, compare
from autograder.findings import Cause, Failure, Hint, HintKind
from autograder.isolation import CodeError, ErrorKind, run_isolated
from autograder.rubric import RubricEntry
from autograder.steps import Answer, AnyStep, Output, Outputs, QuizStep, Step
from autograder.supported import TORCH_CPU_INSTALL
from autograder.text import plural

Oracle = Callable[[dict[str, np.ndarray]], Expected]


class Status(Enum):
    """The verdict on a step; the value is how reports spell it."""

    PASSED = "passed"
    NOT_MARKED = "not yet marked"  # right in form; only official grading can mark it (a quiz, locally)
    FAILED = "failed"  # it ran, and an output is wrong
    NOT_IMPLEMENTED = "not implemented"
    ERROR = "error"  # it raised, or exited
    TIMED_OUT = "timed out"
    NEEDS_TORCH = "needs torch"  # the student's code for it imports torch, which is not installed: not run


_STATUS_OF_ERROR = {
    ErrorKind.EXCEPTION: Status.ERROR,
    ErrorKind.NOT_IMPLEMENTED: Status.NOT_IMPLEMENTED,
    ErrorKind.TIMED_OUT: Status.TIMED_OUT,
}


@dataclass
class StepResult:
    """The verdict on one step: its status, a one-line headline and the lines that explain it."""

    id: str
    points: float
    max_points: float
    status: Status = Status.FAILED
    headline: str = ""
    details: list[str] = field(default_factory=list)
    cases_checked: int = 0
    # Typed: where it first went wrong and the hints named there (None when it did not fail on a case).
    failure: Failure | None = None

    @property
    def passed(self) -> bool:
        return self.status is Status.PASSED

    @property
    def failed(self) -> bool:
        """Something is wrong (a step that is only not yet marked, or not run for want of torch, has not failed)."""
        return self.status not in (Status.PASSED, Status.NOT_MARKED, Status.NEEDS_TORCH)

    @property
    def counted(self) -> bool:
        """Whether its points count in the local total (not for a step only official grading marks or one not run)."""
        return self.status not in (Status.NOT_MARKED, Status.NEEDS_TORCH)

    @property
    def message(self) -> list[str]:
        """-> the headline followed by the details (what reports print)."""
        return ([self.headline] if self.headline else []) + self.details

    @property
    def summary(self) -> str:
        """The headline, for the table."""
        return self.headline


@dataclass
class Verdict:
    """The judgement of one case: None when it passes, else a status with its headline and details."""

    status: Status
    headline: str
    details: list[str] = field(default_factory=list)
    failure: Failure | None = None


def live_cases(step: Step, oracle: Oracle, stream: int, kind: CaseKind = CaseKind.LIVE,
               hints_pending: bool = False) -> list[Case]:
    """Fresh cases for the step's specs, drawn from `stream`, with expected values from the oracle.

    hints_pending: the oracle runs values only (the caller's `values_only()`), so the cases' hints are pending.
    """
    cases = []
    for i, spec in enumerate(step.specs):
        inputs = step.build(step.rng(stream, i), spec)
        cases.append(Case.from_oracle(kind, i + 1, spec.desc, inputs, oracle(inputs), step.batch_of(spec),
                                      hints_pending))
    return cases


def _copy_inputs(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    # Student code may modify its arguments in place; each run gets its own copies.
    return {k: np.array(v, copy=True) for k, v in inputs.items()}


def _header(step: Step, case: Case, out: Output) -> str:
    where = out.where or step.target
    return f"{where}, {case.label} ({case.desc}): {out.tensor or out.key}"


def _located(step: Step, case: Case, produced: Outputs) -> list[str]:
    # The diagnosis reads whatever the student's code passed around; if that is too
    # malformed to place, the verdict and its message stand without it.
    if step.locate is None:
        return []
    try:
        return list(step.locate(case, produced, step.tolerance))
    except Exception:  # noqa: BLE001
        return []


@dataclass
class Mismatch:
    """The first wrong output of a case: the message lines (header first), the output, the hint named."""

    lines: list[str]
    output: Output
    hint: Hint | None


def check_case(step: Step, case: Case, outputs: dict[str, Any], only: set[str] | None = None) -> list[str]:
    """Compare one case's student outputs -> [] or the message for the first mismatching output.

    only: compare just these output keys (the ones produced before a crash).
    """
    mismatch = first_mismatch(step, case, outputs, only)
    return mismatch.lines if mismatch else []


def first_mismatch(step: Step, case: Case, outputs: dict[str, Any], only: set[str] | None = None) -> Mismatch | None:
    """Compare one case's student outputs -> None, or the first mismatching output with its message and hint.

    only: compare just these output keys (the ones produced before a crash).
    """
    failures: list[tuple[Output, Problem]] = []
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
        if problem:
            failures.append((out, problem))
    if not failures:
        return None
    first, problem = failures[0]
    hint = problem.hint
    swapped = _swapped_with(step, case, outputs, first)
    if swapped is not None:
        # The pair's values are right, in each other's places: that is the cause, whatever the values suggest.
        hint = _swap_hint(step, first, swapped)
        problem = Problem([p for p in problem if problem.hint is None or p != problem.hint.line()], hint)
    lines = [_header(step, case, first)] + ["  " + p for p in problem]
    others = [o.tensor or o.key for o, _ in failures[1:]]
    if others:
        lines.append("  also wrong in this case: " + ", ".join(others))
    return Mismatch(lines, first, hint)


def _swapped_with(step: Step, case: Case, outputs: dict[str, Any], wrong: Output) -> Output | None:
    """The returned output whose expected value `wrong` holds while it holds wrong's, or None."""
    if wrong.position is None:
        return None
    for other in step.outputs:
        if other.position is None or other is wrong or other.key not in case.expected:
            continue
        crossed = (
            compare(outputs.get(wrong.key), case.expected[other.key], tolerance=step.tolerance),
            compare(outputs.get(other.key), case.expected[wrong.key], tolerance=step.tolerance),
        )
        if crossed == ([], []):
            return other
    return None


def _swap_hint(step: Step, a: Output, b: Output) -> Hint:
    def name(o: Output) -> str:
        return (o.tensor or o.key).removeprefix("returned ")

    order = sorted((o for o in step.outputs if o.position is not None), key=lambda o: o.position or 0)
    return Hint(HintKind.STRUCTURE, ("swapped_returns",),
                f"{name(a)} and {name(b)} are returned in each other's places: "
                f"{a.where or step.target} returns ({', '.join(name(o) for o in order)}), in that order")


@dataclass
class Produced:
    """What the student's code produced on one case: its outputs (possibly partial), an error, numpy's warnings.

    The produce stage (running student code, in this process or in another)
    makes it; the judge stage (`judge_case`) compares it with the expected values.
    """

    outputs: Outputs = field(default_factory=Outputs)
    error: CodeError | None = None
    warnings: list[str] = field(default_factory=list)
    cause: Cause | None = None  # why the code did not finish, when the grader that watched it knows


def produce(step: Step, inputs: dict[str, np.ndarray], timeout: float) -> Produced:
    """Produce stage: run the student's code on one case's inputs, isolated, in this process."""
    outputs = Outputs()
    outcome = run_isolated(lambda: step.run(_copy_inputs(inputs), outputs), timeout)
    return Produced(outputs, outcome.error, outcome.warnings)


def _failure(step: Step, case: Case, mismatch: Mismatch | None, cause: Cause | None = None) -> Failure:
    if mismatch is None:
        return Failure(case.label, case.kind.name.lower(), cause=cause)
    out = mismatch.output
    return Failure(case.label, case.kind.name.lower(), f"{out.where or step.target}: {out.tensor or out.key}",
                   (mismatch.hint,) if mismatch.hint else (), cause)


def judge_case(step: Step, case: Case, got: Produced) -> Verdict | None:
    """Judge stage for one case: None when it passes, else its Verdict (with located diagnostics)."""
    if got.error is not None:
        status = _STATUS_OF_ERROR[got.error.kind]
        if status is Status.NOT_IMPLEMENTED:
            return Verdict(status, got.error.headline, ["  " + line for line in got.error.lines()[1:]],
                           _failure(step, case, None))
        # What was produced before the crash may already show the root cause.
        earlier = first_mismatch(step, case, got.outputs, only=set(got.outputs))
        crash = f"{step.target}, {case.label} ({case.desc}): {got.error.headline}"
        where = ["  " + line for line in got.error.lines()[1:]]
        if earlier:
            return Verdict(Status.FAILED, earlier.lines[0], earlier.lines[1:] + ["  then it raised: " + crash] + where,
                           _failure(step, case, earlier, got.cause))
        return Verdict(status, crash, where, _failure(step, case, None, got.cause))
    mismatch = first_mismatch(step, case, got.outputs)
    if mismatch is None:
        return None
    message = mismatch.lines + ["  " + line for line in _located(step, case, got.outputs)]
    if got.warnings:
        message.append("  " + got.warnings[0])
    return Verdict(Status.FAILED, message[0], message[1:], _failure(step, case, mismatch))


def _passing_headline(cases: list[Case]) -> str:
    counts = {kind: sum(1 for c in cases if c.kind is kind) for kind in CaseKind}
    parts = [plural(counts[CaseKind.STORED], "stored case")]
    parts += [plural(n, kind.value) for kind, n in counts.items() if kind is not CaseKind.STORED and n]
    return "passed " + " and ".join(parts)


def judge_step(step: Step, entry: RubricEntry, cases: list[Case], source: Callable[[int, Case], Produced],
               hinted: Callable[[Case], Case] | None = None) -> StepResult:
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
        result.details = [f"note: {w}" for w in warnings[:3]]
    return result


def judge_answers(step: QuizStep, entry: RubricEntry, answers: list[Answer] | CodeError) -> StepResult:
    """Judge a quiz's answers for form only: well-formed answers are NOT_MARKED, with no points,
    since only official grading has the key."""
    result = StepResult(entry.id, 0.0, entry.points)
    if isinstance(answers, CodeError):
        result.status, result.headline, result.details = _STATUS_OF_ERROR[answers.kind], \
            f"{step.target}: {answers.headline}", answers.lines()[1:]
        return result
    by_number = {q.number: q for q in step.questions}
    problems = []
    for answer in answers:
        name = step.function(answer.question)
        if answer.not_implemented:
            problems.append(f"{name}: not answered yet")
        elif answer.error:
            problems.append(f"{name}: {answer.error}")
        else:
            problem, _ = step.normalise(by_number[answer.question], answer.value)
            if problem:
                problems.append(f"{name}: {problem}")
    if not problems:
        result.status = Status.NOT_MARKED
        result.headline = (f"all {plural(len(answers), 'answer')} are well-formed" if len(answers) != 1
                           else "the answer is well-formed")
        result.details = [f"  right or wrong: they are marked against the answer key at official grading, "
                          f"which awards their {plural(entry.points, 'point')}"]
        return result
    stubs = [a.stub for a in answers if a.stub is not None]
    answered = len(answers) - len(problems)
    result.status = Status.NOT_IMPLEMENTED if len(stubs) == len(answers) else Status.FAILED
    result.headline = stubs[0] if result.status is Status.NOT_IMPLEMENTED \
        else f"{answered} of {len(answers)} answers are well-formed"
    result.details = ["  " + p for p in problems]
    return result


TORCH_INSTALL = f"{TORCH_CPU_INSTALL} (the CPU-only build is enough)"


def needs_torch(entry: RubricEntry) -> StepResult:
    """The result of a step whose code needs torch, on a machine without it: not run, neither passed nor failed."""
    return StepResult(entry.id, 0.0, entry.points, Status.NEEDS_TORCH,
                      f"not run: {entry.file} needs torch",
                      [f"  to check this step: {TORCH_INSTALL}; official grading runs it with torch"])


def run_step(step: AnyStep, entry: RubricEntry, cases: list[Case], timeout: float,
             hinted: Callable[[Case], Case] | None = None) -> StepResult:
    """Run the student's code for one step in this process, stopping at the first failing case.

    hinted: as for `judge_step`, for cases drawn without their hints."""
    if isinstance(step, QuizStep):
        outcome = run_isolated(step.collect, timeout)
        return judge_answers(step, entry, outcome.error if outcome.error else outcome.value)
    return judge_step(step, entry, cases, lambda i, case: produce(step, case.inputs, timeout), hinted)


def with_dependency_note(result: StepResult, failed: set[str], entry: RubricEntry, files: dict[str, str]) -> StepResult:
    """Add to a failed step's message which failed steps it uses and where to start; records it in `failed`."""
    broken = [d for d in entry.depends if d in failed]
    if result.failed and broken:
        names = ", ".join(broken)
        result.details.insert(0, f"  note: this step uses {names}, which failed above: fix {names} first")
    if result.failed:
        if result.status is Status.NOT_IMPLEMENTED:
            # A failed dependency is where the fix starts, not this step's own file.
            result.details.append(f"  start in {files[broken[0]] if broken else entry.file}")
        failed.add(entry.id)
    return result
