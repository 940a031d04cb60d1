"""Oracle for `activation`: torch's activations, derivatives by autograd."""

import numpy as np
import torch

from autograder.oracles._torch import array, tensor

FUNCTIONS = {
    "identity": lambda x: x * 1.0,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
}
# The `state_<Name>` input each derivative(state=...) call receives.
STATE_KEYS = {"identity": "state_Identity", "sigmoid": "state_Sigmoid", "tanh": "state_Tanh", "relu": "state_ReLU"}


def _value_and_derivative(fn, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xt = tensor(x, grad=True)
    y = fn(xt)
    (dy,) = torch.autograd.grad(y.sum(), xt)
    return array(y), array(dy)


def activation(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    out = {}
    for key, fn in FUNCTIONS.items():
        y, dy = _value_and_derivative(fn, inputs["x"])
        _, dy_at = _value_and_derivative(fn, inputs["x_state"])
        out[f"{key}_forward"] = y
        out[f"{key}_state"] = y
        out[f"{key}_derivative"] = dy
        out[f"{key}_derivative_at"] = dy_at
    return out


ORACLES = {"activation": activation}
