"""Oracles for `gru_forward` and `gru_backward`.

torch.nn.GRUCell applies the reset gate after the matmul, so it is not this
cell: the oracle writes the assignment's formula in torch ops and lets
autograd differentiate it.
"""

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._torch import accumulate, array, tensor
from autograder.steps.gru_cell import WEIGHTS


def gru_step(w: dict[str, torch.Tensor], x: torch.Tensor, h: torch.Tensor) -> dict[str, torch.Tensor]:
    """w: the six weights; x (D,), h (H,) -> z, r, h_tilda, h_t, each (H,)."""
    z = torch.sigmoid(w["Wzh"] @ h + w["Wzx"] @ x)
    r = torch.sigmoid(w["Wrh"] @ h + w["Wrx"] @ x)
    h_tilda = torch.tanh(w["Wh"] @ (r * h) + w["Wx"] @ x)
    h_t = (1 - z) * h + z * h_tilda
    return {"z": z, "r": r, "h_tilda": h_tilda, "h_t": h_t}


def gru_forward(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    w = {k: tensor(inputs[k]) for k in WEIGHTS}
    with torch.no_grad():
        result = gru_step(w, tensor(inputs["x"][0]), tensor(inputs["h_prev"][0]))
    return {k: array(v) for k, v in result.items()}


def gru_backward(inputs: dict[str, np.ndarray]) -> Expected:
    w = {k: tensor(inputs[k], grad=True) for k in WEIGHTS}
    per_call = []
    out: dict[str, np.ndarray] = {}
    for x, h_prev, delta in zip(inputs["x"], inputs["h_prev"], inputs["delta"]):
        xt, ht = tensor(x, grad=True), tensor(h_prev, grad=True)
        h_t = gru_step(w, xt, ht)["h_t"]
        loss = (h_t * tensor(delta).reshape(-1)).sum()
        gx, gh, *gw = torch.autograd.grad(loss, (xt, ht) + tuple(w[k] for k in WEIGHTS))
        out["dx"], out["dh"] = array(gx).reshape(1, -1), array(gh).reshape(1, -1)
        per_call.append({"d" + k: array(g) for k, g in zip(WEIGHTS, gw)})
    grads, alternatives = accumulate(per_call, inputs["zero_grad_before"], tuple("d" + k for k in WEIGHTS))
    return Expected({**out, **grads}, alternatives)


ORACLES = {"gru_forward": gru_forward, "gru_backward": gru_backward}
