"""Judging a handin in the grader: the worker's decoded reports against the expected values, the mc key.

Messages come from the engine's judge stage (`engine.judge_step`,
`Step.locate`), so they read exactly as the runner's. Whatever the reports
hold, judging fails only the step they belong to.
"""

from typing import Any

from autograder.engine import Produced, StepResult, judge_step, with_dependency_note
from autograder.mc_questions import QUESTIONS, mark, normalise
from autograder.official import wire
from autograder.official.plan import Job, Plan
from autograder.official.supervise import Record
from autograder.rubric import RubricEntry
from autograder.steps import MISSING, Case

NOT_OFFICIAL = ("NOT AN OFFICIAL GRADE: this was a trial run, with student code running as the grader's own "
                "user (--same-user-trial).")


def _produced(record: Record) -> Produced:
    if record.status in ("dead", "malformed"):
        return Produced({}, record.lines)
    if record.status != "done":
        return Produced({}, ["the case was not run"])
    try:
        outputs, error, warnings = wire.decode_case(record.record, record.arrays or {}, MISSING)
    except wire.Malformed as exc:
        return Produced({}, [f"the report of what the code produced is malformed ({exc})"])
    except Exception as exc:  # noqa: BLE001 - nothing a worker sends may take the grader down
        return Produced({}, [f"the report of what the code produced is malformed ({type(exc).__name__})"])
    return Produced(outputs, error, warnings)


def _mc_answers(record: Record) -> tuple[list[Any] | None, str]:
    """-> (the reported answer items, '') or (None, why there are none)."""
    if record.status != "done":
        return None, (record.lines or ["the answers were not reported"])[0]
    reported = record.record
    if (isinstance(reported, dict) and reported.get("kind") == "mc" and isinstance(reported.get("answers"), list)
            and len(reported["answers"]) == len(QUESTIONS)):
        return reported["answers"], ""
    return None, "the answers were not reported"


def mc_result(entry: RubricEntry, record: Record, key: dict[int, Any]) -> StepResult:
    """Mark the reported answers against the key: points per right answer, right/wrong per question, never the key."""
    result = StepResult(entry.id, 0.0, entry.points, passed=False)
    items, why = _mc_answers(record)
    if items is None:
        result.message = ["hw/mc.py: " + why]
        return result
    answers: dict[int, Any] = {}
    notes: dict[int, str] = {}
    stub = None
    for q, item in zip(QUESTIONS, items):
        name = f"question_{q.number}"
        if not (isinstance(item, dict) and item.get("number") == q.number):
            notes[q.number] = f"{name}: wrong (malformed report)"
            continue
        error = item.get("error")
        if error is not None:
            ok = isinstance(error, list) and error and all(isinstance(x, str) for x in error)
            head = error[0][:300] if ok else "malformed error report"
            if head.startswith("not implemented yet"):
                stub = stub or head
                notes[q.number] = f"{name}: not answered yet"
            else:
                notes[q.number] = f"{name}: wrong (it raised: {head})"
            continue
        answer, problem = wire.decode_answer(item.get("answer"))
        if problem is None:
            problem, _ = normalise(q, answer)
        if problem:
            notes[q.number] = f"{name}: wrong ({problem})"
            continue
        answers[q.number] = answer
    marks = mark(answers, key)
    right = sum(marks.values())
    lines_out = [notes.get(q.number) or f"question_{q.number}: {'right' if marks[q.number] else 'wrong'}"
                 for q in QUESTIONS]
    head = f"{right} of {len(QUESTIONS)} answers are right"
    if stub:
        head = f"{stub} ({head})"
    result.points = entry.points * right / len(QUESTIONS)
    result.passed = right == len(QUESTIONS)
    result.message = [head] + ["  " + line for line in lines_out]
    return result


def _step_result(plan: Plan, entry: RubricEntry, cases: dict[str, list[Case]], numbers: list[int],
                 records: dict[int, Record]) -> StepResult:
    step = plan.steps[entry.id]
    if entry.id == "mc":
        return mc_result(entry, records.get(numbers[0], Record("dead", lines=["not run"])), plan.key)
    if not step.specs:
        return StepResult(entry.id, 0.0, entry.points, False, [f"{entry.id}: not gradable in official grading"])

    def source(i: int, case: Case) -> Produced:
        return _produced(records.get(numbers[i], Record("skipped")))

    return judge_step(step, entry, cases[entry.id], source)


def judge(plan: Plan, cases: dict[str, list[Case]], jobs: list[Job], records: dict[int, Record]) -> list[StepResult]:
    """-> the StepResults of every rubric step, in rubric order, from the worker's records of `jobs`."""
    index: dict[str, list[int]] = {}
    for n, job in enumerate(jobs):
        index.setdefault(job.step, []).append(n)
    failed: set[str] = set()
    files = {e.id: e.file for e in plan.rubric}
    results = []
    for entry in plan.rubric:
        try:
            result = _step_result(plan, entry, cases, index.get(entry.id, []), records)
        except Exception as exc:  # noqa: BLE001 - reported values that defeat the diagnostics
            result = StepResult(entry.id, 0.0, entry.points, False,
                                [f"{plan.steps[entry.id].target}: what the code produced could not be judged "
                                 f"({type(exc).__name__})"])
        results.append(with_dependency_note(result, failed, entry, files))
    return results


def rejected(plan: Plan, reason: str) -> list[StepResult]:
    """-> every step failed with the reason the handin was rejected."""
    return [StepResult(e.id, 0.0, e.points, False, [f"handin rejected: {reason}"]) for e in plan.rubric]


def marked_not_official(results: list[StepResult]) -> list[StepResult]:
    """-> the results with the trial-run warning at the end of every message."""
    for r in results:
        r.message = r.message + [NOT_OFFICIAL]
    return results
