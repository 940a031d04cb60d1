"""Oracles for `rnn_forward` and `rnn_backward`: torch.nn.RNNCell (tanh) with autograd.

The known bugs of autograder/steps/rnn_cell.py are computed on the same inputs:
forward bugs by their formula, backward bugs by autograd on a formula whose
values are the cell's but whose derivative is the bug's (`_buggy_h`).
"""

import functools
from typing import Callable

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._hints import hints_wanted
from autograder.oracles._torch import add_alternative, add_alternatives, array, cell_backward, tensor, with_slope
from autograder.steps.rnn_cell import WEIGHTS

TORCH_NAMES = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
BACKWARD_BUGS = (
    "no_tanh_derivative",
    "tanh_derivative_at_h_prev",
    "tanh_derivative_no_square",
    "dW_hh_from_h_t",
    "dh_transposed_weight",
)


def with_weights(cell: torch.nn.Module, inputs: dict[str, np.ndarray]) -> torch.nn.Module:
    """cell: a torch RNN, GRU or LSTM cell -> the cell holding the case's W_ih, W_hh, b_ih, b_hh."""
    with torch.no_grad():
        for ours, theirs in zip(WEIGHTS, TORCH_NAMES):
            getattr(cell, theirs).copy_(tensor(inputs[ours]))
    return cell


def torch_cell(inputs: dict[str, np.ndarray]) -> torch.nn.Module:
    """-> a torch.nn.RNNCell holding the case's weights."""
    h, d = inputs["W_ih"].shape
    return with_weights(torch.nn.RNNCell(d, h, nonlinearity="tanh", dtype=torch.float64), inputs)


def rnn_forward(inputs: dict[str, np.ndarray]) -> Expected:
    """-> h' (N, H) of RNNCell.forward on the case's first call, with the bugs' alternatives."""
    with torch.no_grad():
        x, h_prev = tensor(inputs["x"][0]), tensor(inputs["h_prev"][0])
        h = array(torch_cell(inputs)(x, h_prev))
        if not hints_wanted():
            return Expected({"h": h})
        W_ih, W_hh, b_ih, b_hh = (tensor(inputs[k]) for k in WEIGHTS)
        bugs = {
            "no_b_hh": torch.tanh(x @ W_ih.T + b_ih + h_prev @ W_hh.T),
            "no_b_ih": torch.tanh(x @ W_ih.T + h_prev @ W_hh.T + b_hh),
            "W_hh_transposed": torch.tanh(x @ W_ih.T + b_ih + h_prev @ W_hh + b_hh),
            "no_tanh": x @ W_ih.T + b_ih + h_prev @ W_hh.T + b_hh,
        }
    alternatives: dict[str, dict[str, np.ndarray]] = {}
    for tag, value in bugs.items():
        add_alternative(alternatives, "h", tag, array(value), h)
    return Expected({"h": h}, alternatives)


def _buggy_h(
    w: dict[str, torch.Tensor], x: torch.Tensor, h_prev: torch.Tensor, h_given: torch.Tensor, bug: str
) -> torch.Tensor:
    """-> the cell's h' (N, H), whose gradients are those backward computes with `bug`."""
    W_ih, W_hh = w["W_ih"], w["W_hh"]
    from_x = x @ W_ih.T
    from_h = h_prev @ W_hh.T
    if bug == "dh_transposed_weight":  # dh = dz @ W_hh.T
        from_h = h_prev.detach() @ W_hh.T + (h_prev - h_prev.detach()) @ W_hh.detach()
    if bug == "dW_hh_from_h_t":  # dW_hh = dz.T @ h_t
        from_h = h_prev @ W_hh.detach().T + h_given @ (W_hh - W_hh.detach()).T
    a = from_x + w["b_ih"] + from_h + w["b_hh"]
    h = torch.tanh(a)
    slopes = {
        "no_tanh_derivative": torch.ones_like(h),
        "tanh_derivative_at_h_prev": 1 - h_prev.detach() ** 2,
        "tanh_derivative_no_square": 1 - h_given,
    }
    return with_slope(h, a, slopes[bug]) if bug in slopes else h


def _backward(
    inputs: dict[str, np.ndarray],
    params: tuple[torch.Tensor, ...],
    h_of: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], torch.Tensor],
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
    """Run the case's calls -> (dx, dh and the accumulated gradients, the accumulation bugs' alternatives).

    params: the four weights, in WEIGHTS order; h_of(x, h_prev, h_given) -> h' computed from them.
    """
    return cell_backward(inputs, {"x": "dx", "h_prev": "dh"}, ("delta",), params, WEIGHTS, h_of, given=("h",))


def rnn_backward(inputs: dict[str, np.ndarray]) -> Expected:
    """-> dx (N, D), dh (N, H) of the last call and the accumulated weight gradients, with the bugs' alternatives."""
    cell = torch_cell(inputs)
    values, alternatives = _backward(
        inputs, tuple(getattr(cell, name) for name in TORCH_NAMES), lambda x, h_prev, h_given: cell(x, h_prev)
    )
    if not hints_wanted():
        return Expected(values)
    # torch's cell is the truth; each bug reruns the case through its own formula.
    w = {k: tensor(inputs[k], grad=True) for k in WEIGHTS}
    for bug in BACKWARD_BUGS:
        buggy, _ = _backward(inputs, tuple(w[k] for k in WEIGHTS), functools.partial(_buggy_h, w, bug=bug))
        add_alternatives(alternatives, bug, buggy, values)
    return Expected(values, alternatives)


ORACLES = {"rnn_forward": rnn_forward, "rnn_backward": rnn_backward}
