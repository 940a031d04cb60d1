"""Values, not containers: a number returned as a numpy scalar or a 1-element array is judged by its value, with a
note that a plain float is expected (autograder/steps/_numbers.py), which the run keeps and a passing step shows."""

import warnings

import numpy as np
import pytest

from autograder.isolation import run_isolated
from autograder.judging import judge_step
from autograder.report import detail_lines
from autograder.steps import Output, Outputs
from autograder.steps._numbers import FormNote, number
from tests.test_judging import ENTRY, case, make_step, produced


def _noted(value):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = number(value, "the score")
    return got, [str(w.message) for w in caught if issubclass(w.category, FormNote)]


@pytest.mark.parametrize("value", [0.25, 1, np.float64(0.25), np.array(0.25)])
def test_a_plain_number_is_taken_without_a_note(value):
    got, notes = _noted(value)
    assert isinstance(got, np.ndarray) and got.shape == () and float(got) == float(value) and notes == []


@pytest.mark.parametrize("value", [np.array([0.25]), np.array([[0.25]]), np.float32(0.25), [0.25], (0.25,)])
def test_a_one_element_array_or_narrow_scalar_is_judged_by_value_with_a_note(value):
    got, notes = _noted(value)
    assert got.shape == () and float(got) == 0.25
    assert len(notes) == 1 and "the score is" in notes[0] and "a plain float is expected" in notes[0]


@pytest.mark.parametrize("value", [np.array([0.25, 0.5]), True, "0.25", ["0.25"], [0.25, 0.5], [[0.25, 1.0]]])
def test_anything_else_is_left_for_the_comparison_to_report(value):
    got, notes = _noted(value)
    assert got is value and notes == []


def test_the_run_keeps_the_note_and_a_passing_step_shows_it_as_itself():
    outputs = Outputs()
    outcome = run_isolated(lambda: outputs.update(y=number(np.ones(1), "y"), z=np.ones(2)), 5.0)
    assert outcome.error is None and outcome.warnings == [
        "y is an array of shape (1,): judged by its value; a plain float is expected"]
    step = make_step(outputs=(Output("y"), Output("z")))
    good = produced(np.ones(2), np.ones(2), warnings=outcome.warnings)
    result = judge_step(step, ENTRY, [case()], lambda i, c: good)
    assert result.passed
    assert detail_lines(result.details) == [
        "note: y is an array of shape (1,): judged by its value; a plain float is expected"]
