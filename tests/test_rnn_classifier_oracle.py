"""The classifier oracle's two torch computations agree, and its traces mean what the messages say."""

import numpy as np
import pytest

pytest.importorskip("torch")

from autograder.oracles.rnn_classifier import network_outputs, unrolled_trace
from autograder.steps import all_steps
from autograder.steps.rnn_classifier import cell_weights, layers_of

STEP = all_steps()["rnn_classifier_backward"]
CASES = [STEP.cases.build(STEP.rng(7, i), spec) for i, spec in enumerate(STEP.specs)]


@pytest.mark.parametrize("inputs", CASES, ids=[s.desc for s in STEP.specs])
def test_unrolled_cells_match_nn_rnn_and_decompose_the_deltas(inputs):
    whole, trace = network_outputs(inputs), unrolled_trace(inputs)
    np.testing.assert_allclose(trace["logits"], whole["logits"], rtol=1e-12, atol=1e-14)
    states, deltas, above = trace["hiddens"], trace["deltas"], trace["dabove"]
    steps, layers, batch = deltas.shape[0], deltas.shape[1], inputs["x"].shape[0]
    np.testing.assert_array_equal(states[0], inputs["h_0"])
    for layer in range(layers):
        w_hh = cell_weights(inputs, layer)[1]
        for t in range(steps):
            from_next = 0.0
            if t + 1 < steps:
                from_next = (deltas[t + 1, layer] * (1 - states[t + 2, layer] ** 2)) @ w_hh
            np.testing.assert_allclose(deltas[t, layer], above[t, layer] + from_next, rtol=1e-10, atol=1e-14)
        # dh_0 is what flows out of the first step, as a batch mean.
        dh_0 = (deltas[0, layer] * (1 - states[1, layer] ** 2)) @ w_hh / batch
        np.testing.assert_allclose(whole["dh_0"][layer], dh_0, rtol=1e-10, atol=1e-14)
    assert not above[: steps - 1, layers - 1].any()


@pytest.mark.parametrize("inputs", CASES[:2], ids=[s.desc for s in STEP.specs[:2]])
def test_the_delta_fed_to_backward_is_torchs_per_sample_logit_gradient(inputs):
    import torch

    logits = torch.tensor(network_outputs(inputs)["logits"], requires_grad=True)
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(inputs["labels"]))
    (grad,) = torch.autograd.grad(loss, logits)
    np.testing.assert_allclose(inputs["delta"], grad.numpy() * inputs["x"].shape[0], rtol=1e-9, atol=1e-14)
    assert layers_of(inputs) >= 1


def test_cases_cover_the_shapes_the_homework_promises():
    specs = STEP.specs
    assert any(s["seq"] == 1 for s in specs) and any(s["batch"] == 1 for s in specs)
    assert {s["layers"] for s in specs} >= {1, 2, 3}
    assert any(s["input"] != s["hidden"] for s in specs) and any(s.get("no_h0") for s in specs)
