"""Step `mc`: the multiple-choice answers in hw/mc.py.

Locally only the form of each answer is checked (one letter among the
options, or a list of distinct letters for a multi-select question); the
answers are marked against the instructor's key at official grading. The key
is not part of what students receive, and this step never imports it.
"""

from autograder.isolation import describe_exception
from autograder.mc_questions import QUESTIONS, normalise
from autograder.steps import Step
from autograder.steps._student import student_attr


def check() -> tuple[bool, list[str]]:
    """-> (every answer well-formed, message lines)."""
    problems = []
    stub = None  # the first stub's message: the release ships every answer as one
    for q in QUESTIONS:
        name = f"question_{q.number}"
        try:
            answer = student_attr("hw.mc", name)()
        except NotImplementedError as exc:
            stub = stub or describe_exception(exc, 0)[0]
            problems.append(f"{name}: not answered yet")
            continue
        except AttributeError:
            problems.append(f"{name}: hw/mc.py has no function {name}()")
            continue
        except Exception as exc:  # noqa: BLE001 - reported to the student
            problems.append(f"{name}: raised {type(exc).__name__}: {exc}")
            continue
        problem, _ = normalise(q, answer)
        if problem:
            problems.append(f"{name}: {problem}")
    if problems:
        answered = len(QUESTIONS) - len(problems)
        head = f"{answered} of {len(QUESTIONS)} answers are well-formed"
        if stub:
            head = f"{stub} ({head})"
        return False, [head] + ["  " + p for p in problems]
    return True, [f"all {len(QUESTIONS)} answers are well-formed",
                  "  right or wrong: they are marked against the answer key at official grading"]


STEPS = (Step(id="mc", target="hw/mc.py", specs=(), build=lambda rng, spec: {}, run=lambda inputs, out: None,
              outputs=(), check=check),)
