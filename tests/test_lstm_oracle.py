"""The LSTM oracle is the writeup's cell (torch's gate order) with the per-sample and batch-mean conventions."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from autograder.oracles.lstm_cell import lstm_backward, lstm_forward
from autograder.steps import all_steps

STEPS = all_steps()
FORWARD = STEPS["lstm_forward"]
BACKWARD = STEPS["lstm_backward"]


def writeup_cell(inputs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """The forward equations of handout/README.md, in float64 torch ops, on the case's first call."""
    t = {k: torch.from_numpy(np.asarray(v, dtype=np.float64)) for k, v in inputs.items() if k != "zero_grad_before"}
    x, h, c = t["x"][0], t["h_prev"][0], t["c_prev"][0]
    a = x @ t["W_ih"].T + t["b_ih"] + h @ t["W_hh"].T + t["b_hh"]
    i, f, g, o = a.chunk(4, dim=1)
    c_new = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
    h_new = torch.sigmoid(o) * torch.tanh(c_new)
    return h_new.numpy(), c_new.numpy()


@pytest.mark.parametrize("index", range(len(FORWARD.specs)), ids=[s.desc for s in FORWARD.specs])
def test_forward_is_the_writeup_formula_in_gate_order_i_f_g_o(index):
    inputs = FORWARD.cases.build(FORWARD.rng(7, index), FORWARD.specs[index])
    expected = lstm_forward(inputs).values
    h_new, c_new = writeup_cell(inputs)
    np.testing.assert_allclose(expected["h_new"], h_new, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(expected["c_new"], c_new, rtol=1e-12, atol=1e-14)


def test_deltas_are_per_sample_and_parameter_gradients_batch_means():
    spec = BACKWARD.specs[0]
    inputs = BACKWARD.cases.build(BACKWARD.rng(7, 0), spec)
    whole = lstm_backward(inputs).values
    batch = spec["batch"]
    alone = []
    for n in range(batch):
        one = dict(inputs)
        for key in ("x", "h_prev", "c_prev", "dh_new", "dc_new"):
            one[key] = inputs[key][:, n:n + 1]
        alone.append(lstm_backward(one).values)
    for key in ("dx", "dh", "dc"):
        np.testing.assert_allclose(whole[key], np.concatenate([a[key] for a in alone]), rtol=1e-10, atol=1e-13)
    for key in ("dW_ih", "dW_hh", "db_ih", "db_hh"):
        mean = sum(a[key] for a in alone) / batch
        np.testing.assert_allclose(whole[key], mean, rtol=1e-10, atol=1e-13)
    assert whole["dc"].any() and whole["dW_hh"].any()


def test_repeated_calls_accumulate_and_zero_grad_resets():
    specs = {s.desc: s for s in BACKWARD.specs}
    twice = next(s for d, s in specs.items() if "twice without zero_grad" in d)
    reset = next(s for d, s in specs.items() if "zero_grad()," in d)
    for spec, tag in ((twice, "last_call_only"), (reset, "no_zero_grad")):
        inputs = BACKWARD.cases.build(BACKWARD.rng(7, 0), spec)
        out = lstm_backward(inputs)
        for key in ("dW_ih", "dW_hh", "db_ih", "db_hh"):
            alternative = out.alternatives[key][tag]
            assert not np.allclose(out.values[key], alternative), (spec.desc, key)
