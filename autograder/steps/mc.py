"""Step `mc`: the multiple-choice answers in hw/mc.py.

A quiz step: its answers are collected from `question_1()` ... `question_5()`.
Locally only their form is checked (one letter among the options, or a list
of distinct letters for a multi-select question); they are marked against the
instructor's key at official grading. The key is not part of what students
receive, and nothing here imports it.
"""

from autograder.mc_questions import QUESTIONS, mark, normalise
from autograder.steps import QuizStep

STEPS = (QuizStep(id="mc", target="hw/mc.py", module="hw.mc", questions=QUESTIONS, normalise=normalise, mark=mark),)
