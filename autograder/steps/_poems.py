"""Shared by the poem steps (`poems_preprocess`, `poem_model`, `poem_generate`).

Tokens, text as arrays, the model's weights, and the student's model loaded with them.

Cases hold no torch objects, only arrays: text as Unicode code points (a corpus as its
lines joined by newlines), the model's weights under the names of torch's parameters
(`embedding` (V, E); `weight_ih_l0` (4H, E), `weight_hh_l0` (4H, H), `bias_ih_l0`,
`bias_hh_l0` (4H,), the same with `_l1`; `fc_weight` (V, H), `fc_bias` (V,)) and index
arrays. The student's model and generation code import torch; torch is imported here only
inside the functions a step's `run` calls.
"""

from typing import Any

import numpy as np

from autograder.steps._student import student_attr

START, END, PAD = "G", "E", " "
LAYERS = 2
# Characters the cases' corpora and vocabularies are made of.
POEM_CHARS = "日月山水风花雪夜春秋江湖海天云雨红青白人心中里长明清香远归来去孤城，。"
LSTM_PARAMS = tuple(
    f"{kind}_l{layer}" for layer in range(LAYERS) for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
)


class WrongBehaviour(Exception):
    """The student's code did something the homework rules out (the message says what)."""


def encode_text(text: str) -> np.ndarray:
    """-> text as its code points, int64 (n,)."""
    return np.array([ord(c) for c in text], dtype=np.int64)


def decode_text(codes: np.ndarray) -> str:
    """-> the text of code points (n,), any number dtype ('?' where a value is not a code point)."""
    out = []
    for c in np.asarray(codes).reshape(-1):
        ok = np.isfinite(c) and c == int(c) and 0 <= int(c) < 0x110000
        out.append(chr(int(c)) if ok else "?")
    return "".join(out)


def build_weights(rng: np.random.Generator, V: int, E: int, H: int) -> dict[str, np.ndarray]:
    """-> the embedding (V, E), both LSTM layers' parameters, fc_weight (V, H), fc_bias (V,)."""
    w = {"embedding": rng.uniform(-1.0, 1.0, size=(V, E))}
    for layer in range(LAYERS):
        width = E if layer == 0 else H
        w[f"weight_ih_l{layer}"] = rng.uniform(-1.0, 1.0, size=(4 * H, width))
        w[f"weight_hh_l{layer}"] = rng.uniform(-1.0, 1.0, size=(4 * H, H))
        w[f"bias_ih_l{layer}"] = rng.uniform(-0.5, 0.5, size=4 * H)
        w[f"bias_hh_l{layer}"] = rng.uniform(-0.5, 0.5, size=4 * H)
    w["fc_weight"] = rng.uniform(-2.0, 2.0, size=(V, H))
    w["fc_bias"] = rng.uniform(-0.5, 0.5, size=V)
    return w


def zero_state(w: dict[str, np.ndarray]) -> list[tuple[np.ndarray, np.ndarray]]:
    """-> the (h, c) of each LSTM layer before the first character, each of shape (H,)."""
    H = w["weight_hh_l0"].shape[1]
    return [(np.zeros(H), np.zeros(H)) for _ in range(LAYERS)]


def feed(
    w: dict[str, np.ndarray], state: list[tuple[np.ndarray, np.ndarray]], index: int
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """One character through the model in numpy: state (see zero_state), index -> (the new state, logits (V,))."""
    x = w["embedding"][index]
    new_state = []
    for (h, c), (ih, hh, b_ih, b_hh) in zip(state, _LAYER_KEYS):
        a = w[ih] @ x + w[b_ih] + w[hh] @ h + w[b_hh]
        # Gates i, f, g, o; the sigmoid taken once over all four (elementwise: the same values) is what
        # case building spends least on, as it runs this for every character of every candidate draw.
        H = len(h)
        s = _sigmoid(a)
        c = s[H : 2 * H] * c + s[:H] * np.tanh(a[2 * H : 3 * H])
        h = s[3 * H :] * np.tanh(c)
        new_state.append((h, c))
        x = h
    return new_state, w["fc_weight"] @ x + w["fc_bias"]


_LAYER_KEYS = [
    tuple(f"{kind}_l{layer}" for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")) for layer in range(LAYERS)
]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def numpy_logits(w: dict[str, np.ndarray], indices: list[int]) -> np.ndarray:
    """One sequence through the model from zero states, in numpy -> logits (T, V). Used to build cases."""
    state, rows = zero_state(w), []
    for index in indices:
        state, row = feed(w, state, index)
        rows.append(row)
    return np.array(rows)


def new_model(inputs: dict[str, np.ndarray]) -> Any:
    """-> the student's RNN_model for the case's sizes, checked for its configuration, holding the case's weights."""
    import torch

    V, E = inputs["embedding"].shape
    H = inputs["fc_weight"].shape[1]
    embedding = student_attr("hw.poems.model", "word_embedding")(V, E)
    model = student_attr("hw.poems.model", "RNN_model")(V, embedding, E, H)
    _check_configuration(model, V, E, H)
    model = model.double()
    with torch.no_grad():
        weight = next(p for p in model.word_embedding_lookup.parameters())
        weight.copy_(torch.from_numpy(inputs["embedding"]))
        for name in LSTM_PARAMS:
            getattr(model.rnn_lstm, name).copy_(torch.from_numpy(inputs[name]))
        model.fc.weight.copy_(torch.from_numpy(inputs["fc_weight"]))
        model.fc.bias.copy_(torch.from_numpy(inputs["fc_bias"]))
    return model


def _check_configuration(model: Any, V: int, E: int, H: int) -> None:
    from torch import nn

    lstm = getattr(model, "rnn_lstm", None)
    if not isinstance(lstm, nn.LSTM):
        raise WrongBehaviour(f"RNN_model.rnn_lstm must be an nn.LSTM, got {type(lstm).__name__}")
    want = {
        "input_size": E,
        "hidden_size": H,
        "num_layers": LAYERS,
        "batch_first": True,
        "bidirectional": False,
        "bias": True,
        "proj_size": 0,
    }
    for name, value in want.items():
        if getattr(lstm, name, None) != value:
            raise WrongBehaviour(
                f"RNN_model.rnn_lstm: expected {name}={value!r} (embedding {E}, hidden {H}), "
                f"got {name}={getattr(lstm, name, None)!r}"
            )
    fc = getattr(model, "fc", None)
    if not isinstance(fc, nn.Linear) or (fc.in_features, fc.out_features) != (H, V):
        got = f"Linear({fc.in_features}, {fc.out_features})" if isinstance(fc, nn.Linear) else type(fc).__name__
        raise WrongBehaviour(f"RNN_model.fc must be nn.Linear({H}, {V}) (hidden -> vocabulary), got {got}")
    bound = float(np.sqrt(6.0 / (H + V)))
    largest = float(fc.weight.detach().abs().max())
    if largest > bound * (1 + 1e-6) or largest < bound / 4 or float(fc.bias.detach().abs().max()) != 0.0:
        raise WrongBehaviour(
            f"RNN_model.fc must be Xavier-initialised (weights uniform in +-{bound:.4g}, bias 0): "
            f"got largest |weight| {largest:.4g}; keep self.apply(weights_init) after defining it"
        )


def logits_of(result: Any, what: str) -> np.ndarray:
    import torch

    if not isinstance(result, torch.Tensor):
        raise TypeError(f"{what} must return a torch.Tensor of logits, got {type(result).__name__}")
    return result.detach().cpu().to(torch.float64).numpy().copy()
