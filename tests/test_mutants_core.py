"""Each plausible bug in a core module fails exactly the steps it should, naming the right tensor."""

import pytest

from autograder.rubric import load_rubric
from tests.mutants import CORE_MUTANTS, CORRECT_VARIANTS


def downstream(failed: set[str]) -> set[str]:
    """Steps that call, directly or through other steps, code of a step in `failed`."""
    uses: set[str] = set()
    for entry in load_rubric():  # rubric order: dependencies come first
        if set(entry.depends) & (failed | uses):
            uses.add(entry.id)
    return uses - failed


@pytest.mark.parametrize("m", CORE_MUTANTS, ids=str)
def test_mutant_fails_its_step(tree, m):
    tree.replace(m.file, m.old, m.new)
    result = tree.run()
    assert result.returncode == 1, result.stdout + result.stderr
    # The mutant's own steps fail; beyond them only steps built on that code may fail.
    assert result.failed() & set(m.fails) == set(m.fails), result.stdout
    assert result.failed() - set(m.fails) <= downstream(set(m.fails)), result.stdout
    first_block = result.output(m.step)
    for phrase in m.says:
        assert phrase in first_block, f"{phrase!r} not in:\n{first_block}"


@pytest.mark.parametrize("v", CORRECT_VARIANTS, ids=str)
def test_correct_variant_passes(tree, v):
    tree.replace(v.file, v.old, v.new)
    result = tree.run()
    assert result.failed() == set(), result.stdout
