"""Steps `rnn_forward` and `rnn_backward`: RNNCell.

Backward is graded through its pinned arguments (delta, h, h_prev_l, h_prev_t)
alone, so it does not depend on the student's forward. Repeated calls and
zero_grad() as in _module.py.
"""

from functools import partial

import numpy as np

from autograder.steps import Cases, Output, Outputs, Spec, Step, zero_grad_schedule
from autograder.steps._module import ACCUMULATION_BUGS, accumulation_specs, gradient_outputs
from autograder.steps._student import backward_calls, grab, members, new_cell, owned

WEIGHTS = ("W_ih", "W_hh", "b_ih", "b_hh")
GRADS = ("dW_ih", "dW_hh", "db_ih", "db_hh")


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> weights, x (calls, N, D), h_prev (calls, N, H), delta (calls, N, H), zero_grad_before (calls,)."""
    n, d, h = spec["batch"], spec["input"], spec["hidden"]
    calls = spec.get("calls", 1)
    # Weights scaled like torch's default init keep tanh out of saturation, so gradients are not all ~0.
    w = spec.get("weight_scale", 1.0 / np.sqrt(h))
    inputs = {
        "W_ih": rng.standard_normal((h, d)) * w,
        "W_hh": rng.standard_normal((h, h)) * w,
        "b_ih": rng.standard_normal(h) * w,
        "b_hh": rng.standard_normal(h) * w,
        "x": rng.standard_normal((calls, n, d)) * spec.get("scale", 1.0),
        "h_prev": rng.standard_normal((calls, n, h)),
        "delta": rng.standard_normal((calls, n, h)),
        "zero_grad_before": zero_grad_schedule(spec),
    }
    if spec.get("zero_state"):
        inputs["h_prev"][:] = 0.0
    return inputs


_new_cell = partial(new_cell, "mytorch.rnn_cell", "RNNCell", WEIGHTS)


def run_forward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's RNNCell.forward on the case's first call; store h' in out."""
    cell = _new_cell(inputs)
    out["h"] = owned(cell.forward(inputs["x"][0], inputs["h_prev"][0]))


def run_backward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's RNNCell.backward for each call; store dx, dh and the gradients in out."""
    cell = _new_cell(inputs)
    for k in backward_calls(cell, inputs):
        result = cell.backward(inputs["delta"][k], inputs["h"][k], inputs["x"][k], inputs["h_prev"][k])
        out["dx"], out["dh"] = members(result, "backward")
    out.update({g: grab(cell, g) for g in GRADS})


def build_backward(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """build() plus h (calls, N, H): this step's output, which backward receives as an argument."""
    inputs = build(rng, spec)
    z = inputs["x"] @ inputs["W_ih"].T + inputs["b_ih"] + inputs["h_prev"] @ inputs["W_hh"].T + inputs["b_hh"]
    # An input like the others; the expected gradients are computed from it by torch.
    inputs["h"] = np.tanh(z)
    return inputs


SPECS = (
    Spec("batch 4, input 5, hidden 3", {"batch": 4, "input": 5, "hidden": 3}),
    Spec("batch 1, input 3, hidden 3", {"batch": 1, "input": 3, "hidden": 3}),
    Spec("batch 3, input 2, hidden 1", {"batch": 3, "input": 2, "hidden": 1}),
    Spec("batch 5, input 4, hidden 6, zero initial state", {"batch": 5, "input": 4, "hidden": 6, "zero_state": True}),
    Spec("batch 2, input 3, hidden 4, large-magnitude x (~1e2)", {"batch": 2, "input": 3, "hidden": 4, "scale": 1e2}),
    Spec("batch 6, input 7, hidden 5", {"batch": 6, "input": 7, "hidden": 5}),
)
# Known bugs, named when a student's output is what torch computes for them (autograder/oracles/rnn_cell.py).
FORWARD_BUGS = {
    "no_b_hh": "the bias b_hh is missing: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)",
    "no_b_ih": "the bias b_ih is missing: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)",
    "W_hh_transposed": "forward uses W_hh where W_hh.T belongs (h @ W_hh.T)",
    "no_tanh": "it is the pre-activation: tanh is missing",
}
BACKWARD_BUGS = {
    "no_tanh_derivative": "the tanh derivative is missing: dz = delta * (1 - h'**2) before any product",
    "tanh_derivative_at_h_prev": "the tanh derivative is taken at the previous state h_prev_t: it belongs at this "
    "step's output h (1 - h**2)",
    "tanh_derivative_no_square": "the tanh derivative is 1 - h: it is 1 - h**2",
    "dW_hh_from_h_t": "dW_hh is built from h (this step's output): it pairs dz with h_prev_t, the previous state",
    "dh_transposed_weight": "dh is dz @ W_hh.T: it is dz @ W_hh",
    **ACCUMULATION_BUGS,
}

FORWARD_OUTPUTS = (Output("h", tensor="returned h'"),)
BACKWARD_OUTPUTS = gradient_outputs(("dx", "dh"), GRADS)
# Backward runs on the forward's cases, then on repeated calls (gradients accumulate until zero_grad()).
CASES = Cases(SPECS, build)
ACCUMULATION = accumulation_specs(
    twice={"batch": 3, "input": 4, "hidden": 2}, reset={"batch": 2, "input": 2, "hidden": 3}, calls="backward"
)
BACKWARD_CASES = Cases(SPECS + ACCUMULATION, build_backward)
STEPS = (
    Step("rnn_forward", "RNNCell.forward", CASES, run_forward, FORWARD_OUTPUTS, bugs=FORWARD_BUGS),
    Step("rnn_backward", "RNNCell.backward", BACKWARD_CASES, run_backward, BACKWARD_OUTPUTS, bugs=BACKWARD_BUGS),
)
