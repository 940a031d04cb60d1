"""Steps `loss_forward` and `loss_backward`: SoftmaxCrossEntropy."""

import numpy as np

from autograder.steps import Cases, Output, Outputs, Spec, Step
from autograder.steps._student import owned, student_attr


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> logits x (N, C) and one-hot labels y (N, C)."""
    n, c = spec["batch"], spec["classes"]
    x = rng.standard_normal((n, c)) * spec.get("scale", 1.0)
    if spec.get("uniform"):
        x[:] = x[0, 0]
    y = np.zeros((n, c))
    y[np.arange(n), rng.integers(0, c, size=n)] = 1.0
    return {"x": x, "y": y}


def _forward(inputs: dict[str, np.ndarray]):
    loss_fn = student_attr("mytorch.loss", "SoftmaxCrossEntropy")()
    return loss_fn, owned(loss_fn.forward(inputs["x"], inputs["y"]))


def run_forward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's SoftmaxCrossEntropy.forward; store the per-sample loss in out."""
    out["loss"] = _forward(inputs)[1]


def run_backward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's SoftmaxCrossEntropy forward and derivative; store dL/dx in out."""
    loss_fn, _ = _forward(inputs)
    out["dx"] = owned(loss_fn.derivative())


SPECS = (
    Spec("batch 4, 5 classes", {"batch": 4, "classes": 5}),
    Spec("batch 1, 3 classes", {"batch": 1, "classes": 3}),
    Spec("batch 6, 2 classes", {"batch": 6, "classes": 2}),
    Spec("batch 5, 10 classes, logits of magnitude 1e3", {"batch": 5, "classes": 10, "scale": 1e3}),
    Spec("batch 3, 4 classes, all logits equal", {"batch": 3, "classes": 4, "uniform": True}),
    Spec("batch 16, 7 classes", {"batch": 16, "classes": 7, "scale": 3.0}),
)

# Known bugs, named when a student's output is what torch computes for them (autograder/oracles/loss.py).
_NO_MAX_SHIFT = (
    "exp() of the raw logits overflows (exp(710) = inf, and inf / inf = nan): subtract each row's "
    "maximum from the logits before exp(); the softmax does not change"
)
FORWARD_BUGS = {"no_max_shift": _NO_MAX_SHIFT}
BACKWARD_BUGS = {
    "no_max_shift": _NO_MAX_SHIFT,
    "softmax_only": "it is the softmax alone: the derivative of the cross-entropy is softmax - y (the labels are "
    "missing)",
}

FORWARD_OUTPUTS = (Output("loss", tensor="per-sample loss"),)
BACKWARD_OUTPUTS = (Output("dx", tensor="returned dL/dx"),)
# The derivative runs on the forward's cases.
CASES = Cases(SPECS, build)
STEPS = (
    Step("loss_forward", "SoftmaxCrossEntropy.forward", CASES, run_forward, FORWARD_OUTPUTS, bugs=FORWARD_BUGS),
    Step("loss_backward", "SoftmaxCrossEntropy.derivative", CASES, run_backward, BACKWARD_OUTPUTS, bugs=BACKWARD_BUGS),
)
