"""Oracles for `lstm_forward` and `lstm_backward`: torch.nn.LSTMCell with autograd."""

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._torch import accumulate, array, tensor
from autograder.oracles.rnn_cell import TORCH_NAMES, with_weights
from autograder.steps.lstm_cell import WEIGHTS


def torch_cell(inputs: dict[str, np.ndarray]) -> torch.nn.Module:
    """A torch.nn.LSTMCell holding the case's weights (same layout and gate order: i, f, g, o)."""
    four_h, d = inputs["W_ih"].shape
    return with_weights(torch.nn.LSTMCell(d, four_h // 4, dtype=torch.float64), inputs)


def lstm_forward(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    with torch.no_grad():
        state = (tensor(inputs["h_prev"][0]), tensor(inputs["c_prev"][0]))
        h_new, c_new = torch_cell(inputs)(tensor(inputs["x"][0]), state)
    return {"h_new": array(h_new), "c_new": array(c_new)}


def lstm_backward(inputs: dict[str, np.ndarray]) -> Expected:
    cell = torch_cell(inputs)
    params = tuple(getattr(cell, name) for name in TORCH_NAMES)
    per_call = []
    out: dict[str, np.ndarray] = {}
    calls = zip(inputs["x"], inputs["h_prev"], inputs["c_prev"], inputs["dh_new"], inputs["dc_new"])
    for x, h_prev, c_prev, dh_new, dc_new in calls:
        xt, ht, ct = tensor(x, grad=True), tensor(h_prev, grad=True), tensor(c_prev, grad=True)
        h_new, c_new = cell(xt, (ht, ct))
        # dh_new, dc_new are per sample; dividing the loss by the batch makes parameter
        # gradients batch means, and dx, dh, dc are scaled back to per sample.
        batch = x.shape[0]
        loss = ((h_new * tensor(dh_new)).sum() + (c_new * tensor(dc_new)).sum()) / batch
        gx, gh, gc, *gparams = torch.autograd.grad(loss, (xt, ht, ct) + params)
        # The last call's dx, dh, dc are compared.
        out.update(dx=array(gx) * batch, dh=array(gh) * batch, dc=array(gc) * batch)
        per_call.append({"d" + w: array(g) for w, g in zip(WEIGHTS, gparams)})
    grads, alternatives = accumulate(per_call, inputs["zero_grad_before"], tuple("d" + w for w in WEIGHTS))
    return Expected({**out, **grads}, alternatives)


ORACLES = {"lstm_forward": lstm_forward, "lstm_backward": lstm_backward}
