"""Judging a handin in the grader: the worker's decoded reports against the expected values, the mc key.

Messages come from the step's own judge (`Step.judge`, `QuizStep.judge`),
the one the runner uses, from reports decoded once as they arrived
(`reports.py`), so they read exactly as the runner's. Hidden cases are drawn
without hints; the one a step fails on gets them here (`Plan.hinted`), so
its message names the same cause as eager hints would. Whatever the reports
hold, judging fails only the step they belong to.
"""

from autograder.cases import Case
from autograder.findings import Cause, Failure, Headline, HeadlineKind, Note, NoteKind
from autograder.official.judging.plan import Job, Plan
from autograder.official.judging.reports import Record
from autograder.results import Status, StepResult, with_dependency_note
from autograder.rubric import RubricEntry
from autograder.steps import Report

NOT_OFFICIAL = (
    "NOT AN OFFICIAL GRADE: this was a trial run, with student code running as the grader's own "
    "user (--same-user-trial)."
)


def _step_result(
    plan: Plan, entry: RubricEntry, cases: dict[str, list[Case]], numbers: list[int], records: dict[int, Record]
) -> StepResult:
    step = plan.steps[entry.id]

    def source(i: int) -> Report:
        record = records.get(numbers[i]) if i < len(numbers) else None
        return record.report_for(step) if record is not None else step.unreported([])

    def hinted(case: Case) -> Case:
        try:
            return plan.hinted(entry.id, case)
        except Exception:  # noqa: BLE001 - the failure stands, only without its hint
            return case

    return step.judge(entry, cases.get(entry.id, []), source, plan.key, hinted)


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
            results.append(
                StepResult(
                    entry.id,
                    0.0,
                    entry.points,
                    Status.NEEDS_TORCH,
                    Headline(HeadlineKind.NOT_RUN, " ".join(unrun[0].lines or [])),
                    failure=Failure(cause=Cause.NO_RUNTIME),
                )
            )
            continue
        try:
            result = _step_result(plan, entry, cases, numbers, records)
        except Exception as exc:  # noqa: BLE001 - reported values that defeat the diagnostics
            result = StepResult(
                entry.id,
                0.0,
                entry.points,
                Status.ERROR,
                Headline(HeadlineKind.NOT_JUDGED, type(exc).__name__, plan.steps[entry.id].target),
                failure=Failure(cause=Cause.NOT_JUDGED),
            )
        results.append(with_dependency_note(result, failed, entry, files))
    return results


def rejected(plan: Plan, reason: str, cause: Cause = Cause.REJECTED) -> list[StepResult]:
    """-> every step failed with the reason the handin was rejected (cause: GRADER_ERROR when the grader failed)."""
    return [
        StepResult(
            e.id, 0.0, e.points, Status.ERROR, Headline(HeadlineKind.REJECTED, reason), failure=Failure(cause=cause)
        )
        for e in plan.rubric
    ]


def marked_not_official(results: list[StepResult]) -> list[StepResult]:
    """-> the results with the trial-run warning at the end of every message."""
    for r in results:
        r.details = r.details + [Note(NoteKind.TRIAL, NOT_OFFICIAL)]
    return results
