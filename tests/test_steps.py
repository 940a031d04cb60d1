"""The step protocol: every kind of step answers the same questions, so no caller asks which kind it is."""

import numpy as np

from autograder.cases import CaseKind, Expected
from autograder.findings import Cause
from autograder.quiz_judge import QuizReport
from autograder.report import headline_text
from autograder.results import Status
from autograder.rubric import RubricEntry
from autograder.steps import JobKind, QuizStep, Step, all_steps, case_steps

PROTOCOL = ("draw_cases", "jobs", "job_timeout", "run_here", "unreported", "judge", "job_kind", "needs_torch", "id",
            "target")


def test_every_step_implements_the_protocol_and_only_case_steps_have_cases():
    steps = all_steps()
    for step in steps.values():
        assert all(hasattr(step, name) for name in PROTOCOL), step.id
    assert set(case_steps()) == {k for k, s in steps.items() if s.job_kind is JobKind.CASE}
    assert {s.job_kind for s in steps.values()} == set(JobKind)


def oracle(inputs):
    return Expected({"y": inputs["x"] * 2})


def test_a_case_step_draws_per_spec_cases_and_one_job_per_case():
    step = all_steps()["linear_forward"]
    cases = step.draw_cases(lambda inputs: Expected({"y": np.zeros(1)}), 7, CaseKind.HIDDEN, per_spec=2)
    assert [c.label for c in cases] == [f"hidden case {i + 1}" for i in range(2 * len(step.specs))]
    assert [c.desc for c in cases] == [s.desc for s in step.specs] * 2
    again = step.draw_cases(lambda inputs: Expected({"y": np.zeros(1)}), 7, CaseKind.HIDDEN, per_spec=1)
    assert all(np.array_equal(a.inputs["x"], b.inputs["x"]) for a, b in zip(again, cases))
    assert [j["x"].shape for j in step.jobs(cases)] == [c.inputs["x"].shape for c in cases]
    assert step.job_timeout(3.0) == 3.0


def test_a_quiz_has_no_cases_and_one_job_timed_per_question():
    quiz = all_steps()["mc"]
    assert quiz.draw_cases(oracle, 1, CaseKind.HIDDEN, per_spec=3) == [] and quiz.jobs([]) == [{}]
    assert quiz.job_timeout(2.0) == 2.0 * len(quiz.questions)


def test_a_job_that_reported_nothing_fails_its_step_through_the_same_judge():
    entry = RubricEntry("linear_forward", 5, "mytorch/linear.py", "Linear", ())
    step = all_steps()["linear_forward"]
    assert isinstance(step, Step)
    cases = step.draw_cases(lambda inputs: Expected({"y": np.zeros(1)}), 1)
    dead = step.judge(entry, cases, lambda i: step.unreported(["stopped"], Cause.TIMED_OUT))
    assert (dead.status, headline_text(dead.headline), dead.failure.cause) == (
        Status.ERROR, f"Linear.forward, {cases[0].label} ({cases[0].desc}): stopped", Cause.TIMED_OUT)
    quiz = all_steps()["mc"]
    assert isinstance(quiz, QuizStep)
    mc = RubricEntry("mc", 10, "hw/mc.py", "quiz", ())
    lost = quiz.judge(mc, [], lambda i: quiz.unreported(["stopped"], Cause.TIMED_OUT), key={})
    assert (lost.status, headline_text(lost.headline), lost.failure.cause) == (
        Status.ERROR, "hw/mc.py: stopped", Cause.TIMED_OUT
    )
    assert isinstance(quiz.unreported([]), QuizReport)
