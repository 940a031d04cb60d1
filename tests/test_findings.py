"""Typed findings survive results.json: a Failure written as JSON reads back equal; a malformed one is refused."""

import json

import pytest

from autograder.findings import Cause, Failure, Hint, HintKind


def test_a_failure_round_trips_through_json():
    failure = Failure("hidden case 3", "hidden", "RNNCell.backward: dW_hh",
                      (Hint(HintKind.BUG, ("a", "b"), "it matches more than one known bug: A; or B"),),
                      Cause.TIMED_OUT)
    assert Failure.from_json(json.loads(json.dumps(failure.to_json()))) == failure
    assert Failure.from_json(Failure().to_json()) == Failure()


def test_causes_outside_the_code_are_the_graders():
    assert {c for c in Cause if c.outside_code} == {Cause.NOT_STARTED, Cause.NO_RUNTIME, Cause.NOT_JUDGED,
                                                    Cause.GRADER_ERROR}


@pytest.mark.parametrize("bad", [{"hints": [{"kind": "guess", "tags": [], "text": ""}]}, {"cause": "tired"},
                                 {"hints": [{"kind": "bug"}]}])
def test_a_malformed_failure_is_refused(bad):
    with pytest.raises((KeyError, ValueError, TypeError)):
        Failure.from_json(bad)
