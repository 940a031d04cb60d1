"""Steps `lstm_forward` and `lstm_backward`: LSTMCell.

Forward is graded on c_new before h_new, since h_new is computed from c_new:
the first wrong tensor points at the bug. Backward runs the student's forward
and then backward on each call's inputs, so it depends on lstm_forward.
Repeated calls and zero_grad() as in _module.py.
"""

from functools import partial

import numpy as np

from autograder.steps import Cases, Output, Outputs, Spec, Step, zero_grad_schedule
from autograder.steps._module import ACCUMULATION_BUGS, accumulation_specs, gradient_outputs
from autograder.steps._student import backward_calls, grab, members, new_cell

# The same four parameters as the RNN cell, four times taller, and the same shapes and flavours of cases.
from autograder.steps.rnn_cell import GRADS, SPECS, WEIGHTS


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> the case's inputs: weights, x (calls, N, D), h_prev, c_prev, dh_new, dc_new (calls, N, H).

    And zero_grad_before (calls,).
    """
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


_new_cell = partial(new_cell, "mytorch.lstm_cell", "LSTMCell", WEIGHTS)


def run_forward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's LSTMCell.forward on the case's first call; store h_new and c_new in out."""
    cell = _new_cell(inputs)
    result = cell.forward(inputs["x"][0], inputs["h_prev"][0], inputs["c_prev"][0])
    out["h_new"], out["c_new"] = members(result, "forward", ("h_new", "c_new"))


def run_backward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's LSTMCell forward and backward for each call; store dx, dh, dc and the gradients in out."""
    cell = _new_cell(inputs)
    for k in backward_calls(cell, inputs):
        cell.forward(inputs["x"][k], inputs["h_prev"][k], inputs["c_prev"][k])
        result = cell.backward(inputs["dh_new"][k], inputs["dc_new"][k])
        out["dx"], out["dh"], out["dc"] = members(result, "backward", ("dx", "dh", "dc"))
    out.update({g: grab(cell, g) for g in GRADS})


# Known bugs, named when a student's output is what torch computes for them (autograder/oracles/lstm_cell.py).
FORWARD_BUGS = {
    "i_f_swapped": "the input and forget gates are swapped: i is a[:, 0:H], f is a[:, H:2H], and c_new = f * c + i * g",
    "no_forget_term": "c_new is missing the forget-gate term: c_new = f * c + i * g",
    "h_without_tanh": "h_new is o * c_new: it is o * tanh(c_new)",
    "gates_ifog": "the gates are read in the order i, f, o, g: the rows of a are i, f, g, o (torch's order)",
    "g_sigmoid": "the cell candidate g is a tanh, not a sigmoid: g = tanh(a[:, 2H:3H])",
    "o_tanh": "the output gate o is a sigmoid, not a tanh: o = sigmoid(a[:, 3H:4H])",
    "tanh_of_c_prev": "h_new takes the tanh of the previous cell state c: h_new = o * tanh(c_new)",
    "no_input_gate": "the input gate i is missing from c_new: c_new = f * c + i * g",
    "no_b_hh": "the bias b_hh is missing: a = x W_ih^T + b_ih + h W_hh^T + b_hh",
}
BACKWARD_BUGS = {
    "dc_no_h_path": "dc misses the path through h_new: the cell state's gradient is "
    "dc_new + dh_new * o * (1 - tanh(c_new)**2)",
    "dc_through_input_gate": "dc is taken through the input gate: c_new = f * c + i * g, so dc = dc_total * f",
    "o_sigmoid_derivative_of_output": "the output gate's sigmoid derivative is taken as if o were an input: "
    "it is o * (1 - o), from the stored output",
    "gate_grads_ifog": "the gate gradients are stacked as i, f, o, g: stack d_a in the order of the rows of a, "
    "i, f, g, o",
    "i_derivative_at_o": "the input gate's derivative is taken at o: derivative() without a state uses the "
    "Sigmoid's last output, the output gate; pass state=i",
    "dc_is_dc_total": "dc is dc_total, the gradient at c_new: the previous cell state gets it through the "
    "forget gate, dc = dc_total * f",
    "d_f_from_c_new": "d_f uses c_new where the previous cell state c belongs: c_new = f * c + i * g, "
    "so d_f = dc_total * c",
    "tanh_derivative_at_c_new": "the tanh derivative is 1 - c_new² where 1 - tanh(c_new)² belongs: take it from "
    "the stored output tanh(c_new)",
    "no_dc_new": "dc_new (the gradient from the next step) is missing from the cell state's gradient: "
    "dc_total = dc_new + dh_new * o * (1 - tanh(c_new)²)",
    "d_o_from_c_new": "d_o uses c_new where tanh(c_new) belongs: h_new = o * tanh(c_new), "
    "so d_o = dh_new * tanh(c_new)",
    "g_sigmoid_derivative": "g is a tanh: its derivative is 1 - g², not the sigmoid's g * (1 - g)",
    "d_i_from_i": "d_i is dc_total * i: c_new = f * c + i * g, so d_i = dc_total * g (and d_g = dc_total * i)",
    **ACCUMULATION_BUGS,
}

FORWARD_OUTPUTS = (Output("c_new", position=1, returns="c_new"), Output("h_new", position=0, returns="h_new"))
BACKWARD_OUTPUTS = gradient_outputs(("dx", "dh", "dc"), GRADS)
# Backward runs on the forward's cases, then on repeated calls (gradients accumulate until zero_grad()).
CASES = Cases(SPECS, build)
ACCUMULATION = accumulation_specs(
    twice={"batch": 3, "input": 4, "hidden": 2}, reset={"batch": 2, "input": 2, "hidden": 3}
)
BACKWARD_CASES = Cases(SPECS + ACCUMULATION, build)
STEPS = (
    Step("lstm_forward", "LSTMCell.forward", CASES, run_forward, FORWARD_OUTPUTS, bugs=FORWARD_BUGS),
    Step("lstm_backward", "LSTMCell.backward", BACKWARD_CASES, run_backward, BACKWARD_OUTPUTS, bugs=BACKWARD_BUGS),
)
