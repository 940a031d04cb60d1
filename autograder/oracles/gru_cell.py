"""Oracles for `gru_forward` and `gru_backward`.

torch.nn.GRUCell applies the reset gate after the matmul, so it is not this
cell: the oracle writes the assignment's formula in torch ops and lets
autograd differentiate it. The known bugs of autograder/steps/gru_cell.py are
computed on the same inputs: forward bugs by their formula, backward bugs by
autograd on a formula whose values are the cell's but whose derivative is the
bug's (`buggy_step`).
"""

import functools
from typing import Callable

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._hints import hints_wanted
from autograder.oracles._torch import accumulate, add_alternative, add_alternatives, array, flipped, tensor, with_slope
from autograder.steps.gru_cell import WEIGHTS


def gru_step(w: dict[str, torch.Tensor], x: torch.Tensor, h: torch.Tensor) -> dict[str, torch.Tensor]:
    """Run one step of the assignment's GRU in torch ops.

    w: the six weights, Wzh, Wrh, Wh (H, H) and Wzx, Wrx, Wx (H, D); x (D,), h (H,).
    Returns z, r, h_tilda and h_t, each of shape (H,).
    """
    z = torch.sigmoid(w["Wzh"] @ h + w["Wzx"] @ x)
    r = torch.sigmoid(w["Wrh"] @ h + w["Wrx"] @ x)
    h_tilda = torch.tanh(w["Wh"] @ (r * h) + w["Wx"] @ x)
    h_t = (1 - z) * h + z * h_tilda
    return {"z": z, "r": r, "h_tilda": h_tilda, "h_t": h_t}


BACKWARD_BUGS = (
    "dh_no_direct_path",
    "dh_no_z_path",
    "dh_no_r_path",
    "dh_no_candidate_path",
    "dx_no_z_path",
    "dx_no_r_path",
    "no_tanh_derivative",
    "tanh_derivative_no_square",
    "z_sign_flipped",
    "dWh_without_r",
    "gate_sigmoid_derivative_of_output",
)


def buggy_step(w: dict[str, torch.Tensor], x: torch.Tensor, h: torch.Tensor, bug: str) -> torch.Tensor:
    """Give h_t (H,) equal to the cell's, whose gradients are those backward computes with `bug`.

    w: the six weights as in gru_step; x (D,), h (H,); bug: one of BACKWARD_BUGS.
    """

    def cut(t: torch.Tensor, tag: str) -> torch.Tensor:
        return t.detach() if bug == tag else t

    a_z = w["Wzh"] @ cut(h, "dh_no_z_path") + w["Wzx"] @ cut(x, "dx_no_z_path")
    a_r = w["Wrh"] @ cut(h, "dh_no_r_path") + w["Wrx"] @ cut(x, "dx_no_r_path")
    z, r = torch.sigmoid(a_z), torch.sigmoid(a_r)
    if bug == "gate_sigmoid_derivative_of_output":
        z = with_slope(z, a_z, torch.sigmoid(z) * (1 - torch.sigmoid(z)))
        r = with_slope(r, a_r, torch.sigmoid(r) * (1 - torch.sigmoid(r)))
    rh = r * cut(h, "dh_no_candidate_path")
    from_h = w["Wh"] @ rh
    if bug == "dWh_without_r":  # dWh = outer(d_a_h, h)
        from_h = w["Wh"].detach() @ rh + (w["Wh"] - w["Wh"].detach()) @ h.detach()
    a_h = from_h + w["Wx"] @ x
    h_tilda = torch.tanh(a_h)
    if bug == "no_tanh_derivative":
        h_tilda = with_slope(h_tilda, a_h, torch.ones_like(h_tilda))
    if bug == "tanh_derivative_no_square":
        h_tilda = with_slope(h_tilda, a_h, 1 - h_tilda)
    if bug == "z_sign_flipped":  # d_z = delta * (h - h_tilda)
        z = flipped(z)
    return (1 - z) * cut(h, "dh_no_direct_path") + z * h_tilda


