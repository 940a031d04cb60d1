"""Each plausible bug in a core module fails exactly the steps it should, naming the right tensor."""

import pytest

from tests.mutants import CORE_MUTANTS, CORRECT_VARIANTS, check_mutant, check_variant


@pytest.mark.parametrize("m", CORE_MUTANTS, ids=str)
def test_mutant_fails_its_step(tree, m):
    # Beyond the mutant's own steps, only steps built on the broken code may fail.
    check_mutant(tree, m, allow_downstream=True)


@pytest.mark.parametrize("v", CORRECT_VARIANTS, ids=str)
def test_correct_variant_passes(tree, v):
    check_variant(tree, v)


def test_each_lstm_step_has_at_least_three_mutants_of_its_own():
    # lstm_backward runs the student's forward, so a forward bug in what backward reads fails both.
    for step in ("lstm_forward", "lstm_backward"):
        own = [m for m in CORE_MUTANTS if m.step == step and (m.fails == {step} or step == "lstm_forward")]
        assert len(own) >= 3, step
