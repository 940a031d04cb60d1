"""Each plausible bug in a core module fails exactly the steps it should, naming the right tensor."""

import pytest

from tests.mutants import CORE_MUTANTS, CORRECT_VARIANTS


@pytest.mark.parametrize("m", CORE_MUTANTS, ids=str)
def test_mutant_fails_its_step(tree, m):
    tree.replace(m.file, m.old, m.new)
    result = tree.run()
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.failed() == set(m.fails), result.stdout
    first_block = result.output(m.step)
    for phrase in m.says:
        assert phrase in first_block, f"{phrase!r} not in:\n{first_block}"


@pytest.mark.parametrize("v", CORRECT_VARIANTS, ids=str)
def test_correct_variant_passes(tree, v):
    tree.replace(v.file, v.old, v.new)
    result = tree.run()
    assert result.failed() == set(), result.stdout
