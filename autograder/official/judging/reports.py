"""What the grader knows of each job, and a worker's report decoded once into the judge's own types.

A frame from the worker is decoded as it arrives, by the job's kind, into
the types the runner's judge reads: a case's `Produced` or a quiz's
`QuizReport`. Whatever it holds, a report that does not decode becomes a
MALFORMED record with one message; nothing a worker sends may take the
grader down.
"""

from dataclasses import dataclass
from enum import Enum
from typing import Any, Callable

from autograder.findings import Cause
from autograder.isolation import CodeError, ErrorKind
from autograder.official.worker import wire
from autograder.produced import MISSING, Outputs, Produced
from autograder.quiz_judge import Answer, QuizReport
from autograder.steps import AnyStep, JobKind, Report

ERROR_KINDS = tuple(kind.value for kind in ErrorKind)


class RecordStatus(Enum):
    """How a job ended, as the grader knows it."""

    DONE = "done"  # reported: its report, decoded
    MALFORMED = "malformed"  # reported something that does not decode (message lines)
    DEAD = "dead"  # its worker ended or was stopped before it reported (message lines)
    SKIPPED = "skipped"  # not run: an earlier job of its step failed


@dataclass
class Record:
    """What the grader knows of one job.

    status: how it ended; report: what it reported, decoded (DONE); lines and cause: why it failed, in words
    and typed (DEAD, MALFORMED).
    """

    status: RecordStatus
    report: Report | None = None
    lines: list[str] | None = None
    cause: Cause | None = None  # for DEAD and MALFORMED: why, typed (the lines say it in words)

    def report_for(self, step: AnyStep) -> Report:
        """-> what the judge reads for this job of `step`: its report, or one that fails with the lines."""
        if self.status is RecordStatus.DONE and self.report is not None:
            return self.report
        if self.status in (RecordStatus.DEAD, RecordStatus.MALFORMED):
            return step.unreported(self.lines or [], self.cause)
        return step.unreported([])


def _code_error(node: Any) -> CodeError | None:
    decoded = wire.decode_error(node, ERROR_KINDS)
    if decoded is None:
        return None
    kind, headline, where = decoded
    return CodeError(ErrorKind(kind), headline, where)


def _case(record: Any, arrays: dict[str, Any]) -> Produced:
    outputs, records, error, warnings = wire.decode_case(record, arrays, MISSING, ERROR_KINDS)
    produced = Outputs(outputs)
    produced.records = records
    return Produced(produced, None if error is None else CodeError(ErrorKind(error[0]), error[1], error[2]), warnings)


def _answer(item: Any) -> Answer:
    """One reported answer -> the Answer (its error says what is wrong with it without marking)."""
    number = item.get("number") if isinstance(item, dict) else None
    if not isinstance(number, int) or isinstance(number, bool):
        return Answer(-1, error="malformed report")
    try:
        error = _code_error(item.get("error"))
    except wire.Malformed:
        return Answer(number, error="malformed error report")
    if error is not None:
        if error.kind is ErrorKind.NOT_IMPLEMENTED:
            return Answer(number, stub=error.headline)
        return Answer(number, error=f"it raised: {error.headline[:300]}")
    answer, problem = wire.decode_answer(item.get("answer"))
    return Answer(number, answer, error=problem)


def _quiz(record: Any, arrays: dict[str, Any]) -> QuizReport:
    # Which answer belongs to which question, and whether all came, the quiz's judge checks.
    if not (isinstance(record, dict) and record.get("kind") == "quiz" and isinstance(record.get("answers"), list)):
        return QuizReport([], CodeError(ErrorKind.EXCEPTION, "the answers were not reported"))
    return QuizReport([_answer(item) for item in record["answers"]])


_DECODERS: dict[JobKind, Callable[[Any, dict[str, Any]], Report]] = {JobKind.CASE: _case, JobKind.QUIZ: _quiz}


def _malformed(why: str) -> Record:
    return Record(
        RecordStatus.MALFORMED,
        lines=[f"the report of what the code produced is malformed ({why})"],
        cause=Cause.MALFORMED,
    )


def decode_report(kind: JobKind, js: bytes, data: bytes) -> Record:
    """One frame's bytes (its JSON, its arrays) reporting a job of this kind -> the job's Record, decoded."""
    try:
        record, arrays = wire.decode_frame(js, data)
    except wire.Malformed as exc:
        return _malformed(str(exc))
    except Exception as exc:  # noqa: BLE001 - nothing a worker sends may take the grader down
        return _malformed(type(exc).__name__)
    return decode_record(kind, record, arrays)


def decode_record(kind: JobKind, record: Any, arrays: dict[str, Any]) -> Record:
    """Decode a frame's record (JSON values) and arrays (name -> array), reporting a job of this kind.

    -> the job's Record: DONE with its report, SKIPPED, or MALFORMED with the one message.
    """
    try:
        if isinstance(record, dict) and record.get("kind") == "skipped":
            return Record(RecordStatus.SKIPPED)
        return Record(RecordStatus.DONE, _DECODERS[kind](record, arrays))
    except wire.Malformed as exc:
        return _malformed(str(exc))
    except Exception as exc:  # noqa: BLE001 - nothing a worker sends may take the grader down
        return _malformed(type(exc).__name__)
