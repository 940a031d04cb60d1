"""Steps `rnn_classifier_forward` and `rnn_classifier_backward`: RNNPhonemeClassifier.

The student's classifier runs over whole sequences through every layer. Pass
or fail is decided by the final outputs alone (the logits; every gradient and
dh_0). When they are wrong, the calls the classifier made to its cells
(recorded on the way, see `_trace`) and `self.hiddens` are compared with the
per-step states and deltas torch computed (the case's `trace`), so the
message can say at which time step and layer things first go wrong
(autograder/locators/rnn_classifier.py). A correct classifier that loops
differently, or never calls the cells, is never failed by that diagnosis.
"""

from typing import Any

import numpy as np

from autograder.locators.rnn_classifier import locate_backward, locate_forward
from autograder.steps import Cases, Output, Outputs, Spec, Step
from autograder.steps._specs import Described
from autograder.steps._student import grab, owned, student_attr
from autograder.steps._trace import record_calls
from autograder.steps.rnn_cell import WEIGHTS as CELL_WEIGHTS

CELL_GRADS = tuple("d" + w for w in CELL_WEIGHTS)
MAX_LAYERS = 3
WHERE_F = "RNNPhonemeClassifier.forward"
WHERE_B = "RNNPhonemeClassifier.backward"


def layers_of(inputs: dict[str, np.ndarray]) -> int:
    """-> the number of layers a case's weights describe."""
    return sum(1 for k in inputs if k.startswith("W_ih_"))


def cell_weights(inputs: dict[str, np.ndarray], layer: int) -> list[np.ndarray]:
    """-> [W_ih, W_hh, b_ih, b_hh] of one layer."""
    return [inputs[f"{w}_{layer}"] for w in CELL_WEIGHTS]


def numpy_logits(inputs: dict[str, np.ndarray]) -> np.ndarray:
    """-> the classifier's logits (N, C), computed here only to derive the delta a case feeds backward."""
    hidden = inputs["h_0"].copy()
    for t in range(inputs["x"].shape[1]):
        below = inputs["x"][:, t]
        for layer in range(layers_of(inputs)):
            w_ih, w_hh, b_ih, b_hh = cell_weights(inputs, layer)
            hidden[layer] = np.tanh(below @ w_ih.T + b_ih + hidden[layer] @ w_hh.T + b_hh)
            below = hidden[layer]
    return hidden[-1] @ inputs["W"].T + inputs["b"]


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> x (N, T, D), h_0 (L, N, H), use_h0 (), the weights, labels (N,) and delta (N, C).

    The weights: per layer W_ih_l, W_hh_l, b_ih_l, b_hh_l, then W (C, H), b (C,); delta = softmax(logits) -
    one_hot(labels).
    """
    n, t, d, h, c, layers = (spec[k] for k in ("batch", "seq", "input", "hidden", "output", "layers"))
    w = 1.0 / np.sqrt(h)  # torch's default scale keeps tanh out of saturation
    inputs: dict[str, np.ndarray] = {"x": rng.standard_normal((n, t, d))}
    for layer in range(layers):
        inputs[f"W_ih_{layer}"] = rng.uniform(-w, w, (h, d if layer == 0 else h))
        inputs[f"W_hh_{layer}"] = rng.uniform(-w, w, (h, h))
        inputs[f"b_ih_{layer}"] = rng.uniform(-w, w, h)
        inputs[f"b_hh_{layer}"] = rng.uniform(-w, w, h)
    inputs["W"] = rng.uniform(-w, w, (c, h))
    inputs["b"] = rng.uniform(-w, w, c)
    use_h0 = not spec.get("no_h0", False)
    inputs["h_0"] = rng.standard_normal((layers, n, h)) * 0.5 if use_h0 else np.zeros((layers, n, h))
    inputs["use_h0"] = np.array(use_h0)
    inputs["labels"] = rng.integers(0, c, n)
    logits = numpy_logits(inputs)
    e = np.exp(logits - logits.max(axis=1, keepdims=True))
    inputs["delta"] = e / e.sum(axis=1, keepdims=True) - np.eye(c)[inputs["labels"]]
    return inputs


def _model(inputs: dict[str, np.ndarray]):
    h, d = inputs["W_ih_0"].shape
    c = inputs["W"].shape[0]
    layers = layers_of(inputs)
    model = student_attr("hw.rnn_classifier", "RNNPhonemeClassifier")(d, h, c, layers)
    model.init_weights([cell_weights(inputs, layer) for layer in range(layers)], [inputs["W"], inputs["b"]])
    return model


def _forward(model: Any, inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's forward with every cell's forward recorded."""
    calls: list[list[dict[str, Any]]] = [[] for _ in range(layers_of(inputs))]
    out.records["fwd_calls"] = calls
    out.records["linear_calls"] = []
    for log, cell in zip(calls, list(getattr(model, "rnn", []))):
        record_calls(cell, "forward", log)
    record_calls(getattr(model, "output_layer", None), "forward", out.records["linear_calls"])
    if inputs["use_h0"]:
        logits = model.forward(inputs["x"], inputs["h_0"])
    else:
        logits = model.forward(inputs["x"])
    out["logits"] = owned(logits)
    hiddens = getattr(model, "hiddens", None)
    out.records["hiddens"] = [owned(h) for h in hiddens] if isinstance(hiddens, list) else None


