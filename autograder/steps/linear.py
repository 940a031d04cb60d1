"""Steps `linear_forward` and `linear_backward`: Linear.forward and Linear.backward (see _module.py)."""

import numpy as np

from autograder.steps import Cases, Output, Outputs, Spec, Step, zero_grad_schedule
from autograder.steps._module import ACCUMULATION_BUGS, accumulation_specs, gradient_outputs
from autograder.steps._student import backward_calls, grab, new_module, owned

WEIGHTS = ("W", "b")
GRADS = ("dW", "db")


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> W (M, D), b (M,), x (calls, N, D), delta (calls, N, M), zero_grad_before (calls,)."""
    n, d, m = spec["batch"], spec["in"], spec["out"]
    calls = spec.get("calls", 1)
    scale = spec.get("scale", 1.0)
    return {
        "W": rng.standard_normal((m, d)),
        "b": rng.standard_normal(m),
        "x": rng.standard_normal((calls, n, d)) * scale,
        "delta": rng.standard_normal((calls, n, m)),
        "zero_grad_before": zero_grad_schedule(spec),
    }


def _new_layer(inputs: dict[str, np.ndarray]):
    m, d = inputs["W"].shape
    return new_module("mytorch.linear", "Linear", (d, m), [inputs[k] for k in WEIGHTS])


def run_forward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's Linear.forward on the case's first call; store y in out."""
    layer = _new_layer(inputs)
    out["y"] = owned(layer.forward(inputs["x"][0]))


def run_backward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's Linear forward and backward for each call; store dx and the gradients in out."""
    layer = _new_layer(inputs)
    for k in backward_calls(layer, inputs):
        layer.forward(inputs["x"][k])
        out["dx"] = owned(layer.backward(inputs["delta"][k]))
    out.update({g: grab(layer, g) for g in GRADS})


SPECS = (
    Spec("batch 4, in 3, out 5", {"batch": 4, "in": 3, "out": 5}),
    Spec("batch 1, in 6, out 2", {"batch": 1, "in": 6, "out": 2}),
    Spec("batch 3, in 1, out 1", {"batch": 3, "in": 1, "out": 1}),
    Spec("batch 5, in 4, out 4, large-magnitude x", {"batch": 5, "in": 4, "out": 4, "scale": 1e3}),
    Spec("batch 8, in 7, out 3", {"batch": 8, "in": 7, "out": 3}),
)

# Known bugs, named when a student's output is what torch computes for them (autograder/oracles/linear.py).
FORWARD_BUGS = {
    "no_bias": "it is x @ W.T: the bias b is missing",
    "bias_subtracted": "it is x @ W.T - b: the bias is subtracted, it must be added",
}

FORWARD_OUTPUTS = (Output("y", tensor="output y"),)
BACKWARD_OUTPUTS = gradient_outputs(("dx",), GRADS)
# Backward runs on the forward's cases, then on repeated calls (gradients accumulate until zero_grad()).
CASES = Cases(SPECS, build)
ACCUMULATION = accumulation_specs(twice={"batch": 3, "in": 4, "out": 2}, reset={"batch": 2, "in": 3, "out": 3})
BACKWARD_CASES = Cases(SPECS + ACCUMULATION, build)
STEPS = (
    Step("linear_forward", "Linear.forward", CASES, run_forward, FORWARD_OUTPUTS, bugs=FORWARD_BUGS),
    Step("linear_backward", "Linear.backward", BACKWARD_CASES, run_backward, BACKWARD_OUTPUTS, bugs=ACCUMULATION_BUGS),
)
