"""CharRNN forward and backward against torch autograd in float64."""
import numpy as np
import pytest

from hw.char_rnn.model import CharRNN, param_shapes

pytest.importorskip("torch")
from autograder.oracles import char_rnn as oracle


def window_loss_and_grads(params, layers, inputs, targets, h0):
    """torch's loss, gradients (keyed like params) and last states for one window."""
    case = {**params, "inputs": inputs, "targets": targets, "h0": np.stack(h0)}
    forward = oracle.char_rnn_loss(case).values
    grads = {k[1:]: v for k, v in oracle.char_rnn_backward(case).values.items()}
    assert len(forward["hs"]) == layers
    return float(forward["loss"]), grads, list(forward["hs"][:, -1])


def scores_along(params, layers, ixs, h0):
    return oracle.scores_along(dict(params), ixs, np.stack(h0))


def make_case(vocab: int, hidden: int, layers: int, T: int, B: int, seed: int = 0):
    model = CharRNN(vocab, hidden, layers, seed=seed, init_scale=0.5)
    rng = np.random.default_rng(seed + 100)
    inputs = rng.integers(0, vocab, size=(T, B))
    targets = rng.integers(0, vocab, size=(T, B))
    h0 = [np.tanh(rng.standard_normal((B, hidden))) for _ in range(layers)]
    return model, inputs, targets, h0


@pytest.mark.parametrize("layers,T,B", [(1, 1, 1), (1, 9, 1), (2, 7, 3), (3, 5, 2)])
def test_loss_grads_and_last_state_match_torch(layers, T, B):
    model, inputs, targets, h0 = make_case(11, 6, layers, T, B)
    h0_before = [h.copy() for h in h0]
    loss, grads, h_last = model.loss_and_grads(inputs, targets, h0)
    loss_pt, grads_pt, h_last_pt = window_loss_and_grads(model.params, layers, inputs, targets, h0)
    np.testing.assert_allclose(loss, loss_pt, rtol=1e-10)
    assert set(grads) == set(grads_pt)
    for name in grads:
        np.testing.assert_allclose(grads[name], grads_pt[name], rtol=1e-7, atol=1e-10, err_msg=name)
    for h, h_pt in zip(h_last, h_last_pt):
        np.testing.assert_allclose(h, h_pt, rtol=1e-10, atol=1e-12)
    for h, h_before in zip(h0, h0_before):
        np.testing.assert_array_equal(h, h_before)


def test_repeated_characters_accumulate_in_wxh():
    # Every input is the same character: its column of dWxh must sum all T contributions.
    model, _, targets, h0 = make_case(5, 4, 1, 6, 2)
    inputs = np.full((6, 2), 3)
    _, grads, _ = model.loss_and_grads(inputs, targets, h0)
    _, grads_pt, _ = window_loss_and_grads(model.params, 1, inputs, targets, h0)
    np.testing.assert_allclose(grads["Wxh"], grads_pt["Wxh"], rtol=1e-7, atol=1e-12)
    assert np.count_nonzero(grads["Wxh"][:, [0, 1, 2, 4]]) == 0


def test_gradients_are_overwritten_not_accumulated():
    model, inputs, targets, h0 = make_case(7, 5, 2, 4, 2)
    first = {k: v.copy() for k, v in model.loss_and_grads(inputs, targets, h0)[1].items()}
    second = model.loss_and_grads(inputs, targets, h0)[1]
    for name in first:
        np.testing.assert_array_equal(second[name], first[name])


def test_step_agrees_with_the_window_forward():
    model, inputs, targets, h0 = make_case(9, 5, 2, 6, 1)
    ixs = inputs[:, 0]
    expected = scores_along(model.params, 2, ixs, h0)
    h = h0
    for t, ix in enumerate(ixs):
        y, h = model.step(np.array([ix]), h)
        np.testing.assert_allclose(y[0], expected[t], rtol=1e-10, atol=1e-12)
    _, cache = model.forward(inputs, targets, h0)
    for layer in range(2):
        np.testing.assert_allclose(h[layer], cache.hs[layer][-1], rtol=1e-12)


def test_parameter_names_and_shapes_match_the_snapshot_layout():
    shapes = param_shapes(vocab_size=62, hidden_size=100, num_layers=1)
    assert shapes == {"Wxh": (100, 62), "Whh": (100, 100), "bh": (100, 1),
                      "Why": (62, 100), "by": (62, 1)}
    model = CharRNN(62, 100, 2)
    assert list(model.params) == ["Wxh", "Whh", "bh", "Wxh_1", "Whh_1", "bh_1", "Why", "by"]
    # Named views share memory with the flat buffers the optimizer updates.
    model.flat_params[:] = 1.0
    assert all(np.all(p == 1.0) for p in model.params.values())


def test_initial_loss_is_near_uniform_guess():
    model, inputs, targets, h0 = make_case(30, 20, 1, 25, 4)
    model = CharRNN(30, 20, 1, seed=0)  # the default small init
    loss, _ = model.forward(inputs, targets, model.initial_state(4))
    np.testing.assert_allclose(loss, -np.log(1 / 30) * 25, rtol=1e-2)
