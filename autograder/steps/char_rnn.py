"""Steps `char_rnn_loss`, `char_rnn_backward`, `char_rnn_sample`, `char_rnn_complete`.

The character-level language model of hw/char_rnn. Parameters travel in a case under
their snapshot names (Wxh, Whh, bh, Wxh_1, ..., Why, by), the window as int arrays
`inputs`, `targets` (T, B) and the carried-in state `h0` (L, B, H).

Backward is graded through a pinned cache (hidden states and probabilities computed here
with numpy), so it does not depend on the student's forward. Sampling is graded through
the pinned draw rule: the step passes a draw(p) that records every distribution and
returns a fixed path of indices, and the recorded distributions are compared with
torch's softmax(alpha * y) along that path. Any way of writing sample() that calls
draw(p) once per character passes; the random numbers themselves never matter.
"""

import numpy as np

from autograder.cases import Case
from autograder.locators import as_locator
from autograder.steps import Cases, Output, Outputs, Spec, Step
from autograder.steps._numbers import number
from autograder.steps._specs import Described
from autograder.steps._student import owned, student_attr
from autograder.tolerance import Tolerance

MAX_LAYERS = 3


def layer_names(layer: int) -> tuple[str, str, str]:
    """Names of (Wxh, Whh, bh) for a layer, as in the snapshot: plain for layer 0, then '_l'.

    Spelled out here rather than imported from hw.char_rnn.model: step modules must load
    even when the student's files do not.
    """
    suffix = "" if layer == 0 else f"_{layer}"
    return f"Wxh{suffix}", f"Whh{suffix}", f"bh{suffix}"


def param_names(layers: int) -> list[str]:
    """-> the snapshot names of a model's parameters with this many layers, in order."""
    return [n for layer in range(layers) for n in layer_names(layer)] + ["Why", "by"]


def num_layers(inputs: dict[str, np.ndarray]) -> int:
    """-> how many layers the case's parameters describe."""
    layers = 1
    while f"Wxh_{layers}" in inputs:
        layers += 1
    return layers


