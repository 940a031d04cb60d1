"""Every step's catalog of known bugs and the alternatives its oracle computes agree.

A tag an oracle computes must have a sentence in its step's catalog (or the
student would read a bare tag), and every sentence must be reachable: some
stored case computes its bug, differently from the truth.
"""

import numpy as np
import pytest

pytest.importorskip("torch")


from autograder.cases import PUBLIC_STREAM  # noqa: E402
from autograder.oracles import load_oracles  # noqa: E402
from autograder.steps import case_steps  # noqa: E402

STEPS = case_steps()
ORACLES = load_oracles()


@pytest.mark.parametrize("step_id", sorted(STEPS))
def test_each_computed_bug_has_a_sentence_and_each_sentence_a_case(step_id):
    step = STEPS[step_id]
    cases = step.draw_cases(ORACLES[step_id], PUBLIC_STREAM)
    computed = {tag for case in cases for tags in case.alternatives.values() for tag in tags}
    assert computed <= set(step.bugs), sorted(computed - set(step.bugs))
    assert set(step.bugs) <= computed, f"no case computes {sorted(set(step.bugs) - computed)}"
    for sentence in step.bugs.values():
        assert sentence and sentence[0].islower() and not sentence.endswith(".")


@pytest.mark.parametrize("step_id", sorted(STEPS))
def test_an_alternative_is_never_the_truth(step_id):
    step = STEPS[step_id]
    for case in step.draw_cases(ORACLES[step_id], PUBLIC_STREAM):
        for key, tags in case.alternatives.items():
            for tag, alt in tags.items():
                truth = case.expected[key]
                assert not (alt.shape == truth.shape and np.allclose(alt, truth, rtol=1e-9, atol=1e-12)), (key, tag)


def test_a_backward_bug_formula_keeps_the_values_and_changes_only_the_derivative():
    import torch

    from autograder.oracles._torch import flipped, tensor, with_slope

    a = tensor(np.array([0.3, -1.2]), grad=True)
    h = torch.tanh(a)
    wrong = with_slope(h, a, 1 - h)  # the tanh derivative without its square
    assert torch.equal(wrong, h)
    (slope,) = torch.autograd.grad(wrong.sum(), a)
    np.testing.assert_allclose(slope.numpy(), 1 - np.tanh([0.3, -1.2]))
    z = torch.sigmoid(a)
    (g,) = torch.autograd.grad(flipped(z).sum(), a)
    (g_true,) = torch.autograd.grad(torch.sigmoid(a).sum(), a)
    assert torch.equal(flipped(z), z) and torch.equal(g, -g_true)


NEWER_STEPS = ("lstm_forward", "lstm_backward", "ctc_forward", "ctc_backward", "greedy_search", "beam_search",
               "poems_preprocess", "poem_generate", "poem_bptt")


@pytest.mark.parametrize("step_id", NEWER_STEPS)
def test_each_bug_is_named_as_itself_and_never_as_another(step_id):
    """Every catalog entry's output, judged against every other bug the case computes: the hint names it (with
    the bugs the case cannot tell apart from it, which give the same output), never a bug alone that it is not."""
    from autograder.compare import compare, matches

    step = STEPS[step_id]
    checked = 0
    for case in step.draw_cases(ORACLES[step_id], PUBLIC_STREAM):
        for key, tags in case.alternatives.items():
            for tag, alt in tags.items():
                if alt.shape == case.expected[key].shape and matches(alt, case.expected[key], step.tolerance):
                    continue  # within the step's tolerance of the truth: this case passes that bug
                problem = compare(alt, case.expected[key], tolerance=step.tolerance, alternatives=tags,
                                  batch=case.batch, bugs=step.bugs)
                assert problem.hint is not None and tag in problem.hint.tags, (case.label, key, tag, problem)
                for other in problem.hint.tags:  # each other bug named gives this very output
                    assert other == tag or matches(alt, tags[other], step.tolerance), (key, tag, other)
                checked += 1
    assert checked > 0
