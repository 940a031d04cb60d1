"""Steps `rnn_classifier_forward` and `rnn_classifier_backward`: RNNPhonemeClassifier.

The student's classifier runs over whole sequences through every layer. Pass
or fail is decided by the final outputs alone (the logits; every gradient and
dh_0). When they are wrong, the calls the classifier made to its cells
(recorded on the way, see `_trace`) and `self.hiddens` are compared with the
per-step states and deltas torch computed (`trace_*` expected arrays), so the
message can say at which time step and layer things first go wrong. A correct
classifier that loops differently, or never calls the cells, is never failed
by that diagnosis.

Time steps and layers are counted from 0, as in the code.
"""

from typing import Any

import numpy as np

from autograder.steps import Case, Output, Spec, Step
from autograder.steps._student import grab, owned, student_attr
from autograder.steps._trace import close, differs, record_calls

CELL_WEIGHTS = ("W_ih", "W_hh", "b_ih", "b_hh")
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
    """The classifier's logits (N, C), computed here only to derive the delta a case feeds backward."""
    hidden = inputs["h_0"].copy()
    for t in range(inputs["x"].shape[1]):
        below = inputs["x"][:, t]
        for layer in range(layers_of(inputs)):
            w_ih, w_hh, b_ih, b_hh = cell_weights(inputs, layer)
            hidden[layer] = np.tanh(below @ w_ih.T + b_ih + hidden[layer] @ w_hh.T + b_hh)
            below = hidden[layer]
    return hidden[-1] @ inputs["W"].T + inputs["b"]


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> x (N, T, D), h_0 (L, N, H), use_h0 (), per layer W_ih_l, W_hh_l, b_ih_l, b_hh_l,
    W (C, H), b (C,), labels (N,) and delta (N, C) = softmax(logits) - one_hot(labels)."""
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


def _forward(model: Any, inputs: dict[str, np.ndarray], out: dict[str, Any]) -> None:
    """Run the student's forward with every cell's forward recorded."""
    out["_fwd_calls"] = calls = [[] for _ in range(layers_of(inputs))]
    out["_linear_calls"] = []
    for log, cell in zip(calls, list(getattr(model, "rnn", []))):
        record_calls(cell, "forward", log)
    record_calls(getattr(model, "output_layer", None), "forward", out["_linear_calls"])
    if inputs["use_h0"]:
        logits = model.forward(inputs["x"], inputs["h_0"])
    else:
        logits = model.forward(inputs["x"])
    out["logits"] = owned(logits)
    hiddens = getattr(model, "hiddens", None)
    out["_hiddens"] = [owned(h) for h in hiddens] if isinstance(hiddens, list) else None


def run_forward(inputs: dict[str, np.ndarray], out: dict[str, Any]) -> None:
    _forward(_model(inputs), inputs, out)


def run_backward(inputs: dict[str, np.ndarray], out: dict[str, Any]) -> None:
    model = _model(inputs)
    _forward(model, inputs, out)
    out["_bwd_calls"] = calls = [[] for _ in range(layers_of(inputs))]
    for log, cell in zip(calls, list(getattr(model, "rnn", []))):
        record_calls(cell, "backward", log)
    out["dh_0"] = owned(model.backward(inputs["delta"]))
    out["out_dW"] = grab(model.output_layer, "dW")
    out["out_db"] = grab(model.output_layer, "db")
    for layer, cell in enumerate(model.rnn):
        for g in CELL_GRADS:
            out[f"rnn{layer}_{g}"] = grab(cell, g)


# --- locating the first mismatch -------------------------------------------------------------


def _state_name(t: int, layer: int) -> str:
    return f"layer {layer}'s state after time step {t}" if t >= 0 else f"layer {layer}'s initial state (h_0[{layer}])"


def _which_state(got: Any, states: np.ndarray, expected_t: int, layer: int) -> str | None:
    """A phrase naming which stored state `got` equals, when it is another time step or layer than expected."""
    steps, layers = states.shape[0] - 1, states.shape[1]
    for dt in (-1, 1, -2, 2):
        t = expected_t + dt
        if -1 <= t < steps and close(got, states[t + 1][layer]) and differs(states[t + 1][layer], states[expected_t + 1][layer]):
            return _state_name(t, layer)
    for other in range(layers):
        if other != layer and close(got, states[expected_t + 1][other]):
            return _state_name(expected_t, other)
    return None


def locate_forward(case: Case, produced: dict[str, Any]) -> list[str]:
    """-> a line saying at which time step and layer the forward pass first goes wrong."""
    exp = case.expected
    if "trace_hiddens" not in exp:
        return []
    states = exp["trace_hiddens"]  # (T + 1, L, N, H): states[t + 1][l] is layer l after step t
    x = case.inputs["x"]
    steps, layers = states.shape[0] - 1, states.shape[1]
    calls = produced.get("_fwd_calls") or []
    if len(calls) == layers and all(len(c) == steps for c in calls):
        for t in range(steps):
            for layer in range(layers):
                call = calls[layer][t]
                where = f"first mismatch at time step {t}, layer {layer}:"
                below = x[:, t] if layer == 0 else states[t + 1][layer - 1]
                if not close(call.get("x"), below):
                    if close(call.get("x"), x[:, steps - 1 - t]) and differs(x[:, steps - 1 - t], below):
                        why = f"it is x[:, {steps - 1 - t}]: the sequence is read backwards"
                    elif layer > 0 and close(call.get("x"), x[:, t]):
                        why = "it is x[:, t], but above layer 0 the input is the output of the layer below"
                    else:
                        seen = _which_state(call.get("x"), states, t, layer - 1) if layer > 0 else None
                        want = "x[:, t]" if layer == 0 else f"{_state_name(t, layer - 1)}"
                        why = f"expected {want}" + (f", got {seen}" if seen else "")
                    return [f"{where} the input x passed to RNNCell.forward is wrong ({why})"]
                if not close(call.get("h"), states[t][layer]):
                    seen = _which_state(call.get("h"), states, t - 1, layer)
                    why = f"expected {_state_name(t - 1, layer)}" + (f", got {seen}" if seen else "")
                    if t > 0 and close(call.get("h"), states[0][layer]):
                        why += ": the hidden state is not carried from one time step to the next"
                    return [f"{where} the hidden state h passed to RNNCell.forward is wrong ({why})"]
                if not close(call.get("result"), states[t + 1][layer]):
                    return [f"{where} RNNCell.forward returned a wrong state from the right arguments (check rnn_forward)"]
        linear = produced.get("_linear_calls") or []
        if linear:
            got = linear[-1].get("x")
            if not close(got, states[steps][layers - 1]):
                seen = _which_state(got, states, steps - 1, layers - 1)
                return [
                    "every hidden state is right; the output layer received "
                    + (seen if seen else "something else")
                    + f", where {_state_name(steps - 1, layers - 1)} (the last layer at the last time step) belongs"
                ]
        return ["every hidden state is right: the mistake is in how the logits are made from the last state"]
    lines = []
    for layer, log in enumerate(calls):
        if len(log) != steps:
            lines.append(f"layer {layer}'s RNNCell.forward was called {len(log)} times; "
                         f"one call per time step ({steps}) is expected")
    hiddens = produced.get("_hiddens")
    if isinstance(hiddens, list) and len(hiddens) == steps + 1:
        for t in range(steps + 1):
            for layer in range(layers):
                got = hiddens[t][layer] if isinstance(hiddens[t], np.ndarray) and hiddens[t].ndim == 3 else None
                if got is None or not close(got, states[t][layer]):
                    lines.append(f"self.hiddens[{t}][{layer}] is the first stored state that is wrong "
                                 f"(expected {_state_name(t - 1, layer)})")
                    return lines
    return lines


def _delta_problem(got: Any, total: np.ndarray, above: np.ndarray, t: int, layer: int, top: int, batch: int) -> str:
    from_next = total - above
    above_name = "from the output layer" if layer == top else "from the layer above"
    if close(got, from_next) and differs(from_next, total):
        return f"missing the gradient {above_name}?"
    if close(got, above) and differs(above, total):
        return f"missing the gradient from the next time step (the dh returned by layer {layer}'s call at time step {t + 1})?"
    if batch > 1 and close(got, total / batch):
        return "it is divided by the batch size: deltas passed between cells are per sample"
    if batch > 1 and close(got, total * batch):
        return "it is multiplied by the batch size"
    return "expected dL/dh per sample: the sum of the gradient " + above_name + " and the one from the next time step"


def _argument_problem(call: dict[str, Any], exp: dict[str, np.ndarray], x: np.ndarray, t: int, layer: int) -> str | None:
    states, deltas, above = exp["trace_hiddens"], exp["trace_deltas"], exp["trace_dabove"]
    top = states.shape[1] - 1
    h = call.get("h")
    if not close(h, states[t + 1][layer]):
        seen = _which_state(h, states, t, layer)
        if seen == _state_name(t - 1, layer):
            return (f"h received h_{{t-1}} where h_t belongs ({seen}; self.hiddens[0] is the initial state, "
                    "so layer l's output at time step t is self.hiddens[t + 1][l])")
        return f"h (this step's output) is wrong: expected {_state_name(t, layer)}" + (f", got {seen}" if seen else "")
    below = x[:, t] if layer == 0 else states[t + 1][layer - 1]
    got = call.get("h_prev_l")
    if not close(got, below):
        want = "x[:, t]" if layer == 0 else _state_name(t, layer - 1)
        seen = _which_state(got, states, t, layer - 1) if layer > 0 else None
        if layer > 0 and close(got, x[:, t]):
            seen = "x[:, t], the network input"
        return f"h_prev_l (this step's input) is wrong: expected {want}" + (f", got {seen}" if seen else "")
    got = call.get("h_prev_t")
    if not close(got, states[t][layer]):
        if close(got, states[t + 1][layer]):
            return "h_prev_t received h_t where h_{t-1} belongs"
        seen = _which_state(got, states, t - 1, layer)
        return f"h_prev_t is wrong: expected {_state_name(t - 1, layer)}" + (f", got {seen}" if seen else "")
    got = call.get("delta")
    if not close(got, deltas[t][layer]):
        why = _delta_problem(got, deltas[t][layer], above[t][layer], t, layer, top, x.shape[0])
        return f"the delta passed to RNNCell.backward is wrong ({why})"
    return None


def locate_backward(case: Case, produced: dict[str, Any]) -> list[str]:
    """-> lines saying at which time step and layer backpropagation first goes wrong, in backward order."""
    exp = case.expected
    if "trace_deltas" not in exp:
        return []
    states = exp["trace_hiddens"]
    x = case.inputs["x"]
    steps, layers = states.shape[0] - 1, states.shape[1]
    forward_note = locate_forward(case, produced)
    if forward_note and not forward_note[0].startswith("every hidden state is right"):
        return ["the forward pass already goes wrong: " + forward_note[0]] + forward_note[1:]
    calls = produced.get("_bwd_calls") or []
    counts = [len(c) for c in calls]
    if not any(counts):
        return ["(RNNCell.backward was never called, so the mismatch cannot be placed at a time step)"]
    if len(calls) != layers or any(c != steps for c in counts):
        return [f"layer {layer}'s RNNCell.backward was called {c} times; one call per time step ({steps}) is expected"
                for layer, c in enumerate(counts) if c != steps]
    for t in reversed(range(steps)):
        for layer in reversed(range(layers)):
            # Calls on one cell go backward in time, whichever loop is outside.
            problem = _argument_problem(calls[layer][steps - 1 - t], exp, x, t, layer)
            if problem:
                return [f"first wrong call to RNNCell.backward (going backward: time step {t}, layer {layer}): {problem}"]
    lines = ["every call to RNNCell.backward received the right arguments"]
    dh_0, batch = produced.get("dh_0"), x.shape[0]
    if "dh_0" in exp and batch > 1 and close(dh_0, exp["dh_0"] * batch):
        lines.append("dh_0 is not divided by the batch size (the initial state's gradient is a batch mean)")
    return lines


SPECS = (
    Spec("batch 3, seq_len 4, input 5, hidden 4, 3 classes, 2 layers",
         {"batch": 3, "seq": 4, "input": 5, "hidden": 4, "output": 3, "layers": 2}),
    Spec("batch 1, seq_len 3, input 2, hidden 3, 4 classes, 2 layers",
         {"batch": 1, "seq": 3, "input": 2, "hidden": 3, "output": 4, "layers": 2}),
    Spec("batch 4, seq_len 1, input 3, hidden 2, 3 classes, 2 layers",
         {"batch": 4, "seq": 1, "input": 3, "hidden": 2, "output": 3, "layers": 2}),
    Spec("batch 2, seq_len 5, input 3, hidden 3, 2 classes, 1 layer",
         {"batch": 2, "seq": 5, "input": 3, "hidden": 3, "output": 2, "layers": 1}),
    Spec("batch 3, seq_len 4, input 4, hidden 5, 3 classes, 3 layers",
         {"batch": 3, "seq": 4, "input": 4, "hidden": 5, "output": 3, "layers": 3}),
    Spec("batch 5, seq_len 3, input 6, hidden 4, 5 classes, 2 layers, h_0 omitted (zeros)",
         {"batch": 5, "seq": 3, "input": 6, "hidden": 4, "output": 5, "layers": 2, "no_h0": True}),
)

BACKWARD_OUTPUTS = (
    Output("out_dW", where=WHERE_B, tensor="self.output_layer.dW"),
    Output("out_db", where=WHERE_B, tensor="self.output_layer.db"),
) + tuple(
    Output(f"rnn{layer}_{g}", where=WHERE_B, tensor=f"self.rnn[{layer}].{g}")
    for layer in reversed(range(MAX_LAYERS))
    for g in CELL_GRADS
) + (Output("dh_0", where=WHERE_B, tensor="returned dh_0"),)

STEPS = (
    Step(
        id="rnn_classifier_forward",
        target=WHERE_F,
        specs=SPECS,
        build=build,
        run=run_forward,
        outputs=(Output("logits", tensor="returned logits"),),
        locate=locate_forward,
    ),
    Step(
        id="rnn_classifier_backward",
        target=WHERE_B,
        specs=SPECS,
        build=build,
        run=run_backward,
        outputs=BACKWARD_OUTPUTS,
        locate=locate_backward,
    ),
)
