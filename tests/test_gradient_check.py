"""mytorch.gradient_check on CharRNN models of any depth and on a mytorch module."""
import numpy as np
import pytest

from hw.char_rnn.model import CharRNN
from mytorch.gradient_check import check_gradients, relative_error


def window(model: CharRNN, T: int = 6, B: int = 2, seed: int = 0):
    rng = np.random.default_rng(seed)
    inputs = rng.integers(0, model.vocab_size, size=(T, B))
    targets = rng.integers(0, model.vocab_size, size=(T, B))
    h0 = [np.tanh(rng.standard_normal((B, model.hidden_size))) for _ in range(model.num_layers)]
    return inputs, targets, h0


def run_check(model: CharRNN, grads_override=None, **kwargs):
    inputs, targets, h0 = window(model)
    model.loss_and_grads(inputs, targets, h0)
    analytic = {k: g.copy() for k, g in model.grads.items()}
    if grads_override:
        grads_override(analytic)
    return check_gradients(lambda: model.forward(inputs, targets, h0)[0], model.params,
                           analytic, **kwargs)


@pytest.mark.parametrize("layers", [1, 2, 3])
def test_correct_gradients_pass_for_any_depth(layers):
    model = CharRNN(8, 5, layers, seed=1, init_scale=0.5)
    report = run_check(model, num_checks=15)
    assert report.passed, report.format()
    assert [r.name for r in report.results] == list(model.params)
    assert all(np.isfinite(r.rel_error) for r in report.results)


def test_planted_bug_in_an_upper_layer_is_caught_and_named():
    model = CharRNN(8, 5, 2, seed=1, init_scale=0.5)

    def overscale_upper_bias_gradient(g):
        g["bh_1"] *= 1.3

    report = run_check(model, overscale_upper_bias_gradient, num_checks=50)
    assert not report.passed
    assert [r.name for r in report.failures()] == ["bh_1"]
    assert "bh_1" in report.format() and "FAIL" in report.format()


def test_a_real_backward_bug_is_caught(monkeypatch):
    model = CharRNN(8, 5, 2, seed=1, init_scale=0.5)
    inputs, targets, h0 = window(model)
    model.loss_and_grads(inputs, targets, h0)
    analytic = {k: g.copy() for k, g in model.grads.items()}
    # Transposed recurrent gradient: a classic slip that keeps the shape right.
    analytic["Whh"] = analytic["Whh"].T.copy()
    report = check_gradients(lambda: model.forward(inputs, targets, h0)[0], model.params,
                             analytic, num_checks=25)
    assert [r.name for r in report.failures()] == ["Whh"]


def test_parameters_are_restored_bit_for_bit():
    model = CharRNN(8, 5, 2, seed=1, init_scale=0.5)
    before = model.flat_params.copy()
    run_check(model, num_checks=10)
    np.testing.assert_array_equal(model.flat_params, before)


def test_zero_gradients_report_zero_error_not_nan():
    assert relative_error(0.0, 0.0) == 0.0
    assert relative_error(0.0, 1e-12) < 1e-5
    assert relative_error(1.0, 1.1) == pytest.approx(0.1 / 2.1)


def test_accepts_lists_and_checks_every_entry_of_small_arrays():
    w = np.array([[1.0, -2.0], [0.5, 3.0]])
    b = np.array([0.25])

    def loss():
        return float(np.sum(w ** 3) + 2 * b[0] ** 2)

    report = check_gradients(loss, [w, b], [3 * w ** 2, 4 * b], num_checks=100)
    assert report.passed, report.format()
    assert [(r.name, r.checked) for r in report.results] == [("param0", 4), ("param1", 1)]
    wrong = check_gradients(loss, [w, b], [3 * w ** 2, 2 * b], num_checks=100)
    assert [r.name for r in wrong.failures()] == ["param1"]
    assert wrong.failures()[0].index == (0,)


def test_mismatched_inputs_are_rejected():
    w = np.zeros(3)
    with pytest.raises(ValueError, match="shape"):
        check_gradients(lambda: 0.0, {"w": w}, {"w": np.zeros(4)})
    with pytest.raises(ValueError, match="same arrays"):
        check_gradients(lambda: 0.0, {"w": w}, {"v": w})
    with pytest.raises(TypeError, match="float64"):
        check_gradients(lambda: 0.0, {"w": w.astype(np.float32)}, {"w": w})


def test_works_on_a_mytorch_module_too():
    from mytorch.rnn_cell import RNNCell

    rng = np.random.default_rng(5)
    N, D, H = 3, 4, 5
    cell = RNNCell(D, H)
    cell.init_weights(*(rng.standard_normal(s) * 0.5 for s in ((H, D), (H, H), (H,), (H,))))
    x, h0, delta = rng.standard_normal((N, D)), rng.standard_normal((N, H)), rng.standard_normal((N, H))

    def loss() -> float:
        # Parameter gradients of this toolkit are batch means: the loss they differentiate is
        # the sum of delta * h' divided by the batch size.
        return float((cell.forward(x, h0) * delta).sum() / N)

    cell.zero_grad()
    cell.backward(delta, cell.forward(x, h0), x, h0)
    params = {"W_ih": cell.W_ih, "W_hh": cell.W_hh, "b_ih": cell.b_ih, "b_hh": cell.b_hh}
    grads = {"W_ih": cell.dW_ih, "W_hh": cell.dW_hh, "b_ih": cell.db_ih, "b_hh": cell.db_hh}
    report = check_gradients(loss, params, grads, num_checks=30)
    assert report.passed, report.format()
    grads["W_hh"] = grads["W_hh"] * 2
    assert [r.name for r in check_gradients(loss, params, grads).failures()] == ["W_hh"]
