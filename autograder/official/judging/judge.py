"""Judging a handin in the grader: the worker's decoded reports against the expected values, the mc key.

Messages come from the engine's judge stage (`engine.judge_step`,
`Step.locate`), so they read exactly as the runner's. Hidden cases are drawn
without hints; the one a step fails on gets them here (`Plan.hinted`), so
its message names the same cause as eager hints would. Whatever the reports
hold, judging fails only the step they belong to.
"""

from typing import Any

from autograder.cases import Case
from autograder.engine import Produced, Status, StepResult, judge_step, with_dependency_note
from autograder.findings import Cause, Failure
from autograder.isolation import CodeError, ErrorKind
from autograder.official.judging.plan import Job, Plan
from autograder.official.judging.supervise import Record, RecordStatus
from autograder.official.worker import wire
from autograder.rubric import RubricEntry
from autograder.steps import MISSING, Outputs, QuizStep

NOT_OFFICIAL = ("NOT AN OFFICIAL GRADE: this was a trial run, with student code running as the grader's own "
                "user (--same-user-trial).")
ERROR_KINDS = tuple(kind.value for kind in ErrorKind)


def _failure(lines: list[str] | None, cause: Cause | None = None) -> Produced:
    """A case the worker could not report: it fails with these lines (cause: why, typed, when known)."""
    lines = lines or ["the case was not run"]
    return Produced(Outputs(), CodeError(ErrorKind.EXCEPTION, lines[0], lines[1:]), cause=cause)


def _code_error(decoded: tuple[str, str, list[str]] | None) -> CodeError | None:
    if decoded is None:
        return None
    kind, headline, where = decoded
    return CodeError(ErrorKind(kind), headline, where)


def _produced(record: Record) -> Produced:
    if record.status in (RecordStatus.DEAD, RecordStatus.MALFORMED):
        return _failure(record.lines, record.cause)
    if record.status is not RecordStatus.DONE:
        return _failure(["the case was not run"])
    try:
        outputs, records, error, warnings = wire.decode_case(record.record, record.arrays or {}, MISSING, ERROR_KINDS)
    except wire.Malformed as exc:
        return _failure([f"the report of what the code produced is malformed ({exc})"], Cause.MALFORMED)
    except Exception as exc:  # noqa: BLE001 - nothing a worker sends may take the grader down
        return _failure([f"the report of what the code produced is malformed ({type(exc).__name__})"],
                        Cause.MALFORMED)
    produced = Outputs(outputs)
    produced.records = records
    return Produced(produced, _code_error(error), warnings)


def _quiz_answers(step: QuizStep, record: Record) -> tuple[list[Any] | None, str]:
    """-> (the reported answer items, '') or (None, why there are none)."""
    if record.status is not RecordStatus.DONE:
        return None, (record.lines or ["the answers were not reported"])[0]
    reported = record.record
    if (isinstance(reported, dict) and reported.get("kind") == "quiz" and isinstance(reported.get("answers"), list)
            and len(reported["answers"]) == len(step.questions)):
        return reported["answers"], ""
    return None, "the answers were not reported"


def _reported_answer(step: QuizStep, q: Any, item: Any) -> tuple[Any, str | None, str | None]:
    """One reported answer -> (the answer, why it is wrong without marking or None, the stub's text or None)."""
    name = step.function(q.number)
    if not (isinstance(item, dict) and item.get("number") == q.number):
        return None, f"{name}: wrong (malformed report)", None
    try:
        error = _code_error(wire.decode_error(item.get("error"), ERROR_KINDS))
    except wire.Malformed:
        return None, f"{name}: wrong (malformed error report)", None
    if error is not None:
        if error.kind is ErrorKind.NOT_IMPLEMENTED:
            return None, f"{name}: not answered yet", error.headline
        return None, f"{name}: wrong (it raised: {error.headline[:300]})", None
    answer, problem = wire.decode_answer(item.get("answer"))
    if problem is None:
        problem, _ = step.normalise(q, answer)
    return answer, (f"{name}: wrong ({problem})" if problem else None), None


