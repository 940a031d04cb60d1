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
