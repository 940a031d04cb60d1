"""Steps `gru_forward` and `gru_backward`: the bias-free, unbatched GRUCell.

Forward is graded on h_t and on the gates it exposes (z, r, h_tilda), in the
order they are computed, so the first wrong one points at the bug. Repeated
calls and zero_grad() as in _module.py.
"""

from functools import partial

import numpy as np

from autograder.steps import Cases, Output, Outputs, Spec, Step, zero_grad_schedule
from autograder.steps._module import ACCUMULATION_BUGS, accumulation_specs, gradient_outputs
from autograder.steps._student import backward_calls, grab, members, new_cell, owned

WEIGHTS = ("Wzh", "Wrh", "Wh", "Wzx", "Wrx", "Wx")
GRADS = tuple("d" + w for w in WEIGHTS)


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> six weights, x (calls, D), h_prev (calls, H), delta (calls, 1, H), zero_grad_before (calls,)."""
    d, h = spec["input"], spec["hidden"]
    calls = spec.get("calls", 1)
    w = spec.get("weight_scale", 1.0 / np.sqrt(h))
    inputs = {name: rng.standard_normal((h, h)) * w for name in WEIGHTS[:3]}
    inputs.update({name: rng.standard_normal((h, d)) * w for name in WEIGHTS[3:]})
    inputs["x"] = rng.standard_normal((calls, d)) * spec.get("scale", 1.0)
    inputs["h_prev"] = rng.standard_normal((calls, h))
    if spec.get("zero_state"):
        inputs["h_prev"][:] = 0.0
    inputs["delta"] = rng.standard_normal((calls, 1, h))
    inputs["zero_grad_before"] = zero_grad_schedule(spec)
    return inputs


_new_cell = partial(new_cell, "mytorch.gru_cell", "GRUCell", WEIGHTS)


def run_forward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's GRUCell.forward on the case's first call; store h_t and its gates in out."""
    cell = _new_cell(inputs)
    out["h_t"] = owned(cell.forward(inputs["x"][0], inputs["h_prev"][0]))
    out.update({name: grab(cell, name) for name in ("z", "r", "h_tilda")})


def run_backward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's GRUCell forward and backward for each call; store dx, dh and the gradients in out."""
    cell = _new_cell(inputs)
    for k in backward_calls(cell, inputs):
        cell.forward(inputs["x"][k], inputs["h_prev"][k])
        out["dx"], out["dh"] = members(cell.backward(inputs["delta"][k]), "backward")
    out.update({g: grab(cell, g) for g in GRADS})


FORWARD_OUTPUTS = (
    Output("z", tensor="self.z (update gate)"),
    Output("r", tensor="self.r (reset gate)"),
    Output("h_tilda", tensor="self.h_tilda (candidate state)"),
    Output("h_t", tensor="returned h_t"),
)
BACKWARD_OUTPUTS = gradient_outputs(("dx", "dh"), GRADS)

SPECS = (
    Spec("input 5, hidden 3", {"input": 5, "hidden": 3}),
    Spec("input 1, hidden 1", {"input": 1, "hidden": 1}),
    Spec("input 3, hidden 3", {"input": 3, "hidden": 3}),
    Spec("input 2, hidden 6, zero initial state", {"input": 2, "hidden": 6, "zero_state": True}),
    Spec("input 4, hidden 2, large-magnitude x (~1e2)", {"input": 4, "hidden": 2, "scale": 1e2}),
    Spec("input 7, hidden 5", {"input": 7, "hidden": 5}),
)
# Known bugs, named when a student's output is what torch computes for them (autograder/oracles/gru_cell.py).
FORWARD_BUGS = {
    "z_uses_Wrh": "the update gate z is computed with Wrh, the reset gate's weight: z = sigmoid(Wzh h + Wzx x)",
    "z_uses_Wrx": "the update gate z is computed with Wrx, the reset gate's weight: z = sigmoid(Wzh h + Wzx x)",
    "r_uses_Wzh": "the reset gate r is computed with Wzh, the update gate's weight: r = sigmoid(Wrh h + Wrx x)",
    "r_uses_Wzx": "the reset gate r is computed with Wzx, the update gate's weight: r = sigmoid(Wrh h + Wrx x)",
    "reset_after_matmul": "the reset gate is applied after the matmul, r * (Wh h): that is torch's GRU, not this "
    "one; here h~ = tanh(Wh (r * h) + Wx x)",
    "no_reset": "the reset gate is missing: h~ = tanh(Wh (r * h) + Wx x)",
    "torch_gate_roles": "z and 1 - z are swapped (torch's convention): here h_t = (1 - z) * h + z * h~",
}
BACKWARD_BUGS = {
    "dh_no_direct_path": "dh is missing the direct path (1 - z) * delta",
    "dh_no_z_path": "dh is missing the path through the update gate z (Wzh.T @ d_a_z)",
    "dh_no_r_path": "dh is missing the path through the reset gate r (Wrh.T @ d_a_r)",
    "dh_no_candidate_path": "dh is missing the path through h~ (r * (Wh.T @ d_a_h))",
    "dx_no_z_path": "dx is missing the path through the update gate z (Wzx.T @ d_a_z)",
    "dx_no_r_path": "dx is missing the path through the reset gate r (Wrx.T @ d_a_r)",
    "no_tanh_derivative": "the tanh derivative of h~ is missing: d_a_h = delta * z * (1 - h~**2)",
    "tanh_derivative_no_square": "the tanh derivative of h~ is 1 - h~: it is 1 - h~**2",
    "z_sign_flipped": "the sign of the z term is flipped: dL/dz = delta * (h~ - h)",
    "dWh_without_r": "dWh is built from h: h~ multiplies Wh with r * h, so dWh = outer(d_a_h, r * h)",
    "gate_sigmoid_derivative_of_output": "the gates' sigmoid derivative is taken as if z and r were inputs: "
    "it is z * (1 - z) (and r * (1 - r)) from the stored outputs",
    **ACCUMULATION_BUGS,
}

# Backward runs on the forward's cases, then on repeated calls (gradients accumulate until zero_grad()).
CASES = Cases(SPECS, build)
ACCUMULATION = accumulation_specs(twice={"input": 3, "hidden": 4}, reset={"input": 2, "hidden": 3})
BACKWARD_CASES = Cases(SPECS + ACCUMULATION, build)
STEPS = (
    Step("gru_forward", "GRUCell.forward", CASES, run_forward, FORWARD_OUTPUTS, bugs=FORWARD_BUGS),
    Step("gru_backward", "GRUCell.backward", BACKWARD_CASES, run_backward, BACKWARD_OUTPUTS, bugs=BACKWARD_BUGS),
)
