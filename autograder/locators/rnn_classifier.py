"""Locating the first wrong call of RNNPhonemeClassifier (steps `rnn_classifier_forward` and `_backward`).

Trace (from torch, unrolled), with T time steps, L layers, batch N, hidden H:
- `hiddens` (T + 1, L, N, H): [0] the initial state, [t + 1][l] layer l after time step t;
- `deltas` (T, L, N, H): dL/dh of layer l at step t, per sample;
- `dabove` (T, L, N, H): the part of `deltas` that arrives from the layer above.
Records: `fwd_calls` / `bwd_calls` (per layer, the arguments of each RNNCell
forward / backward call), `linear_calls` (the output layer's forward calls)
and `hiddens` (the classifier's `self.hiddens` after forward).

Time steps and layers are counted from 0, as in the code.
"""

from typing import Any

import numpy as np

from autograder.cases import Case
from autograder.findings import Location
from autograder.locators import Evidence, first_finding, located
from autograder.produced import Outputs
from autograder.tolerance import Tolerance


def _state_name(t: int, layer: int) -> str:
    return f"layer {layer}'s state after time step {t}" if t >= 0 else f"layer {layer}'s initial state (h_0[{layer}])"


def _shape(ev: Evidence) -> tuple[int, int]:
    states = ev.case.trace["hiddens"]
    return states.shape[0] - 1, states.shape[1]


def _which_state(ev: Evidence, got: Any, expected_t: int, layer: int) -> str | None:
    """-> a phrase naming which traced state `got` equals, when it is another time step or layer than expected."""
    states = ev.case.trace["hiddens"]
    steps, layers = _shape(ev)
    for dt in (-1, 1, -2, 2):
        t = expected_t + dt
        if (
            -1 <= t < steps
            and ev.close(got, states[t + 1][layer])
            and ev.differs(states[t + 1][layer], states[expected_t + 1][layer])
        ):
            return _state_name(t, layer)
    for other in range(layers):
        if other != layer and ev.close(got, states[expected_t + 1][other]):
            return _state_name(expected_t, other)
    return None


def _forward_calls_complete(ev: Evidence) -> bool:
    steps, layers = _shape(ev)
    calls = ev.produced.records.get("fwd_calls") or []
    return len(calls) == layers and all(len(c) == steps for c in calls)


# --- forward -----------------------------------------------------------------------------------


def _wrong_cell_input(ev: Evidence, call: dict[str, Any], t: int, layer: int) -> str | None:
    x, states = ev.case.inputs["x"], ev.case.trace["hiddens"]
    steps = x.shape[1]
    below = x[:, t] if layer == 0 else states[t + 1][layer - 1]
    got = call.get("x")
    if ev.close(got, below):
        return None
    if ev.close(got, x[:, steps - 1 - t]) and ev.differs(x[:, steps - 1 - t], below):
        why = f"it is x[:, {steps - 1 - t}]: the sequence is read backwards"
    elif layer > 0 and ev.close(got, x[:, t]):
        why = "it is x[:, t], but above layer 0 the input is the output of the layer below"
    else:
        seen = _which_state(ev, got, t, layer - 1) if layer > 0 else None
        want = "x[:, t]" if layer == 0 else _state_name(t, layer - 1)
        why = f"expected {want}" + (f", got {seen}" if seen else "")
    return f"the input x passed to RNNCell.forward is wrong ({why})"


def _wrong_cell_state(ev: Evidence, call: dict[str, Any], t: int, layer: int) -> str | None:
    states = ev.case.trace["hiddens"]
    got = call.get("h")
    if ev.close(got, states[t][layer]):
        return None
    seen = _which_state(ev, got, t - 1, layer)
    why = f"expected {_state_name(t - 1, layer)}" + (f", got {seen}" if seen else "")
    if t > 0 and ev.close(got, states[0][layer]):
        why += ": the hidden state is not carried from one time step to the next"
    return f"the hidden state h passed to RNNCell.forward is wrong ({why})"


