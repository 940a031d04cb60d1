"""Oracles for `linear_forward` and `linear_backward`: torch.nn.Linear with autograd.

The known bugs of autograder/steps/linear.py are computed on the same inputs.
"""

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._hints import hints_wanted
from autograder.oracles._torch import accumulate, add_alternative, array, tensor


def _layer(inputs: dict[str, np.ndarray]) -> torch.nn.Linear:
    m, d = inputs["W"].shape
    layer = torch.nn.Linear(d, m, dtype=torch.float64)
    with torch.no_grad():
        layer.weight.copy_(tensor(inputs["W"]))
        layer.bias.copy_(tensor(inputs["b"]))
    return layer


def linear_forward(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute y = x W^T + b for the first call's batch.

    Inputs: W (M, D), b (M,), x (calls, N, D). Returns y (N, M).
    """
    x, W, b = (tensor(inputs[k]) for k in ("x", "W", "b"))
    x = x[0]
    with torch.no_grad():
        y = array(_layer(inputs)(x))
    if not hints_wanted():
        return Expected({"y": y})
    alternatives: dict[str, dict[str, np.ndarray]] = {}
    add_alternative(alternatives, "y", "no_bias", array(x @ W.T), y)
    add_alternative(alternatives, "y", "bias_subtracted", array(x @ W.T - b), y)
    return Expected({"y": y}, alternatives)


def linear_backward(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute the gradients of repeated backward calls, the weight gradients accumulated as the module does.

    Inputs: W (M, D), b (M,), x (calls, N, D), delta (calls, N, M), zero_grad_before (calls,).
    Returns dx (N, D) of the last call, per sample; dW (M, D) and db (M,), batch means summed over the calls
    since the last zero_grad.
    """
    layer = _layer(inputs)
    per_call = []
    out: dict[str, np.ndarray] = {}
    for x, delta in zip(inputs["x"], inputs["delta"]):
        xt = tensor(x, grad=True)
        y = layer(xt)
        # delta is dL/dy per sample; dividing the loss by the batch makes weight
        # gradients batch means, while dx is kept per sample.
        batch = x.shape[0]
        loss = (y * tensor(delta)).sum() / batch
        gx, gW, gb = torch.autograd.grad(loss, (xt, layer.weight, layer.bias))
        out["dx"] = array(gx) * batch
        per_call.append({"dW": array(gW), "db": array(gb)})
    grads, alternatives = accumulate(per_call, inputs["zero_grad_before"], ("dW", "db"))
    return Expected({**out, **grads}, alternatives)


ORACLES = {"linear_forward": linear_forward, "linear_backward": linear_backward}
