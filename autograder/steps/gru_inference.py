"""Step `gru_inference`: CharacterPredictor.forward and inference() over whole sequences.

One forward call from a random state is checked first (its hnext, then its
logits); then inference() over a whole sequence from a zero state. When the
sequence's logits are wrong, the message names the first time step whose row
is wrong and, from the calls recorded on the GRU cell, whether the hidden
state it was given there is the one the previous step produced.
"""

import numpy as np

from autograder.locators.gru_inference import locate
from autograder.steps import Cases, Output, Outputs, Spec, Step
from autograder.steps._student import members, owned, student_attr
from autograder.steps._trace import record_calls
from autograder.steps.gru_cell import WEIGHTS as GRU_WEIGHTS


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> the six GRU weights, W (C, H), b (C,), inputs (T, D), and x1 (D,), h1 (H,) for one forward call."""
    d, h, c, t = spec["input"], spec["hidden"], spec["classes"], spec["seq"]
    w = 1.0 / np.sqrt(h)
    inputs = {name: rng.standard_normal((h, h)) * w for name in GRU_WEIGHTS[:3]}
    inputs.update({name: rng.standard_normal((h, d)) * w for name in GRU_WEIGHTS[3:]})
    inputs["W"] = rng.standard_normal((c, h)) * w
    inputs["b"] = rng.standard_normal(c) * w
    inputs["inputs"] = rng.standard_normal((t, d))
    inputs["x1"] = rng.standard_normal(d)
    inputs["h1"] = rng.standard_normal(h)
    return inputs


def _net(inputs: dict[str, np.ndarray]):
    h, d = inputs["Wx"].shape
    net = student_attr("hw.char_predictor", "CharacterPredictor")(d, h, inputs["W"].shape[0])
    net.init_rnn_weights(*(inputs[k] for k in GRU_WEIGHTS))
    net.projection.init_weights(inputs["W"], inputs["b"])
    return net


def run(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's CharacterPredictor.forward and inference(); store their outputs and the cell calls in out."""
    result = _net(inputs).forward(inputs["x1"], inputs["h1"])
    out["step_logits"], out["step_h"] = members(result, "CharacterPredictor.forward", ("logits", "hnext"))
    net = _net(inputs)
    out.records["cell_calls"] = []
    record_calls(getattr(net, "rnn", None), "forward", out.records["cell_calls"])
    out["logits"] = owned(student_attr("hw.char_predictor", "inference")(net, inputs["inputs"]))


SPECS = (
    Spec("input 5, hidden 4, 6 classes, 7 steps", {"input": 5, "hidden": 4, "classes": 6, "seq": 7}),
    Spec("input 1, hidden 1, 2 classes, 1 step", {"input": 1, "hidden": 1, "classes": 2, "seq": 1}),
    Spec("input 3, hidden 6, 4 classes, 5 steps", {"input": 3, "hidden": 6, "classes": 4, "seq": 5}),
    Spec("input 4, hidden 2, 3 classes, 12 steps", {"input": 4, "hidden": 2, "classes": 3, "seq": 12}),
)

# Known bugs, named when a student's output is what torch computes for them (autograder/oracles/gru_inference.py).
BUGS = {
    "projects_previous_state": "the logits are the projection of the state forward received: project the new "
    "state hnext",
}

OUTPUTS = (
    Output("step_h", where="CharacterPredictor.forward", position=1, returns="hnext"),
    Output("step_logits", where="CharacterPredictor.forward", position=0, returns="logits"),
    Output("logits", where="inference", tensor="returned logits (seq_len, num_classes)"),
)
STEPS = (Step("gru_inference", "CharacterPredictor", Cases(SPECS, build), run, OUTPUTS, locate=locate, bugs=BUGS),)
