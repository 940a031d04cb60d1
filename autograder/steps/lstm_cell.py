"""Steps `lstm_forward` and `lstm_backward`: LSTMCell.

Forward is graded on c_new before h_new, since h_new is computed from c_new:
the first wrong tensor points at the bug. Backward runs the student's forward
and then backward on each call's inputs, so it depends on lstm_forward.
Repeated calls and zero_grad() as in _module.py.
"""

import numpy as np

from autograder.steps import Output, Outputs, Spec, zero_grad_schedule
from autograder.steps._module import accumulation_specs, gradient_outputs, module_steps
from autograder.steps._student import backward_calls, grab, members, new_module

# The same four parameters as the RNN cell, four times taller, and the same shapes and flavours of cases.
from autograder.steps.rnn_cell import GRADS, SPECS, WEIGHTS


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> weights, x (calls, N, D), h_prev and c_prev (calls, N, H), dh_new and dc_new (calls, N, H),
    zero_grad_before (calls,)."""
    n, d, h = spec["batch"], spec["input"], spec["hidden"]
    calls = spec.get("calls", 1)
    # Weights scaled like torch's default init keep the gates out of saturation, so gradients are not all ~0.
    w = spec.get("weight_scale", 1.0 / np.sqrt(h))
    inputs = {
        "W_ih": rng.standard_normal((4 * h, d)) * w,
        "W_hh": rng.standard_normal((4 * h, h)) * w,
        "b_ih": rng.standard_normal(4 * h) * w,
        "b_hh": rng.standard_normal(4 * h) * w,
        "x": rng.standard_normal((calls, n, d)) * spec.get("scale", 1.0),
        "h_prev": rng.standard_normal((calls, n, h)),
        "c_prev": rng.standard_normal((calls, n, h)),
        "dh_new": rng.standard_normal((calls, n, h)),
        "dc_new": rng.standard_normal((calls, n, h)),
        "zero_grad_before": zero_grad_schedule(spec),
    }
    if spec.get("zero_state"):
        inputs["h_prev"][:] = 0.0
        inputs["c_prev"][:] = 0.0
    return inputs


def _new_cell(inputs: dict[str, np.ndarray]):
    four_h, d = inputs["W_ih"].shape
    return new_module("mytorch.lstm_cell", "LSTMCell", (d, four_h // 4), [inputs[k] for k in WEIGHTS])


def run_forward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    cell = _new_cell(inputs)
    result = cell.forward(inputs["x"][0], inputs["h_prev"][0], inputs["c_prev"][0])
    out["h_new"], out["c_new"] = members(result, "forward", ("h_new", "c_new"))


def run_backward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    cell = _new_cell(inputs)
    for k in backward_calls(cell, inputs):
        cell.forward(inputs["x"][k], inputs["h_prev"][k], inputs["c_prev"][k])
        result = cell.backward(inputs["dh_new"][k], inputs["dc_new"][k])
        out["dx"], out["dh"], out["dc"] = members(result, "backward", ("dx", "dh", "dc"))
    out.update({g: grab(cell, g) for g in GRADS})


STEPS = module_steps(
    "LSTMCell",
    build,
    forward=(run_forward, (Output("c_new", tensor="returned c_new"), Output("h_new", tensor="returned h_new"))),
    backward=(run_backward, gradient_outputs(("dx", "dh", "dc"), GRADS)),
    specs=SPECS,
    accumulation=accumulation_specs(lambda p: f"batch {p['batch']}, input {p['input']}, hidden {p['hidden']}",
                                    twice={"batch": 3, "input": 4, "hidden": 2},
                                    reset={"batch": 2, "input": 2, "hidden": 3}),
    prefix="lstm",
)
