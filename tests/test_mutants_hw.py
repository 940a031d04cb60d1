"""Each plausible bug in the homework programs fails exactly the steps it should, and says where.

For backpropagation through time the message must name the wrong tensor and
the time step and layer where the first wrong value appears; correct programs
written differently (other loop orders, no call to RNNCell.backward) pass.
"""

import pytest

from tests.mutants import HW_MUTANTS, HW_VARIANTS, check_mutant, check_variant

HW_STEPS = ("rnn_classifier_forward", "rnn_classifier_backward", "gru_inference", "mc")


@pytest.mark.parametrize("m", HW_MUTANTS, ids=str)
def test_mutant_fails_its_step(tree, m):
    check_mutant(tree, m, HW_STEPS)


@pytest.mark.parametrize("v", HW_VARIANTS, ids=str)
def test_correct_variant_passes(tree, v):
    check_variant(tree, v)


def test_every_new_step_has_at_least_three_mutants_failing_only_it():
    for step in HW_STEPS:
        own = [m for m in HW_MUTANTS if m.step == step and (m.fails == {step} or step == "rnn_classifier_forward")]
        assert len(own) >= 3, step