def first_wrong_forward_call(ev: Evidence) -> list[str] | None:
    """Find the first RNNCell.forward call, in time then layer order, with a wrong argument or result."""
    if not _forward_calls_complete(ev):
        return None
    states = ev.case.trace["hiddens"]
    steps, layers = _shape(ev)
    calls = ev.produced.records["fwd_calls"]
    for t in range(steps):
        for layer in range(layers):
            call = calls[layer][t]
            problem = _wrong_cell_input(ev, call, t, layer) or _wrong_cell_state(ev, call, t, layer)
            if problem is None and not ev.close(call.get("result"), states[t + 1][layer]):
                problem = "RNNCell.forward returned a wrong state from the right arguments (check rnn_forward)"
            if problem:
                return [f"first mismatch at time step {t}, layer {layer}: {problem}"]
    return None


def wrong_output_layer_input(ev: Evidence) -> list[str] | None:
    """Every state is right, but the output layer was given something other than the last layer's last state."""
    linear = ev.produced.records.get("linear_calls") or []
    if not _forward_calls_complete(ev) or not linear:
        return None
    states = ev.case.trace["hiddens"]
    steps, layers = _shape(ev)
    got = linear[-1].get("x")
    if ev.close(got, states[steps][layers - 1]):
        return None
    seen = _which_state(ev, got, steps - 1, layers - 1)
    return [
        "every hidden state is right; the output layer received "
        + (seen if seen else "something else")
        + f", where {_state_name(steps - 1, layers - 1)} (the last layer at the last time step) belongs"
    ]


def wrong_call_counts_or_stored_states(ev: Evidence) -> list[str] | None:
    """Say that the cells were not called once per time step, and which entry of self.hiddens is first wrong."""
    if _forward_calls_complete(ev):
        return None
    states = ev.case.trace["hiddens"]
    steps, layers = _shape(ev)
    lines = [
        f"layer {layer}'s RNNCell.forward was called {len(log)} times; one call per time step ({steps}) is expected"
        for layer, log in enumerate(ev.produced.records.get("fwd_calls") or [])
        if len(log) != steps
    ]
    hiddens = ev.produced.records.get("hiddens")
    if isinstance(hiddens, list) and len(hiddens) == steps + 1:
        for t in range(steps + 1):
            for layer in range(layers):
                got = hiddens[t][layer] if isinstance(hiddens[t], np.ndarray) and hiddens[t].ndim == 3 else None
                if got is None or not ev.close(got, states[t][layer]):
                    lines.append(
                        f"self.hiddens[{t}][{layer}] is the first stored state that is wrong "
                        f"(expected {_state_name(t - 1, layer)})"
                    )
                    return lines
    return lines


FORWARD_PROBLEMS = (first_wrong_forward_call, wrong_output_layer_input, wrong_call_counts_or_stored_states)


def every_state_right(ev: Evidence) -> list[str] | None:
    """Say that every hidden state is right, so the logits are made wrongly from the last one."""
    return ["every hidden state is right: the mistake is in how the logits are made from the last state"]


def locate_forward(case: Case, produced: Outputs, tolerance: Tolerance) -> Location | None:
    """-> a line saying at which time step and layer the forward pass first goes wrong."""
    if "hiddens" not in case.trace:
        return None
    return located(FORWARD_PROBLEMS + (every_state_right,), case, produced, tolerance)


# --- backward ----------------------------------------------------------------------------------


def forward_already_wrong(ev: Evidence) -> list[str] | None:
    """Say where the forward pass goes wrong, when backward's mismatch starts there."""
    found = first_finding(FORWARD_PROBLEMS, ev)
    return ["the forward pass already goes wrong: " + found[0]] + found[1:] if found else None


def _counts(ev: Evidence) -> list[int]:
    return [len(c) for c in ev.produced.records.get("bwd_calls") or []]


def backward_never_called(ev: Evidence) -> list[str] | None:
    """Say that RNNCell.backward was never called, so the mismatch cannot be placed."""
    if any(_counts(ev)):
        return None
    return ["(RNNCell.backward was never called, so the mismatch cannot be placed at a time step)"]


def wrong_backward_call_counts(ev: Evidence) -> list[str] | None:
    """Say which layer's RNNCell.backward was not called once per time step."""
    steps, layers = _shape(ev)
    counts = _counts(ev)
    if len(counts) == layers and all(c == steps for c in counts):
        return None
    return [
        f"layer {layer}'s RNNCell.backward was called {c} times; one call per time step ({steps}) is expected"
        for layer, c in enumerate(counts)
        if c != steps
    ]


