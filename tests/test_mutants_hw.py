"""Each plausible bug in the homework programs fails exactly the steps it should, and says where.

For backpropagation through time the message must name the wrong tensor and
the time step and layer where the first wrong value appears; correct programs
written differently (other loop orders, no call to RNNCell.backward) pass.
"""

import pytest

from tests.mutants import HW_MUTANTS, HW_VARIANTS

HW_STEPS = ("rnn_classifier_forward", "rnn_classifier_backward", "gru_inference", "mc")


@pytest.mark.parametrize("m", HW_MUTANTS, ids=str)
def test_mutant_fails_its_step(tree, m):
    tree.replace(m.file, m.old, m.new)
    result = tree.run(*(a for s in HW_STEPS for a in ("--step", s)))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.failed() == set(m.fails), result.stdout
    block = result.output(m.step)
    for phrase in m.says:
        assert phrase in block, f"{phrase!r} not in:\n{block}"


@pytest.mark.parametrize("v", HW_VARIANTS, ids=str)
def test_correct_variant_passes(tree, v):
    tree.replace(v.file, v.old, v.new)
    result = tree.run()
    assert result.returncode == 0, result.stdout
    assert result.failed() == set(), result.stdout


def test_every_new_step_has_at_least_three_mutants_failing_only_it():
    for step in HW_STEPS:
        own = [m for m in HW_MUTANTS if m.step == step and (m.fails == {step} or step == "rnn_classifier_forward")]
        assert len(own) >= 3, step
