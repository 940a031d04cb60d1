"""Oracle for `activation`: torch's activations, derivatives by autograd.

The known bugs of autograder/steps/activation.py are computed from the same outputs.
"""

from typing import Callable

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._hints import hints_wanted
from autograder.oracles._torch import add_alternative, array, tensor

FUNCTIONS = {
    "identity": lambda x: x * 1.0,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": torch.relu,
}
# The `state_<Name>` input each derivative(state=...) call receives.
STATE_KEYS = {"identity": "state_Identity", "sigmoid": "state_Sigmoid", "tanh": "state_Tanh", "relu": "state_ReLU"}

# What each known derivative bug computes from an output y (see BUGS in autograder/steps/activation.py).
DERIVATIVE_BUGS: dict[str, dict[str, Callable[[torch.Tensor], torch.Tensor]]] = {
    "sigmoid": {
        "sigmoid_from_input": lambda y: torch.sigmoid(y) * (1 - torch.sigmoid(y)),
        "sigmoid_plus": lambda y: y * (1 + y),
    },
    "tanh": {
        "tanh_from_input": lambda y: 1 - torch.tanh(y) ** 2,
        "tanh_no_square": lambda y: 1 - y,
    },
    "relu": {"relu_zero_active": lambda y: (y >= 0).to(torch.float64)},
}


def _value_and_derivative(fn, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    xt = tensor(x, grad=True)
    y = fn(xt)
    (dy,) = torch.autograd.grad(y.sum(), xt)
    return array(y), array(dy)


def activation(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute every activation's forward, stored state and derivatives, with the known bugs as alternatives.

    Inputs (of one shape S): x, the forward input; x_state, where derivative(state=...) is taken;
    state_<Name>, the output each derivative(state=...) call receives.
    Returns <name>_forward, <name>_state, <name>_derivative and <name>_derivative_at, each of shape S,
    for identity, sigmoid, tanh and relu.
    """
    out: dict[str, np.ndarray] = {}
    alternatives: dict[str, dict[str, np.ndarray]] = {}
    for key, fn in FUNCTIONS.items():
        y, dy = _value_and_derivative(fn, inputs["x"])
        _, dy_at = _value_and_derivative(fn, inputs["x_state"])
        out[f"{key}_forward"] = y
        out[f"{key}_state"] = y
        out[f"{key}_derivative"] = dy
        out[f"{key}_derivative_at"] = dy_at
        if not hints_wanted():
            continue
        for tag, bug in DERIVATIVE_BUGS.get(key, {}).items():
            add_alternative(alternatives, f"{key}_derivative", tag, array(bug(tensor(y))), dy)
            add_alternative(
                alternatives, f"{key}_derivative_at", tag, array(bug(tensor(inputs[STATE_KEYS[key]]))), dy_at
            )
        # derivative(state=s) that ignores s returns the derivative at the stored output.
        add_alternative(alternatives, f"{key}_derivative_at", "ignores_state", dy, dy_at)
    if not hints_wanted():
        return Expected(out)
    absolute = np.abs(inputs["x"])
    add_alternative(alternatives, "relu_forward", "relu_abs", absolute, out["relu_forward"])
    add_alternative(alternatives, "relu_state", "relu_abs", absolute, out["relu_state"])
    return Expected(out, alternatives)


ORACLES = {"activation": activation}