def build_params(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> Wxh (H, V), Whh (H, H), bh (H, 1) per layer (Wxh_l (H, H) above the first), Why (V, H), by (V, 1)."""
    V, H, L = spec["vocab"], spec["hidden"], spec.get("layers", 1)
    w = spec.get("weight_scale", 1.0 / np.sqrt(H))
    params = {}
    for layer in range(L):
        wxh, whh, bh = layer_names(layer)
        # A column of Wxh is the whole input drive of layer 0, so it gets unit scale.
        params[wxh] = rng.standard_normal((H, V if layer == 0 else H)) * (1.0 if layer == 0 else w)
        params[whh] = rng.standard_normal((H, H)) * w
        params[bh] = rng.standard_normal((H, 1)) * w
    params["Why"] = rng.standard_normal((V, H)) * spec.get("output_scale", 1.0)
    params["by"] = rng.standard_normal((V, 1)) * spec.get("bias_scale", 1.0)
    return params


def build_window(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> parameters, inputs and targets (T, B) ints, h0 (L, B, H)."""
    inputs = build_params(rng, spec)
    V, H, L = spec["vocab"], spec["hidden"], spec.get("layers", 1)
    T, B = spec["steps"], spec["batch"]
    inputs["inputs"] = rng.integers(0, V, size=(T, B))
    if spec.get("repeat"):
        inputs["inputs"][:] = inputs["inputs"][0, 0]
    inputs["targets"] = rng.integers(0, V, size=(T, B))
    inputs["h0"] = np.zeros((L, B, H)) if spec.get("zero_state") else np.tanh(rng.standard_normal((L, B, H)))
    return inputs


def numpy_window(inputs: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """-> the forward pass in plain numpy -> hs (L, T + 1, B, H) and probs (T * B, V)."""
    L = num_layers(inputs)
    T, B = inputs["inputs"].shape
    V, H = inputs["Why"].shape
    hs = np.zeros((L, T + 1, B, H))
    below = np.eye(V)[inputs["inputs"]]  # (T, B, V) one-hot
    for layer in range(L):
        wxh, whh, bh = (inputs[n] for n in layer_names(layer))
        hs[layer, 0] = inputs["h0"][layer]
        for t in range(T):
            hs[layer, t + 1] = np.tanh(below[t] @ wxh.T + hs[layer, t] @ whh.T + bh[:, 0])
        below = hs[layer, 1:]
    scores = below.reshape(T * B, H) @ inputs["Why"].T + inputs["by"][:, 0]
    e = np.exp(scores - scores.max(axis=1, keepdims=True))
    return hs, e / e.sum(axis=1, keepdims=True)


def build_backward(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """build_window() plus the cache backward receives: hs (L, T + 1, B, H), probs (T * B, V)."""
    inputs = build_window(rng, spec)
    inputs["hs"], inputs["probs"] = numpy_window(inputs)
    return inputs


def _model(inputs: dict[str, np.ndarray]):
    V, H = inputs["Why"].shape
    L = num_layers(inputs)
    model = student_attr("hw.char_rnn.model", "CharRNN")(V, H, L)
    for name in param_names(L):
        model.params[name][...] = inputs[name]
    return model


def run_loss(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's CharRNN.forward on the case's window; store its cache and loss in out."""
    model = _model(inputs)
    loss, cache = model.forward(inputs["inputs"], inputs["targets"], list(inputs["h0"]))
    out["hs"] = owned(np.stack(cache.hs))
    out["probs"] = owned(cache.probs)
    out["loss"] = number(owned(loss), "the loss CharRNN.forward returned")


def run_backward(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's CharRNN.backward through the pinned cache; store its gradients in out."""
    model = _model(inputs)
    cache_type = student_attr("hw.char_rnn.model", "WindowCache")
    cache = cache_type(inputs=inputs["inputs"], targets=inputs["targets"], hs=list(inputs["hs"]), probs=inputs["probs"])
    returned = model.backward(cache)
    if not isinstance(returned, dict):
        raise TypeError(f"backward must return the dict of gradients, got {type(returned).__name__}")
    for name in param_names(num_layers(inputs)):
        grad = model.grads[name]
        # The optimizer and gradient clipping read model.flat_grads; a gradient stored in a
        # new array instead of the view into it would be right here and lost in training.
        if not np.shares_memory(grad, model.flat_grads):
            raise TypeError(
                f"self.grads['{name}'] was replaced by a new array: write into it "
                f"(self.grads['{name}'][...] = ..., or out=self.grads['{name}']), "
                "because training reads the gradients from the flat buffer"
            )
        out["d" + name] = owned(grad)


@as_locator
def locate_hidden(case: Case, produced: Outputs, tolerance: Tolerance) -> list[str]:
    """Where the hidden states first go wrong: the layer and time step."""
    got, expected = produced.get("hs"), case.expected.get("hs")
    if not isinstance(got, np.ndarray) or expected is None or got.shape != expected.shape:
        return []
    bad = ~tolerance.within(got, expected)
    if not bad.any():
        return []
    layer, t = (int(i) for i in np.argwhere(bad)[0][:2])
    where = "the carried-in state h0 itself" if t == 0 else f"after input character {t - 1}"
    return [f"first wrong hidden state: layer {layer}, time index {t} ({where})"]


class RecordingDraw:
    """The draw rule handed to the student's sampling code: records p, follows a fixed path."""

    def __init__(self, path: np.ndarray) -> None:
        """path: the indices (n,) the draws return, in order."""
        self.path = [int(i) for i in path]
        self.seen: list[np.ndarray] = []

    def __call__(self, p) -> int:
        """Record p, the distribution drawn from -> the next index of the path."""
        if len(self.seen) == len(self.path):
            raise RuntimeError(
                f"draw(p) was called more than n = {len(self.path)} times: call it exactly once per generated character"
            )
        self.seen.append(np.array(p, dtype=np.float64, copy=True))
        return self.path[len(self.seen) - 1]

    def stacked(self) -> np.ndarray:
        """-> the recorded distributions stacked (n, V); a RuntimeError when draw was never called."""
        if not self.seen:
            raise RuntimeError(
                "draw(p) was never called: every generated character must come "
                "from one call draw(p), with p the full probability vector"
            )
        try:
            return np.stack(self.seen)
        except ValueError:
            shapes = sorted({p.shape for p in self.seen})
            raise ValueError(f"draw(p) got probability vectors of different shapes {shapes}") from None


def build_sample(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> parameters, h (L, 1, H), seed_ix, path (n,) ints, temperature."""
    inputs = build_params(rng, spec)
    V, H, L = spec["vocab"], spec["hidden"], spec.get("layers", 1)
    inputs["h"] = np.zeros((L, 1, H)) if spec.get("zero_state") else np.tanh(rng.standard_normal((L, 1, H)))
    inputs["seed_ix"] = np.array(rng.integers(0, V))
    inputs["path"] = rng.integers(0, V, size=spec["length"])
    inputs["temperature"] = np.array(float(spec["temperature"]))
    return inputs


def build_complete(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> parameters, starter (k,) ints, path (n,) ints, temperature, h (L, 1, H) used when use_h."""
    inputs = build_sample(rng, spec)
    del inputs["seed_ix"]
    inputs["starter"] = rng.integers(0, spec["vocab"], size=spec["starter"])
    inputs["use_h"] = np.array(bool(spec.get("use_h", False)))
    return inputs


def run_sample(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's sample() with the recording draw; store the distributions it drew from in out."""
    sample = student_attr("hw.char_rnn.sampling", "sample")
    draw = RecordingDraw(inputs["path"])
    result = sample(
        _model(inputs),
        list(inputs["h"]),
        int(inputs["seed_ix"]),
        len(inputs["path"]),
        temperature=float(inputs["temperature"]),
        draw=draw,
    )
    out["probs"] = draw.stacked()
    out["indices"] = np.asarray(result, dtype=np.float64)


def run_complete(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's complete() with the recording draw; store the distributions it drew from in out."""
    complete = student_attr("hw.char_rnn.sampling", "complete")
    draw = RecordingDraw(inputs["path"])
    kwargs = {"h": list(inputs["h"])} if bool(inputs["use_h"]) else {}
    result = complete(
        _model(inputs),
        [int(i) for i in inputs["starter"]],
        len(inputs["path"]),
        temperature=float(inputs["temperature"]),
        draw=draw,
        **kwargs,
    )
    out["probs"] = draw.stacked()
    out["indices"] = np.asarray(result, dtype=np.float64)


# A spec leaves `layers` out for one layer (the builder's default); its description still says so.
_WINDOW = Described("V {vocab}, hidden {hidden}, {layers:layer}, window {steps}, batch {batch}", {"layers": 1})
WINDOW_SPECS = (
    _WINDOW(vocab=7, hidden=5, steps=6, batch=1),
    _WINDOW(vocab=11, hidden=4, steps=9, batch=3),
    _WINDOW(vocab=6, hidden=3, steps=1, batch=2),
    _WINDOW("one character repeated", vocab=5, hidden=4, steps=7, batch=2, repeat=True),
    _WINDOW(vocab=8, hidden=6, layers=2, steps=5, batch=2),
    _WINDOW("zero carried-in state", vocab=9, hidden=3, layers=3, steps=4, batch=3, zero_state=True),
    _WINDOW(
        "scores ~1e3 (shift by the max; take log p as shifted score - log sum, not log of a probability that "
        "rounds to 0)",
        vocab=6,
        hidden=4,
        steps=5,
        batch=2,
        output_scale=300.0,
        bias_scale=1e3,
    ),
)

_MODEL = Described("V {vocab}, hidden {hidden}, {layers:layer}", {"layers": 1})
_SAMPLE = _MODEL.then(", {length:character}, temperature {temperature:g}")
SAMPLE_SPECS = (
    _SAMPLE(vocab=7, hidden=5, length=8, temperature=1.0),
    _SAMPLE(vocab=10, hidden=4, length=6, temperature=0.5),
    _SAMPLE(vocab=6, hidden=3, layers=2, length=7, temperature=2.0),
    _MODEL.then(", {length:character}, zero state, temperature {temperature:g}")(
        vocab=5, hidden=4, length=1, temperature=1.0, zero_state=True
    ),
    # str.format writes 1e-3 as 0.001: this description is written out.
    Spec(
        "V 8, hidden 5, 1 layer, 5 characters, temperature 1e-3 (alpha * y ~ 1e4: subtract the max)",
        {"vocab": 8, "hidden": 5, "length": 5, "temperature": 1e-3, "output_scale": 3.0},
    ),
    _SAMPLE(vocab=6, hidden=4, layers=3, length=4, temperature=100.0),
)

_COMPLETE = _MODEL.then(", starter of {starter}, {length:character}, temperature {temperature:g}")
_COMPLETE_FROM_H = _MODEL.then(
    ", starter of {starter} from a given state h, {length:character}, temperature {temperature:g}"
)
COMPLETE_SPECS = (
    _COMPLETE(vocab=7, hidden=5, starter=4, length=6, temperature=1.0),
    _COMPLETE(vocab=9, hidden=4, layers=2, starter=6, length=5, temperature=0.7),
    _COMPLETE(vocab=6, hidden=3, starter=1, length=4, temperature=1.5),
    _COMPLETE_FROM_H(vocab=8, hidden=4, starter=3, length=5, temperature=1.0, use_h=True),
    _COMPLETE_FROM_H(vocab=5, hidden=5, layers=3, starter=5, length=3, temperature=0.5, use_h=True),
)

GRAD_OUTPUTS = tuple(
    Output("d" + n, tensor=f"grads['{n}']")
    for n in ["by", "Why"] + [n for layer in reversed(range(MAX_LAYERS)) for n in reversed(layer_names(layer))]
)
SAMPLE_OUTPUTS = (
    Output("probs", tensor="the distributions p passed to draw(p), one row per character"),
    Output("indices", tensor="returned indices"),
)

# Known bugs, named when a student's output is what torch computes for them (autograder/oracles/char_rnn.py).
LOSS_BUGS = {
    "Whh_untransposed": "the recurrence uses h @ Whh where Whh.T belongs (Whh[i, j] weighs unit j's old state "
    "in unit i's new one)",
    "no_max_shift": "exp() of the raw scores overflows (inf / inf = nan): subtract each row's maximum before exp()",
    "lower_layer_previous": "an upper layer reads the lower layer's state from the previous time step: at time t it "
    "reads the lower layer's new state h_t",
}
BACKWARD_BUGS = {
    "tanh_derivative_no_square": "the tanh derivative is 1 - h: it is 1 - h**2",
    "dWhh_from_h_t": "dWhh pairs each step's gradient with that step's own state h_t: it belongs with the "
    "previous state h_{t-1}",
    "backward_Whh_transposed": "the gradient to the previous state goes through Whh.T: forward uses h @ Whh.T, "
    "so backward multiplies by Whh",
}
SAMPLE_BUGS = {
    "temperature_multiplies": "it is softmax(y * temperature): divide the scores by the temperature",
    "no_max_shift": "exp() of the scaled scores overflows (inf / inf = nan): subtract the maximum before exp()",
    "seed_every_step": "every step is fed the seed character: feed the character drawn at the previous step",
    "state_not_carried": "every step starts from the state given to sample(): carry the new hidden state from one "
    "step to the next",
}
COMPLETE_BUGS = {
    "starter_last_only": "only the starter's last character is fed: warm the state up on every starter character "
    "before it",
    "last_starter_twice": "the starter's last character is fed twice: warm up on all but the last, which then seeds "
    "the sampling",
    "seeded_with_first": "sampling is seeded with the starter's first character: it continues from the last",
    "given_state_ignored": "the given state h is ignored: start from it when one is given",
}

LOSS_OUTPUTS = (
    Output("hs", tensor="cache.hs (hidden states, stacked over layers)"),
    Output("probs", tensor="cache.probs"),
    Output("loss", tensor="returned loss"),
)
# The backward reads the loss's windows; completion is sampling after a warm-up, graded alike.
WINDOWS = Cases(WINDOW_SPECS, build_window)
BACKWARD_WINDOWS = Cases(WINDOW_SPECS, build_backward)
SAMPLES = Cases(SAMPLE_SPECS, build_sample)
COMPLETIONS = Cases(COMPLETE_SPECS, build_complete)
STEPS = (
    Step("char_rnn_loss", "CharRNN.forward", WINDOWS, run_loss, LOSS_OUTPUTS, locate=locate_hidden, bugs=LOSS_BUGS),
    Step("char_rnn_backward", "CharRNN.backward", BACKWARD_WINDOWS, run_backward, GRAD_OUTPUTS, bugs=BACKWARD_BUGS),
    Step("char_rnn_sample", "sample", SAMPLES, run_sample, SAMPLE_OUTPUTS, bugs=SAMPLE_BUGS),
    Step("char_rnn_complete", "complete", COMPLETIONS, run_complete, SAMPLE_OUTPUTS, bugs=COMPLETE_BUGS),
)
