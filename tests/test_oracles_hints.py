"""Oracles without hints: the same graded values bit for bit, none of the work hints need, per thread."""

import threading

import numpy as np
import pytest

pytest.importorskip("torch")


from autograder.cases import LIVE_STREAM, PUBLIC_STREAM  # noqa: E402
from autograder.oracles import computing_hints, hints_wanted, load_oracles, values_only  # noqa: E402
from autograder.steps import case_steps  # noqa: E402

STEPS = case_steps()
ORACLES = load_oracles()
# Two cases per spec: the public stream and another one.
STREAMS = (PUBLIC_STREAM, LIVE_STREAM)


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b, equal_nan=True)


@pytest.mark.parametrize("step_id", sorted(STEPS))
def test_values_only_gives_the_same_values_bit_for_bit_and_no_hints(step_id):
    step, oracle = STEPS[step_id], ORACLES[step_id]
    for stream in STREAMS:
        for case in step.draw_cases(oracle, stream):
            with values_only():
                bare = oracle(case.inputs)
            assert set(bare.values) == set(case.expected), case.label
            for key, value in case.expected.items():
                assert _same(bare.values[key], value), (case.label, key)
            assert bare.alternatives == {} and bare.trace == {}, case.label


def test_the_steps_with_hints_compute_them_by_default():
    # Otherwise the test above would not show that hints are skipped.
    with_hints_of = {s for s in STEPS for case in STEPS[s].draw_cases(ORACLES[s], PUBLIC_STREAM)
                     if case.alternatives or case.trace}
    assert {"gru_backward", "ctc_forward", "beam_search", "rnn_classifier_backward", "lstm_backward"} <= with_hints_of


def test_values_only_skips_the_known_bug_passes_and_the_trace(monkeypatch):
    # The work is skipped, not done and dropped: what only hints use fails if it is called.
    from autograder.oracles import char_rnn, ctc, gru_cell, lstm_cell, rnn_classifier, search

    def never(*args, **kwargs):
        raise AssertionError("computed a hint without hints wanted")

    real_lattice, real_beam, real_window = ctc.lattice, search.pinned_beam, char_rnn.window

    def lattice(probs, target, short, hints=True, **slip):
        assert not hints and not slip, "a lattice for the hints"
        return real_lattice(probs, target, short, hints)

    def pinned_beam(y, symbols, width, slip=None):
        assert slip is None, "a beam search for the hints"
        return real_beam(y, symbols, width)

    def window(inputs, grad, bug=None):
        assert bug is None, "a known bug's window"
        return real_window(inputs, grad)

    monkeypatch.setattr(gru_cell, "buggy_step", never)
    monkeypatch.setattr(lstm_cell, "lstm_step", never)
    monkeypatch.setattr(rnn_classifier, "unrolled_trace", never)
    monkeypatch.setattr(ctc, "_overwritten_repeats", never)
    monkeypatch.setattr(ctc, "lattice", lattice)
    monkeypatch.setattr(search, "pinned_beam", pinned_beam)
    monkeypatch.setattr(char_rnn, "window", window)
    monkeypatch.setattr(char_rnn, "_scores", never)
    for step_id in ("gru_backward", "lstm_backward", "lstm_forward", "rnn_classifier_forward",
                    "rnn_classifier_backward", "ctc_forward", "ctc_backward", "beam_search", "char_rnn_loss",
                    "char_rnn_backward"):
        step, oracle = STEPS[step_id], ORACLES[step_id]
        inputs = [step.cases.build(step.rng(PUBLIC_STREAM, i), spec) for i, spec in enumerate(step.specs)]
        with values_only():
            assert all(oracle(x).alternatives == {} for x in inputs)
        with pytest.raises(AssertionError):  # the hints do call what was replaced
            for x in inputs:
                oracle(x)


def test_hints_are_wanted_by_default_and_the_mode_is_per_thread():
    assert hints_wanted()
    inside, release = threading.Event(), threading.Event()
    seen: list[bool] = []

    def other_thread():
        with values_only():
            seen.append(hints_wanted())
            inside.set()
            release.wait(5)
        seen.append(hints_wanted())

    thread = threading.Thread(target=other_thread)
    thread.start()
    assert inside.wait(5)
    assert hints_wanted()  # this thread is unaffected while the other one draws values only
    release.set()
    thread.join(5)
    assert seen == [False, True]
    with values_only():
        assert not hints_wanted()
        with computing_hints():
            assert hints_wanted()
        assert not hints_wanted()
    assert hints_wanted()