def quiz_result(step: QuizStep, entry: RubricEntry, record: Record, key: dict[int, Any]) -> StepResult:
    """Mark the reported answers against the key: points per right answer, right/wrong per question, never the key."""
    result = StepResult(entry.id, 0.0, entry.points, Status.FAILED)
    items, why = _quiz_answers(step, record)
    if items is None:
        result.headline = f"{step.target}: {why}"
        result.failure = Failure(cause=record.cause)
        return result
    answers: dict[int, Any] = {}
    notes: dict[int, str] = {}
    stubs = []
    for q, item in zip(step.questions, items):
        answer, note, stub = _reported_answer(step, q, item)
        if note:
            notes[q.number] = note
        else:
            answers[q.number] = answer
        if stub:
            stubs.append(stub)
    marks = step.mark(answers, key)
    right = sum(marks.values())
    total = len(step.questions)
    if len(stubs) == total:
        result.status, result.headline = Status.NOT_IMPLEMENTED, stubs[0]
    else:
        result.status = Status.PASSED if right == total else Status.FAILED
        result.headline = f"{right} of {total} answers are right"
    result.points = entry.points * right / total
    verdicts = {q.number: f"{step.function(q.number)}: {'right' if marks[q.number] else 'wrong'}"
                for q in step.questions}
    result.details = ["  " + (notes.get(q.number) or verdicts[q.number]) for q in step.questions]
    return result


def _step_result(plan: Plan, entry: RubricEntry, cases: dict[str, list[Case]], numbers: list[int],
                 records: dict[int, Record]) -> StepResult:
    step = plan.steps[entry.id]
    if isinstance(step, QuizStep):
        return quiz_result(step, entry, records.get(numbers[0], Record(RecordStatus.DEAD, lines=["not run"])), plan.key)

    def source(i: int, case: Case) -> Produced:
        return _produced(records.get(numbers[i], Record(RecordStatus.SKIPPED)))

    def hinted(case: Case) -> Case:
        try:
            return plan.hinted(entry.id, case)
        except Exception:  # noqa: BLE001 - the failure stands, only without its hint
            return case

    return judge_step(step, entry, cases[entry.id], source, hinted)


def judge(plan: Plan, cases: dict[str, list[Case]], jobs: list[Job], records: dict[int, Record]) -> list[StepResult]:
    """-> the StepResults of every rubric step, in rubric order, from the worker's records of `jobs`."""
    index: dict[str, list[int]] = {}
    for n, job in enumerate(jobs):
        index.setdefault(job.step, []).append(n)
    failed: set[str] = set()
    files = {e.id: e.file for e in plan.rubric}
    results = []
    for entry in plan.rubric:
        numbers = index.get(entry.id, [])
        unrun = [records[n] for n in numbers if n in records and records[n].cause is Cause.NO_RUNTIME]
        if numbers and len(unrun) == len(numbers):
            # The grader's setup, not the student's code: no "fix ... first" for the steps that use it.
            results.append(StepResult(entry.id, 0.0, entry.points, Status.NEEDS_TORCH, " ".join(unrun[0].lines or []),
                                      failure=Failure(cause=Cause.NO_RUNTIME)))
            continue
        try:
            result = _step_result(plan, entry, cases, numbers, records)
        except Exception as exc:  # noqa: BLE001 - reported values that defeat the diagnostics
            result = StepResult(entry.id, 0.0, entry.points, Status.ERROR,
                                f"{plan.steps[entry.id].target}: what the code produced could not be judged "
                                f"({type(exc).__name__})", failure=Failure(cause=Cause.NOT_JUDGED))
        results.append(with_dependency_note(result, failed, entry, files))
    return results


def rejected(plan: Plan, reason: str, cause: Cause = Cause.REJECTED) -> list[StepResult]:
    """-> every step failed with the reason the handin was rejected (cause: GRADER_ERROR when the grader failed)."""
    return [StepResult(e.id, 0.0, e.points, Status.ERROR, f"handin rejected: {reason}", failure=Failure(cause=cause))
            for e in plan.rubric]


def marked_not_official(results: list[StepResult]) -> list[StepResult]:
    """-> the results with the trial-run warning at the end of every message."""
    for r in results:
        r.details = r.details + [NOT_OFFICIAL]
    return results
