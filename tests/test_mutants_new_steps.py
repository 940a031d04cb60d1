"""The bugs of the newer steps written from the writeups (tests/mutants_new_steps.py) fail their step, and a hint
that fires names that bug, never another; numerically right answers in the course's other forms pass."""

import pytest

from tests.mutants import hint_lines
from tests.mutants_new_steps import NEW_STEP_MUTANTS, NEW_STEP_VARIANTS

pytest.importorskip("torch")  # the poem homework's mutants run torch code


@pytest.mark.parametrize("m", NEW_STEP_MUTANTS, ids=str)
def test_mutant_fails_its_step_and_no_hint_names_another_bug(tree, m):
    tree.replace(m.file, m.old, m.new)
    result = tree.run(*(a for step in sorted(m.fails) for a in ("--step", step)))
    assert m.step in result.failed(), result.stdout
    hints = hint_lines(result.output(m.step))
    assert all(m.hint is not None and m.hint in h for h in hints), f"a hint names another cause: {hints}"


@pytest.mark.parametrize("v", NEW_STEP_VARIANTS, ids=str)
def test_a_right_value_in_another_form_passes_with_a_note(tree, v):
    tree.replace(v.file, v.old, v.new)
    result = tree.run("--step", "greedy_search", "--step", "beam_search", "--step", "ctc_forward", "--step",
                      "poems_preprocess")
    assert result.failed() == set(), result.stdout
    noted = any("a plain float is expected" in t["output"] for t in result.report["tests"])
    assert noted == ("1-element array" in v.name), result.report  # np.float64 is a float: no note
    assert ("a plain float is expected" in result.stdout) == noted, result.stdout  # the runner shows it too