def run_forward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's RNNPhonemeClassifier.forward; store its logits and the cells' calls in out."""
    _forward(_model(inputs), inputs, out)


def run_backward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's classifier forward then backward; store dh_0, the gradients and the cells' calls in out."""
    model = _model(inputs)
    _forward(model, inputs, out)
    calls: list[list[dict[str, Any]]] = [[] for _ in range(layers_of(inputs))]
    out.records["bwd_calls"] = calls
    for log, cell in zip(calls, list(getattr(model, "rnn", []))):
        record_calls(cell, "backward", log)
    out["dh_0"] = owned(model.backward(inputs["delta"]))
    out["out_dW"] = grab(model.output_layer, "dW")
    out["out_db"] = grab(model.output_layer, "db")
    for layer, cell in enumerate(model.rnn):
        for g in CELL_GRADS:
            out[f"rnn{layer}_{g}"] = grab(cell, g)


_SPEC = Described("batch {batch}, seq_len {seq}, input {input}, hidden {hidden}, {output} classes, {layers:layer}")
SPECS = (
    _SPEC(batch=3, seq=4, input=5, hidden=4, output=3, layers=2),
    _SPEC(batch=1, seq=3, input=2, hidden=3, output=4, layers=2),
    _SPEC(batch=4, seq=1, input=3, hidden=2, output=3, layers=2),
    _SPEC(batch=2, seq=5, input=3, hidden=3, output=2, layers=1),
    _SPEC(batch=3, seq=4, input=4, hidden=5, output=3, layers=3),
    _SPEC("h_0 omitted (zeros)", batch=5, seq=3, input=6, hidden=4, output=5, layers=2, no_h0=True),
)

FORWARD_OUTPUTS = (Output("logits", tensor="returned logits"),)
BACKWARD_OUTPUTS = (
    (
        Output("out_dW", where=WHERE_B, tensor="self.output_layer.dW"),
        Output("out_db", where=WHERE_B, tensor="self.output_layer.db"),
    )
    + tuple(
        Output(f"rnn{layer}_{g}", where=WHERE_B, tensor=f"self.rnn[{layer}].{g}")
        for layer in reversed(range(MAX_LAYERS))
        for g in CELL_GRADS
    )
    + (Output("dh_0", where=WHERE_B, tensor="returned dh_0"),)
)

# Backward runs on the forward's cases.
CASES = Cases(SPECS, build)
STEPS = (
    Step("rnn_classifier_forward", WHERE_F, CASES, run_forward, FORWARD_OUTPUTS, locate=locate_forward),
    Step("rnn_classifier_backward", WHERE_B, CASES, run_backward, BACKWARD_OUTPUTS, locate=locate_backward),
)
