"""Judging a quiz: the student's answers, checked for form (the runner) or marked against the key (official).

The runner has no key: well-formed answers are NOT_MARKED, with no points.
Official grading marks them: points per right answer, right or wrong per
question, never the key itself. Both read the same `QuizReport`, however it
was collected (in this process, or decoded once from a worker's report).
"""

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

from autograder.findings import Cause, Failure, Headline, HeadlineKind, Note, NoteKind, Traceback
from autograder.isolation import CodeError, ErrorKind
from autograder.results import STATUS_OF_ERROR, Status, StepResult
from autograder.rubric import RubricEntry
from autograder.text import plural


@dataclass(frozen=True)
class Answer:
    """One collected answer: the value the student's function returned, or why there is none."""

    question: int
    value: Any = None
    stub: str | None = None  # the NotImplementedError's text, while the answer is still a stub
    error: str | None = None  # the function is missing or raised, or its report is malformed

    @property
    def not_implemented(self) -> bool:
        """Whether the answer is still a stub."""
        return self.stub is not None


@dataclass
class QuizReport:
    """What a quiz's answer functions gave: one Answer per question, or the error that stopped them all.

    cause: why there are no answers, when the grader that watched the code knows it.
    """

    answers: list[Answer] = field(default_factory=list)
    error: CodeError | None = None
    cause: Cause | None = None


class Quiz(Protocol):
    """What judging reads of a quiz step (`autograder.steps.QuizStep` is one)."""

    @property
    def target(self) -> str:
        """The file the quiz's answers are in, as messages name it."""

    @property
    def questions(self) -> Sequence[Any]:
        """The question objects (with `number`)."""

    @property
    def normalise(self) -> Callable[[Any, Any], tuple[str | None, Any]]:
        """Say what is wrong with an answer: (question, answer) -> (problem or None, normalised answer)."""

    @property
    def mark(self) -> Callable[[dict[int, Any], dict[int, Any]], dict[int, bool]]:
        """Mark answers: (answers, key) -> question number -> right or wrong."""

    def function(self, number: int) -> str:
        """-> the name of the student's function that answers question `number`."""


def _problem(quiz: Quiz, question: Any, answer: Answer) -> str | None:
    """-> why the answer cannot be marked ('not answered yet', its error, its form), or None."""
    if answer.question != question.number:
        return "malformed report"
    if answer.not_implemented:
        return None
    if answer.error:
        return answer.error
    problem, _ = quiz.normalise(question, answer.value)
    return problem


def _not_reported(quiz: Quiz, entry: RubricEntry, report: QuizReport) -> StepResult:
    error = report.error or CodeError(ErrorKind.EXCEPTION, "the answers were not reported", [])
    return StepResult(
        entry.id,
        0.0,
        entry.points,
        STATUS_OF_ERROR[error.kind],
        Headline(HeadlineKind.RAISED, error.headline, quiz.target),
        [Traceback(tuple(error.where))] if error.where else [],
        failure=Failure(cause=report.cause) if report.cause else None,
    )


def judge_answers(quiz: Quiz, entry: RubricEntry, report: QuizReport, key: dict[int, Any] | None = None) -> StepResult:
    """Judge a quiz's answers: marked against `key` when there is one, else for form only.

    -> without a key: NOT_MARKED when every answer is well-formed (no points: only official grading has the
    key), else FAILED (or NOT_IMPLEMENTED when every answer is a stub), naming each problem; with a key:
    points per right answer, each question right or wrong.
    """
    if report.error is not None or len(report.answers) != len(quiz.questions):
        return _not_reported(quiz, entry, report)
    if key is not None:
        return _marked(quiz, entry, report.answers, key)
    problems = []
    for q, answer in zip(quiz.questions, report.answers):
        name = quiz.function(answer.question)
        why = "not answered yet" if answer.not_implemented else _problem(quiz, q, answer)
        if why:
            problems.append(f"{name}: {why}")
    result = StepResult(entry.id, 0.0, entry.points)
    answers = report.answers
    if not problems:
        result.status = Status.NOT_MARKED
        result.headline = Headline(HeadlineKind.WELL_FORMED, count=len(answers), total=len(answers))
        result.details = [
            Note(
                NoteKind.MARKING,
                "right or wrong: they are marked against the answer key at official "
                f"grading, which awards their {plural(entry.points, 'point')}",
            )
        ]
        return result
    stubs = [a.stub for a in answers if a.stub is not None]
    answered = len(answers) - len(problems)
    result.status = Status.NOT_IMPLEMENTED if len(stubs) == len(answers) else Status.FAILED
    result.headline = (
        Headline(HeadlineKind.STUB, stubs[0])
        if result.status is Status.NOT_IMPLEMENTED
        else Headline(HeadlineKind.WELL_FORMED, count=answered, total=len(answers))
    )
    result.details = [Note(NoteKind.ANSWER, p) for p in problems]
    return result


def _marked(quiz: Quiz, entry: RubricEntry, answers: list[Answer], key: dict[int, Any]) -> StepResult:
    """Mark the answers against the key: points per right answer, right/wrong per question, never the key."""
    result = StepResult(entry.id, 0.0, entry.points, Status.FAILED)
    markable: dict[int, Any] = {}
    notes: dict[int, str] = {}
    for q, answer in zip(quiz.questions, answers):
        name = quiz.function(q.number)
        why = _problem(quiz, q, answer)
        if answer.not_implemented:
            notes[q.number] = f"{name}: not answered yet"
        elif why:
            notes[q.number] = f"{name}: wrong ({why})"
        else:
            markable[q.number] = answer.value
    stubs = [a.stub for a in answers if a.stub is not None]
    marks = quiz.mark(markable, key)
    right = sum(marks.values())
    total = len(quiz.questions)
    if len(stubs) == total:
        result.status, result.headline = Status.NOT_IMPLEMENTED, Headline(HeadlineKind.STUB, stubs[0] or "")
    else:
        result.status = Status.PASSED if right == total else Status.FAILED
        result.headline = Headline(HeadlineKind.RIGHT, count=right, total=total)
    result.points = entry.points * right / total
    result.details = [
        Note(
            NoteKind.ANSWER,
            notes.get(q.number) or f"{quiz.function(q.number)}: {'right' if marks[q.number] else 'wrong'}",
        )
        for q in quiz.questions
    ]
    return result
