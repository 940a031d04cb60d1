"""The poem_bptt step's cases: its deltas are dL_t/da_k of the recurrence, so the double sum must equal autograd."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from autograder.oracles.poem_bptt import poem_bptt
from autograder.steps.poem_bptt import SPECS, build, deltas_of
from hw.poems.bptt import bptt_gradients


@pytest.mark.parametrize("spec", SPECS, ids=lambda s: s.desc)
def test_deltas_are_the_per_step_gradients(spec):
    inputs = build(np.random.default_rng(7), spec)
    W, U, b = (torch.tensor(inputs[n]) for n in ("W", "U", "b"))
    h = torch.tensor(inputs["h0"])
    pre, hs = [], []
    for x in torch.tensor(inputs["xs"]):
        a = (W @ x + U @ h + b).requires_grad_() if not pre else W @ x + U @ h + b
        pre.append(a)
        h = torch.tanh(a)
        hs.append(h)
    T = len(hs)
    for t in range(T):
        grads = torch.autograd.grad(torch.tensor(inputs["g"][t]) @ hs[t], pre[: t + 1], retain_graph=True)
        for k, g in enumerate(grads):
            np.testing.assert_allclose(inputs["deltas"][t, k], g.numpy(), rtol=1e-10, atol=1e-12)
    assert not inputs["deltas"][np.triu_indices(T, 1)].any()


def test_the_double_sum_equals_autograd():
    for spec in SPECS:
        inputs = build(np.random.default_rng(3), spec)
        dW, db = bptt_gradients(deltas_of(inputs), inputs["xs"])
        expected = poem_bptt(inputs).values
        np.testing.assert_allclose(dW, expected["dW"], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(db, expected["db"], rtol=1e-10, atol=1e-12)