def gru_forward(inputs: dict[str, np.ndarray]) -> Expected:
    """Run the cell once on the first call's x and h_prev.

    Inputs: the six weights, x (calls, D), h_prev (calls, H). Returns z, r, h_tilda, h_t, each (H,).
    """
    w = {k: tensor(inputs[k]) for k in WEIGHTS}
    x, h = tensor(inputs["x"][0]), tensor(inputs["h_prev"][0])
    with torch.no_grad():
        result = gru_step(w, x, h)
        if not hints_wanted():
            return Expected({k: array(v) for k, v in result.items()})
        z, r = result["z"], result["r"]
        reset_after = torch.tanh(r * (w["Wh"] @ h) + w["Wx"] @ x)
        no_reset = torch.tanh(w["Wh"] @ h + w["Wx"] @ x)
        bugs = {
            "z": {
                "z_uses_Wrh": torch.sigmoid(w["Wrh"] @ h + w["Wzx"] @ x),
                "z_uses_Wrx": torch.sigmoid(w["Wzh"] @ h + w["Wrx"] @ x),
            },
            "r": {
                "r_uses_Wzh": torch.sigmoid(w["Wzh"] @ h + w["Wrx"] @ x),
                "r_uses_Wzx": torch.sigmoid(w["Wrh"] @ h + w["Wzx"] @ x),
            },
            "h_tilda": {"reset_after_matmul": reset_after, "no_reset": no_reset},
            "h_t": {
                "torch_gate_roles": z * h + (1 - z) * result["h_tilda"],
                "reset_after_matmul": (1 - z) * h + z * reset_after,
                "no_reset": (1 - z) * h + z * no_reset,
            },
        }
    values = {k: array(v) for k, v in result.items()}
    alternatives: dict[str, dict[str, np.ndarray]] = {}
    for key, tags in bugs.items():
        for tag, value in tags.items():
            add_alternative(alternatives, key, tag, array(value), values[key])
    return Expected(values, alternatives)


def _backward(
    inputs: dict[str, np.ndarray],
    w: dict[str, torch.Tensor],
    step: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
) -> tuple[dict[str, np.ndarray], dict[str, dict[str, np.ndarray]]]:
    """Run the case's backward calls through step(x, h) -> h_t, built on the weights w.

    Returns (dx (1, D) and dh (1, H) of the last call with the gradients of the six weights accumulated over the
    calls, the accumulation bugs' alternatives).
    """
    per_call = []
    out: dict[str, np.ndarray] = {}
    for x, h_prev, delta in zip(inputs["x"], inputs["h_prev"], inputs["delta"]):
        xt, ht = tensor(x, grad=True), tensor(h_prev, grad=True)
        h_t = step(xt, ht)
        loss = (h_t * tensor(delta).reshape(-1)).sum()
        gx, gh, *gw = torch.autograd.grad(loss, (xt, ht) + tuple(w[k] for k in WEIGHTS))
        out["dx"], out["dh"] = array(gx).reshape(1, -1), array(gh).reshape(1, -1)
        per_call.append({"d" + k: array(g) for k, g in zip(WEIGHTS, gw)})
    grads, alternatives = accumulate(per_call, inputs["zero_grad_before"], tuple("d" + k for k in WEIGHTS))
    return {**out, **grads}, alternatives


def gru_backward(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute the cell's gradients over repeated backward calls, weight gradients accumulated.

    Inputs: the six weights, x (calls, D), h_prev (calls, H), delta (calls, 1, H), zero_grad_before (calls,).
    Returns dx (1, D), dh (1, H) and dWzh, dWrh, dWh (H, H), dWzx, dWrx, dWx (H, D).
    """
    w = {k: tensor(inputs[k], grad=True) for k in WEIGHTS}
    values, alternatives = _backward(inputs, w, lambda x, h: gru_step(w, x, h)["h_t"])
    if not hints_wanted():
        return Expected(values)
    for bug in BACKWARD_BUGS:
        buggy, _ = _backward(inputs, w, functools.partial(buggy_step, w, bug=bug))
        add_alternatives(alternatives, bug, buggy, values)
    return Expected(values, alternatives)


ORACLES = {"gru_forward": gru_forward, "gru_backward": gru_backward}
