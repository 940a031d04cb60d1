"""The quiz judge: answers checked for form without a key, marked against one at official grading."""

from autograder.isolation import CodeError, ErrorKind
from autograder.quiz_judge import Answer, QuizReport, judge_answers
from autograder.report import detail_lines, headline_text
from autograder.results import Status
from autograder.rubric import RubricEntry
from autograder.steps import QuizStep

QUIZ = QuizStep(id="q", target="hw/q.py", module="hw.q", questions=(),
                normalise=lambda q, a: (None if a in ("a", "b") else f"not a letter: {a!r}", a),
                mark=lambda answers, key: {})


class Q:
    def __init__(self, number):
        self.number = number


def quiz(*answers):
    return QuizStep(**{**QUIZ.__dict__, "questions": tuple(Q(a.question) for a in answers)}), list(answers)


def test_quiz_answers_are_judged_for_form():
    step, answers = quiz(Answer(1, "a"), Answer(2, "b"))
    entry = RubricEntry("q", 10, "hw/q.py", "quiz", ())
    unmarked = judge_answers(step, entry, QuizReport(answers))
    assert (unmarked.status, unmarked.points, unmarked.failed) == (Status.NOT_MARKED, 0, False)
    assert headline_text(unmarked.headline) == "all 2 answers are well-formed"
    assert "official grading" in detail_lines(unmarked.details)[0]
    step, answers = quiz(Answer(1, "a"), Answer(2, "zz"), Answer(3, error="hw/q.py has no function question_3()"))
    result = judge_answers(step, entry, QuizReport(answers))
    assert (result.status, result.points, headline_text(result.headline)) == (
        Status.FAILED, 0, "1 of 3 answers are well-formed"
    )
    assert detail_lines(result.details) == ["  question_2: not a letter: 'zz'",
                                            "  question_3: hw/q.py has no function question_3()"]
    stub = "q: hw/q.py is not implemented yet"
    step, answers = quiz(Answer(1, stub=stub), Answer(2, stub=stub))
    result = judge_answers(step, entry, QuizReport(answers))
    assert (result.status, headline_text(result.headline)) == (Status.NOT_IMPLEMENTED, stub)


def test_a_quiz_run_here_is_checked_for_form(tmp_path, monkeypatch):
    (tmp_path / "quizmod.py").write_text("def question_1():\n    return 'a'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    step = QuizStep(**{**QUIZ.__dict__, "module": "quizmod", "questions": (Q(1),)})
    assert step.run_here(RubricEntry("q", 10, "quizmod.py", "quiz", ()), [], timeout=5).status is Status.NOT_MARKED


MARKING = QuizStep(**{**QUIZ.__dict__, "questions": (Q(1), Q(2), Q(3), Q(4)),
                      "mark": lambda answers, key: {n: answers.get(n) == key[n] for n in key}})
KEY = {1: "a", 2: "b", 3: "a", 4: "b"}


def test_answers_are_marked_against_the_key_one_point_share_each():
    entry = RubricEntry("q", 8, "hw/q.py", "quiz", ())
    report = QuizReport([Answer(1, "a"), Answer(2, "a"), Answer(3, stub="not yet"), Answer(4, error="it raised: boom")])
    result = judge_answers(MARKING, entry, report, KEY)
    assert (result.status, result.points, headline_text(result.headline)) == (
        Status.FAILED, 2, "1 of 4 answers are right"
    )
    assert detail_lines(result.details) == ["  question_1: right", "  question_2: wrong",
                                            "  question_3: not answered yet", "  question_4: wrong (it raised: boom)"]
    right = judge_answers(MARKING, entry, QuizReport([Answer(n, KEY[n]) for n in KEY]), KEY)
    assert (right.status, right.points) == (Status.PASSED, 8)


def test_an_answer_reported_for_another_question_or_a_missing_one_is_not_marked():
    entry = RubricEntry("q", 8, "hw/q.py", "quiz", ())
    swapped = QuizReport([Answer(2, "b"), Answer(1, "a"), Answer(3, "a"), Answer(4, "b")])
    result = judge_answers(MARKING, entry, swapped, KEY)
    assert result.points == 4 and detail_lines(result.details)[:2] == ["  question_1: wrong (malformed report)",
                                                         "  question_2: wrong (malformed report)"]
    short = judge_answers(MARKING, entry, QuizReport([Answer(1, "a")]), KEY)
    assert (short.status, short.points, headline_text(short.headline)) == (
        Status.ERROR, 0, "hw/q.py: the answers were not reported"
    )


def test_answers_that_never_came_fail_with_the_reason():
    entry = RubricEntry("q", 8, "hw/q.py", "quiz", ())
    slow = QuizReport(error=CodeError(ErrorKind.TIMED_OUT, "timed out after 5 s"))
    for key in (None, KEY):
        result = judge_answers(MARKING, entry, slow, key)
        assert (result.status, headline_text(result.headline), result.points) == (
            Status.TIMED_OUT, "hw/q.py: timed out after 5 s", 0
        )
