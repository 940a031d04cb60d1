"""Oracles for `rnn_forward` and `rnn_backward`: torch.nn.RNNCell (tanh) with autograd."""

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._torch import accumulate, array, tensor
from autograder.steps.rnn_cell import WEIGHTS

TORCH_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def with_weights(cell: torch.nn.Module, inputs: dict[str, np.ndarray]) -> torch.nn.Module:
    """cell: a torch RNN, GRU or LSTM cell -> the cell holding the case's W_ih, W_hh, b_ih, b_hh."""
    with torch.no_grad():
        for ours, theirs in zip(WEIGHTS, TORCH_NAMES):
            getattr(cell, theirs).copy_(tensor(inputs[ours]))
    return cell


def torch_cell(inputs: dict[str, np.ndarray]) -> torch.nn.Module:
    """A torch.nn.RNNCell holding the case's weights."""
    h, d = inputs["W_ih"].shape
    return with_weights(torch.nn.RNNCell(d, h, nonlinearity="tanh", dtype=torch.float64), inputs)


def rnn_forward(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    with torch.no_grad():
        h = torch_cell(inputs)(tensor(inputs["x"][0]), tensor(inputs["h_prev"][0]))
    return {"h": array(h)}


def rnn_backward(inputs: dict[str, np.ndarray]) -> Expected:
    cell = torch_cell(inputs)
    params = tuple(getattr(cell, name) for name in TORCH_NAMES)
    per_call = []
    out: dict[str, np.ndarray] = {}
    for x, h_prev, delta in zip(inputs["x"], inputs["h_prev"], inputs["delta"]):
        xt, ht = tensor(x, grad=True), tensor(h_prev, grad=True)
        h = cell(xt, ht)
        batch = x.shape[0]
        loss = (h * tensor(delta)).sum() / batch
        gx, gh, *gparams = torch.autograd.grad(loss, (xt, ht) + params)
        out["dx"], out["dh"] = array(gx) * batch, array(gh) * batch
        per_call.append({"d" + w: array(g) for w, g in zip(WEIGHTS, gparams)})
    grads, alternatives = accumulate(per_call, inputs["zero_grad_before"], tuple("d" + w for w in WEIGHTS))
    return Expected({**out, **grads}, alternatives)


ORACLES = {"rnn_forward": rnn_forward, "rnn_backward": rnn_backward}
