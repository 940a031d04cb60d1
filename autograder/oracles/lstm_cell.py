"""Oracles for `lstm_forward` and `lstm_backward`: torch.nn.LSTMCell with autograd.

The known bugs of autograder/steps/lstm_cell.py are computed on the same
inputs by the cell's formula in torch ops (`lstm_step`): forward bugs change
the values, backward bugs only the derivative.
"""

import functools
from typing import Callable

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._hints import hints_wanted
from autograder.oracles._torch import add_alternative, add_alternatives, array, cell_backward, tensor, with_slope
from autograder.oracles.rnn_cell import TORCH_NAMES, with_weights
from autograder.steps.lstm_cell import WEIGHTS


def torch_cell(inputs: dict[str, np.ndarray]) -> torch.nn.Module:
    """-> a torch.nn.LSTMCell holding the case's weights (same layout and gate order: i, f, g, o)."""
    four_h, d = inputs["W_ih"].shape
    return with_weights(torch.nn.LSTMCell(d, four_h // 4, dtype=torch.float64), inputs)


FORWARD_BUGS = (
    "i_f_swapped",
    "no_forget_term",
    "h_without_tanh",
    "gates_ifog",
    "g_sigmoid",
    "o_tanh",
    "tanh_of_c_prev",
    "no_input_gate",
    "no_b_hh",
)
BACKWARD_BUGS = (
    "dc_no_h_path",
    "dc_through_input_gate",
    "o_sigmoid_derivative_of_output",
    "i_derivative_at_o",
    "gate_grads_ifog",
    "dc_is_dc_total",
    "d_f_from_c_new",
    "tanh_derivative_at_c_new",
    "no_dc_new",
    "d_o_from_c_new",
    "g_sigmoid_derivative",
    "d_i_from_i",
)


def _g_o_swapped(n: int) -> np.ndarray:
    """-> the row order of a stacked (4H, ...) weight or bias, n = 4H, with the g and o quarters swapped."""
    H = n // 4
    return np.concatenate([np.arange(2 * H), np.arange(3 * H, 4 * H), np.arange(2 * H, 3 * H)])


def swap_g_o(a: torch.Tensor) -> torch.Tensor:
    """-> a (a stacked weight (4H, D) or bias (4H,)) with its g and o rows swapped."""
    return a[torch.as_tensor(_g_o_swapped(a.shape[0]))]


def _gates(
    w: dict[str, torch.Tensor],
    x: torch.Tensor,
    h: torch.Tensor,
    bug: str | None,
) -> tuple[torch.Tensor, ...]:
    """-> the gates i, f, g, o (N, H) as `bug` computes them (values and derivatives)."""
    from_x, from_h = x @ w["W_ih"].T, h @ w["W_hh"].T
    if bug == "gate_grads_ifog":
        # Gate gradients stacked as i, f, o, g: dx and dh meet the g and o rows of the weights in swapped places.
        from_x = x.detach() @ w["W_ih"].T + (x - x.detach()) @ swap_g_o(w["W_ih"]).detach().T
        from_h = h.detach() @ w["W_hh"].T + (h - h.detach()) @ swap_g_o(w["W_hh"]).detach().T
    a = from_x + w["b_ih"] + from_h + (0.0 if bug == "no_b_hh" else w["b_hh"])
    a_i, a_f, a_g, a_o = a.chunk(4, dim=1)
    if bug == "gates_ifog":
        a_g, a_o = a_o, a_g
    i, f, o = torch.sigmoid(a_i), torch.sigmoid(a_f), torch.sigmoid(a_o)
    g = torch.sigmoid(a_g) if bug == "g_sigmoid" else torch.tanh(a_g)
    if bug == "o_tanh":
        o = torch.tanh(a_o)
    if bug == "g_sigmoid_derivative":
        g = with_slope(g, a_g, g * (1 - g))
    if bug == "i_f_swapped":
        i, f = f, i
    if bug == "o_sigmoid_derivative_of_output":
        o = with_slope(o, a_o, torch.sigmoid(o) * (1 - torch.sigmoid(o)))
    if bug == "i_derivative_at_o":
        i = with_slope(i, a_i, o * (1 - o))
    return i, f, g, o


# The cell state's update as each bug computes it (same values; the backward bugs change only the derivative).
_CELL_UPDATES: dict[str, Callable[..., torch.Tensor]] = {
    "no_forget_term": lambda i, f, g, c: i * g,
    "no_input_gate": lambda i, f, g, c: f * c + g,
    "dc_through_input_gate": lambda i, f, g, c: f * c.detach() + i.detach() * (c - c.detach()) + i * g,  # dc * i
    "dc_is_dc_total": lambda i, f, g, c: f * c.detach() + (c - c.detach()) + i * g,  # dc = dc_total
    "d_f_from_c_new": lambda i, f, g, c: f.detach() * c + (f - f.detach()) * (f * c + i * g).detach() + i * g,
    "d_i_from_i": lambda i, f, g, c: f * c + i.detach() * g + (i - i.detach()) * i.detach(),  # d_i = dc_total * i
}


def lstm_step(
    w: dict[str, torch.Tensor], x: torch.Tensor, h: torch.Tensor, c: torch.Tensor, bug: str | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """-> the cell in torch ops (gates i, f, g, o): x (N, D), h, c (N, H) -> h_new, c_new, as `bug` computes them."""
    i, f, g, o = _gates(w, x, h, bug)
    c_new = _CELL_UPDATES.get(bug or "", lambda i, f, g, c: f * c + i * g)(i, f, g, c)
    tanh_c = torch.tanh(c_new.detach() if bug == "dc_no_h_path" else c_new)
    if bug == "tanh_of_c_prev":
        tanh_c = torch.tanh(c)
    if bug == "tanh_derivative_at_c_new":  # 1 - c_new**2 where 1 - tanh(c_new)**2 belongs
        tanh_c = with_slope(tanh_c, c_new, 1 - c_new**2)
    if bug == "d_o_from_c_new":  # d_o = dh_new * c_new
        h_new = o.detach() * tanh_c + (o - o.detach()) * c_new.detach()
    else:
        h_new = o * (c_new if bug == "h_without_tanh" else tanh_c)
    if bug == "no_dc_new":  # dc_total leaves out dc_new: c_new reaches the loss only through h_new
        return h_new, c_new.detach()
    return h_new, c_new


def _weights(inputs: dict[str, np.ndarray], grad: bool = False) -> dict[str, torch.Tensor]:
    return {k: tensor(inputs[k], grad=grad) for k in WEIGHTS}


def lstm_forward(inputs: dict[str, np.ndarray]) -> Expected:
    """-> h_new, c_new (N, H) of LSTMCell.forward on the case's first call, with the bugs' alternatives."""
    x, h, c = (tensor(inputs[k][0]) for k in ("x", "h_prev", "c_prev"))
    with torch.no_grad():
        h_new, c_new = torch_cell(inputs)(x, (h, c))
        values = {"h_new": array(h_new), "c_new": array(c_new)}
        if not hints_wanted():
            return Expected(values)
        alternatives: dict[str, dict[str, np.ndarray]] = {}
        for bug in FORWARD_BUGS:
            bug_h, bug_c = lstm_step(_weights(inputs), x, h, c, bug)
            add_alternative(alternatives, "h_new", bug, array(bug_h), values["h_new"])
            add_alternative(alternatives, "c_new", bug, array(bug_c), values["c_new"])
    return Expected(values, alternatives)


def _backward(
    inputs: dict[str, np.ndarray],
    params: tuple[torch.Tensor, ...],
    step: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], tuple[torch.Tensor, torch.Tensor]],
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
    """Run the case's calls -> (dx, dh, dc and the accumulated gradients, the accumulation bugs' alternatives).

    params: the four weights in WEIGHTS order; step(x, h, c) -> (h_new, c_new) computed from them.
    """
    # The last call's dx, dh, dc are compared.
    return cell_backward(
        inputs, {"x": "dx", "h_prev": "dh", "c_prev": "dc"}, ("dh_new", "dc_new"), params, WEIGHTS, step
    )


def lstm_backward(inputs: dict[str, np.ndarray]) -> Expected:
    """-> dx (N, D), dh, dc (N, H) of the last call, the accumulated weight gradients, the bugs' alternatives."""
    cell = torch_cell(inputs)
    values, alternatives = _backward(
        inputs, tuple(getattr(cell, name) for name in TORCH_NAMES), lambda x, h, c: cell(x, (h, c))
    )
    if not hints_wanted():
        return Expected(values)
    # torch's cell is the truth; each bug reruns the case through the formula with its derivative.
    w = _weights(inputs, grad=True)
    for bug in BACKWARD_BUGS:
        buggy, _ = _backward(inputs, tuple(w[k] for k in WEIGHTS), functools.partial(lstm_step, w, bug=bug))
        if bug == "gate_grads_ifog":  # and the parameter gradients get those rows swapped too
            buggy.update({"d" + k: buggy["d" + k][_g_o_swapped(len(buggy["d" + k]))] for k in WEIGHTS})
        add_alternatives(alternatives, bug, buggy, values)
    return Expected(values, alternatives)


ORACLES = {"lstm_forward": lstm_forward, "lstm_backward": lstm_backward}
