"""Step `activation`: Identity, Sigmoid, Tanh and ReLU, forward and derivative."""

import numpy as np

from autograder.steps import Cases, Output, Outputs, Spec, Step
from autograder.steps._student import grab, owned, student_attr

NAMES = ("Identity", "Sigmoid", "Tanh", "ReLU")


def _numpy_activation(name: str, x: np.ndarray) -> np.ndarray:
    # Only used to draw a valid `state` argument; expected values come from torch.
    if name == "Identity":
        return x.copy()
    if name == "Sigmoid":
        return 0.5 * (1.0 + np.tanh(0.5 * x))
    if name == "Tanh":
        return np.tanh(x)
    return np.maximum(x, 0.0)


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> x (the forward input) and x_state (from which each `state` argument is made), of spec['shape']."""
    shape = spec["shape"]
    scale = spec.get("scale", 1.0)
    x = rng.standard_normal(shape) * scale
    x_state = rng.standard_normal(shape) * scale
    if spec.get("zeros"):
        x.flat[:: max(1, x.size // 3)] = 0.0
    inputs = {"x": x, "x_state": x_state}
    for name in NAMES:
        inputs[f"state_{name}"] = _numpy_activation(name, x_state)
    return inputs


def run(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """For each activation: forward(x), its stored state, derivative(), derivative(state=...)."""
    for name in NAMES:
        act = student_attr("mytorch.activation", name)()
        key = name.lower()
        out[f"{key}_forward"] = owned(act.forward(inputs["x"]))
        out[f"{key}_state"] = grab(act, "state")
        out[f"{key}_derivative"] = owned(act.derivative())
        out[f"{key}_derivative_at"] = owned(act.derivative(state=inputs[f"state_{name}"]))


def _outputs() -> tuple[Output, ...]:
    outs = []
    for name in NAMES:
        key = name.lower()
        outs += [
            Output(f"{key}_forward", f"{name}.forward", "returned output"),
            Output(f"{key}_state", f"{name}.forward", "self.state after forward"),
            Output(f"{key}_derivative", f"{name}.derivative", "derivative() at the stored state"),
            Output(f"{key}_derivative_at", f"{name}.derivative", "derivative(state=s) at a given output s"),
        ]
    return tuple(outs)


SPECS = (
    Spec("x of shape (4, 5)", {"shape": (4, 5)}),
    Spec("x of shape (1, 1)", {"shape": (1, 1)}),
    Spec("x of shape (2, 3, 4)", {"shape": (2, 3, 4)}),
    Spec("x of shape (3, 6) with exact zeros", {"shape": (3, 6), "zeros": True}),
    Spec("large-magnitude x, |x| ~ 1e3", {"shape": (3, 4), "scale": 1e3}),
    Spec("x of shape (7,)", {"shape": (7,), "scale": 3.0}),
)

# Known bugs, named when a student's output is what torch computes for them (autograder/oracles/activation.py).
BUGS = {
    "sigmoid_from_input": "it is sigmoid(s) * (1 - sigmoid(s)): derivative() receives an output s = sigmoid(x), "
    "not an input; the derivative is s * (1 - s)",
    "sigmoid_plus": "it is s * (1 + s): the sigmoid's derivative is s * (1 - s)",
    "tanh_from_input": "it is 1 - tanh(s)**2: derivative() receives an output s = tanh(x), not an input; "
    "the derivative is 1 - s**2",
    "tanh_no_square": "it is 1 - s: the square is missing, the tanh's derivative is 1 - s**2",
    "relu_zero_active": "it is 1 where the output is 0 too: an output of exactly 0 has derivative 0 (state > 0, "
    "not >= 0)",
    "relu_abs": "it is |x|: ReLU is max(x, 0)",
    "ignores_state": "it is the derivative at the output stored by forward: derivative(state=s) must use the "
    "state it is given",
}

STEPS = (Step("activation", "activation", Cases(SPECS, build), run, _outputs(), bugs=BUGS),)
