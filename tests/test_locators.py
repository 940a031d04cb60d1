"""Locators place a mismatch from recorded calls and torch's trace, and stay silent when they cannot."""

import numpy as np
import pytest

from autograder.locators import Evidence, first_finding
from autograder.locators.gru_inference import locate as locate_inference
from autograder.locators.rnn_classifier import locate_backward, locate_forward
from autograder.steps import Outputs, case_steps
from autograder.tolerance import DEFAULT

torch = pytest.importorskip("torch")


from autograder.oracles import load_oracles  # noqa: E402

STEPS = case_steps()
ORACLES = load_oracles()


def said(found) -> list[str]:
    """-> the lines of what a locator found ([] for nothing)."""
    return list(found.lines) if found else []


def solved(step_id: str, index: int = 0):
    """-> (a case of the step with torch's expected values and trace, what the reference solution produced)."""
    step = STEPS[step_id]
    case = step.draw_cases(ORACLES[step_id], stream=5)[index]
    out = Outputs()
    step.run({k: np.array(v, copy=True) for k, v in case.inputs.items()}, out)
    return case, out


def test_first_finding_takes_the_first_check_that_speaks():
    ev = Evidence(*solved("gru_inference"), DEFAULT)
    assert first_finding([lambda e: None, lambda e: ["second"], lambda e: ["third"]], ev) == ["second"]
    assert first_finding([lambda e: None], ev) == []


def test_forward_locator_names_the_step_where_the_state_is_not_carried():
    case, out = solved("rnn_classifier_forward")
    assert said(locate_forward(case, out, DEFAULT)) == [
        "every hidden state is right: the mistake is in how the logits are made from the last state"]
    calls = out.records["fwd_calls"]
    calls[0][2]["h"] = case.trace["hiddens"][0][0]  # layer 0 at step 2 got the initial state
    assert said(locate_forward(case, out, DEFAULT)) == [
        "first mismatch at time step 2, layer 0: the hidden state h passed to RNNCell.forward is wrong "
        "(expected layer 0's state after time step 1, got layer 0's initial state (h_0[0]): "
        "the hidden state is not carried from one time step to the next)"]


def test_backward_locator_names_a_delta_missing_the_gradient_from_above():
    case, out = solved("rnn_classifier_backward")
    assert said(locate_backward(case, out, DEFAULT)) == ["every call to RNNCell.backward received the right arguments"]
    steps = case.inputs["x"].shape[1]
    last = steps - 1
    call = out.records["bwd_calls"][0][0]  # layer 0's first backward call is at the last time step
    call["delta"] = case.trace["deltas"][last][0] - case.trace["dabove"][last][0]
    lines = said(locate_backward(case, out, DEFAULT))
    assert lines[0].startswith(f"first wrong call to RNNCell.backward (going backward: time step {last}, layer 0)")
    assert "missing the gradient from the layer above" in lines[0]


def test_locators_stay_silent_without_a_trace_or_with_unreadable_records():
    case, out = solved("rnn_classifier_backward")
    case.trace.clear()
    assert said(locate_backward(case, out, DEFAULT)) == [] and said(locate_forward(case, out, DEFAULT)) == []
    case, out = solved("gru_inference")
    assert said(locate_inference(case, out, DEFAULT)) == []  # every row right: nothing to place
    out["logits"] = out["logits"].copy()
    out["logits"][3] += 1.0
    out.records["cell_calls"][3]["h"] = "not an array"
    lines = said(locate_inference(case, out, DEFAULT))
    assert lines[0] == "inference: first mismatch at time step 3 (row 3 of its logits; earlier rows are right)"
    assert "not the one the previous step returned" in lines[1]


def test_ties_at_the_beam_cutoff_are_found_only_where_scores_tie():
    from autograder.locators.search import ties_at_cutoff

    uniform = np.full((2, 6), 0.5)  # powers of two: the ties are exact
    assert ties_at_cutoff(uniform, 1) and ties_at_cutoff(np.full((2, 8), 0.5), 3)
    rng = np.random.default_rng(0)
    y = rng.random((4, 8))
    y /= y.sum(axis=0)
    assert not ties_at_cutoff(y, 2)
    assert not ties_at_cutoff(uniform, 1000)  # nothing is ever pruned
