"""Steps `lstm_forward` and `lstm_backward`: LSTMCell.

Forward is graded on c_new before h_new, since h_new is computed from c_new:
the first wrong tensor points at the bug. Backward runs the student's forward
and then backward on each call's inputs, so it depends on lstm_forward.
`calls` stacks repeated forward+backward pairs; `zero_grad_before[k]` says
whether zero_grad() runs before pair k.
"""

import numpy as np

from autograder.steps import Output, Spec, Step, zero_grad_schedule
from autograder.steps._student import backward_calls, grab, new_module, owned

WEIGHTS = ("W_ih", "W_hh", "b_ih", "b_hh")
GRADS = ("dW_ih", "dW_hh", "db_ih", "db_hh")


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


def _members(result, method: str, names: tuple[str, ...]) -> tuple:
    """result: what `method` returned -> its members, copied. Anything but a tuple of len(names) is a TypeError."""
    if not (isinstance(result, tuple) and len(result) == len(names)):
        raise TypeError(f"{method} must return the tuple ({', '.join(names)}), got {type(result).__name__}")
    return tuple(owned(r) for r in result)


def run_forward(inputs: dict[str, np.ndarray], out: dict[str, object]) -> None:
    cell = _new_cell(inputs)
    result = cell.forward(inputs["x"][0], inputs["h_prev"][0], inputs["c_prev"][0])
    out["h_new"], out["c_new"] = _members(result, "forward", ("h_new", "c_new"))


def run_backward(inputs: dict[str, np.ndarray], out: dict[str, object]) -> None:
    cell = _new_cell(inputs)
    for k in backward_calls(cell, inputs):
        cell.forward(inputs["x"][k], inputs["h_prev"][k], inputs["c_prev"][k])
        result = cell.backward(inputs["dh_new"][k], inputs["dc_new"][k])
        out["dx"], out["dh"], out["dc"] = _members(result, "backward", ("dx", "dh", "dc"))
    out.update({g: grab(cell, g) for g in GRADS})


FORWARD_SPECS = (
    Spec("batch 4, input 5, hidden 3", {"batch": 4, "input": 5, "hidden": 3}),
    Spec("batch 1, input 3, hidden 3", {"batch": 1, "input": 3, "hidden": 3}),
    Spec("batch 3, input 2, hidden 1", {"batch": 3, "input": 2, "hidden": 1}),
    Spec("batch 5, input 4, hidden 6, zero initial state", {"batch": 5, "input": 4, "hidden": 6, "zero_state": True}),
    Spec("batch 2, input 3, hidden 4, large-magnitude x (~1e2)", {"batch": 2, "input": 3, "hidden": 4, "scale": 1e2}),
    Spec("batch 6, input 7, hidden 5", {"batch": 6, "input": 7, "hidden": 5}),
)
BACKWARD_SPECS = FORWARD_SPECS + (
    Spec(
        "batch 3, input 4, hidden 2; forward+backward twice without zero_grad (gradients accumulate)",
        {"batch": 3, "input": 4, "hidden": 2, "calls": 2},
    ),
    Spec(
        "batch 2, input 2, hidden 3; forward+backward, zero_grad(), forward+backward again",
        {"batch": 2, "input": 2, "hidden": 3, "calls": 2, "zero_grad_at": (1,)},
    ),
)

STEPS = (
    Step(
        id="lstm_forward",
        target="LSTMCell.forward",
        specs=FORWARD_SPECS,
        build=build,
        run=run_forward,
        outputs=(Output("c_new", tensor="returned c_new"), Output("h_new", tensor="returned h_new")),
    ),
    Step(
        id="lstm_backward",
        target="LSTMCell.backward",
        specs=BACKWARD_SPECS,
        build=build,
        run=run_backward,
        outputs=(
            Output("dx", tensor="returned dx"),
            Output("dh", tensor="returned dh"),
            Output("dc", tensor="returned dc"),
        )
        + tuple(Output(g) for g in GRADS),
    ),
)
