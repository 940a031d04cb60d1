"""Steps `linear_forward` and `linear_backward`: Linear.forward and Linear.backward.

A case may call forward/backward more than once: `calls` stacks the inputs of
each call on a leading axis, and `zero_grad_before[k]` says whether
zero_grad() runs before call k (accumulation and reset are both graded).
"""

import numpy as np

from autograder.steps import Output, Spec, Step, zero_grad_schedule
from autograder.steps._student import backward_calls, grab, new_module, owned


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
    W, b = inputs["W"], inputs["b"]
    return new_module("mytorch.linear", "Linear", (W.shape[1], W.shape[0]), [W, b])


def run_forward(inputs: dict[str, np.ndarray], out: dict[str, object]) -> None:
    layer = _new_layer(inputs)
    out["y"] = owned(layer.forward(inputs["x"][0]))


def run_backward(inputs: dict[str, np.ndarray], out: dict[str, object]) -> None:
    layer = _new_layer(inputs)
    for k in backward_calls(layer, inputs):
        layer.forward(inputs["x"][k])
        out["dx"] = owned(layer.backward(inputs["delta"][k]))
    out["dW"], out["db"] = grab(layer, "dW"), grab(layer, "db")


FORWARD_SPECS = (
    Spec("batch 4, in 3, out 5", {"batch": 4, "in": 3, "out": 5}),
    Spec("batch 1, in 6, out 2", {"batch": 1, "in": 6, "out": 2}),
    Spec("batch 3, in 1, out 1", {"batch": 3, "in": 1, "out": 1}),
    Spec("batch 5, in 4, out 4, large-magnitude x", {"batch": 5, "in": 4, "out": 4, "scale": 1e3}),
    Spec("batch 8, in 7, out 3", {"batch": 8, "in": 7, "out": 3}),
)
BACKWARD_SPECS = FORWARD_SPECS + (
    Spec(
        "batch 3, in 4, out 2; forward+backward twice without zero_grad (gradients accumulate)",
        {"batch": 3, "in": 4, "out": 2, "calls": 2},
    ),
    Spec(
        "batch 2, in 3, out 3; backward, zero_grad(), backward again",
        {"batch": 2, "in": 3, "out": 3, "calls": 2, "zero_grad_at": (1,)},
    ),
)

STEPS = (
    Step(
        id="linear_forward",
        target="Linear.forward",
        specs=FORWARD_SPECS,
        build=build,
        run=run_forward,
        outputs=(Output("y", tensor="output y"),),
    ),
    Step(
        id="linear_backward",
        target="Linear.backward",
        specs=BACKWARD_SPECS,
        build=build,
        run=run_backward,
        outputs=(
            Output("dx", tensor="returned dx"),
            Output("dW", tensor="dW"),
            Output("db", tensor="db"),
        ),
    ),
)