def _delta_problem(ev: Evidence, got: Any, t: int, layer: int) -> str:
    total, above = ev.case.trace["deltas"][t][layer], ev.case.trace["dabove"][t][layer]
    top, batch = _shape(ev)[1] - 1, ev.case.inputs["x"].shape[0]
    from_next = total - above
    above_name = "from the output layer" if layer == top else "from the layer above"
    if ev.close(got, from_next) and ev.differs(from_next, total):
        return f"missing the gradient {above_name}?"
    if ev.close(got, above) and ev.differs(above, total):
        return (
            f"missing the gradient from the next time step (the dh returned by layer {layer}'s call at time step "
            f"{t + 1})?"
        )
    if batch > 1 and ev.close(got, total / batch):
        return "it is divided by the batch size: deltas passed between cells are per sample"
    if batch > 1 and ev.close(got, total * batch):
        return "it is multiplied by the batch size"
    return "expected dL/dh per sample: the sum of the gradient " + above_name + " and the one from the next time step"


def _argument_problem(ev: Evidence, call: dict[str, Any], t: int, layer: int) -> str | None:
    x, states = ev.case.inputs["x"], ev.case.trace["hiddens"]
    h = call.get("h")
    if not ev.close(h, states[t + 1][layer]):
        seen = _which_state(ev, h, t, layer)
        if seen == _state_name(t - 1, layer):
            return (
                f"h received h_{{t-1}} where h_t belongs ({seen}; self.hiddens[0] is the initial state, "
                "so layer l's output at time step t is self.hiddens[t + 1][l])"
            )
        return f"h (this step's output) is wrong: expected {_state_name(t, layer)}" + (f", got {seen}" if seen else "")
    below = x[:, t] if layer == 0 else states[t + 1][layer - 1]
    got = call.get("h_prev_l")
    if not ev.close(got, below):
        want = "x[:, t]" if layer == 0 else _state_name(t, layer - 1)
        seen = _which_state(ev, got, t, layer - 1) if layer > 0 else None
        if layer > 0 and ev.close(got, x[:, t]):
            seen = "x[:, t], the network input"
        return f"h_prev_l (this step's input) is wrong: expected {want}" + (f", got {seen}" if seen else "")
    got = call.get("h_prev_t")
    if not ev.close(got, states[t][layer]):
        if ev.close(got, states[t + 1][layer]):
            return "h_prev_t received h_t where h_{t-1} belongs"
        seen = _which_state(ev, got, t - 1, layer)
        return f"h_prev_t is wrong: expected {_state_name(t - 1, layer)}" + (f", got {seen}" if seen else "")
    got = call.get("delta")
    if not ev.close(got, ev.case.trace["deltas"][t][layer]):
        return f"the delta passed to RNNCell.backward is wrong ({_delta_problem(ev, got, t, layer)})"
    return None


def first_wrong_backward_call(ev: Evidence) -> list[str] | None:
    """Find the first RNNCell.backward call, going backward in time and down the layers, with a wrong argument."""
    steps, layers = _shape(ev)
    calls = ev.produced.records["bwd_calls"]
    for t in reversed(range(steps)):
        for layer in reversed(range(layers)):
            # Calls on one cell go backward in time, whichever loop is outside.
            problem = _argument_problem(ev, calls[layer][steps - 1 - t], t, layer)
            if problem:
                return [
                    f"first wrong call to RNNCell.backward (going backward: time step {t}, layer {layer}): {problem}"
                ]
    return None


def every_argument_right(ev: Evidence) -> list[str] | None:
    """Say that every backward call got the right arguments, and what of dh_0 is then wrong."""
    lines = ["every call to RNNCell.backward received the right arguments"]
    dh_0, batch = ev.produced.get("dh_0"), ev.case.inputs["x"].shape[0]
    if "dh_0" in ev.case.expected and batch > 1 and ev.close(dh_0, ev.case.expected["dh_0"] * batch):
        lines.append("dh_0 is not divided by the batch size (the initial state's gradient is a batch mean)")
    return lines


BACKWARD_CHECKS = (
    forward_already_wrong,
    backward_never_called,
    wrong_backward_call_counts,
    first_wrong_backward_call,
    every_argument_right,
)


def locate_backward(case: Case, produced: Outputs, tolerance: Tolerance) -> Location | None:
    """-> lines saying at which time step and layer backpropagation first goes wrong, in backward order."""
    if "deltas" not in case.trace:
        return None
    return located(BACKWARD_CHECKS, case, produced, tolerance)
