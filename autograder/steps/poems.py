"""Steps `poems_preprocess`, `poem_model`, `poem_generate`: the LSTM poem homework of hw/poems (torch).

Cases hold no torch objects, only arrays: text as Unicode code points (a corpus as its
lines joined by newlines), the model's weights under the names of torch's parameters
(`embedding` (V, E); `weight_ih_l0` (4H, E), `weight_hh_l0` (4H, H), `bias_ih_l0`,
`bias_hh_l0` (4H,), the same with `_l1`; `fc_weight` (V, H), `fc_bias` (V,)) and index
arrays. The student's code for these steps imports torch, so they are marked
`needs_torch`; torch is imported here only inside `run`.
"""

from typing import Any

import numpy as np

from autograder.cases import Case
from autograder.steps import Output, Outputs, Spec, Step
from autograder.steps._student import student_attr
from autograder.tolerance import Tolerance

START, END, PAD = "G", "E", " "
LAYERS = 2
# Characters the cases' corpora and vocabularies are made of.
POEM_CHARS = "日月山水风花雪夜春秋江湖海天云雨红青白人心中里长明清香远归来去孤城，。"
LSTM_PARAMS = tuple(f"{kind}_l{layer}" for layer in range(LAYERS)
                    for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))


class WrongBehaviour(Exception):
    """The student's code did something the homework rules out (the message says what)."""


def encode_text(text: str) -> np.ndarray:
    """text -> its code points, int64 (n,)."""
    return np.array([ord(c) for c in text], dtype=np.int64)


def decode_text(codes: np.ndarray) -> str:
    """code points (n,), any number dtype -> the text ('?' where a value is not a code point)."""
    out = []
    for c in np.asarray(codes).reshape(-1):
        ok = np.isfinite(c) and c == int(c) and 0 <= int(c) < 0x110000
        out.append(chr(int(c)) if ok else "?")
    return "".join(out)


# ---------------------------------------------------------------- poems_preprocess

def _content(rng: np.random.Generator, n: int, chars: str = POEM_CHARS) -> str:
    return "".join(chars[i] for i in rng.integers(0, len(chars), size=n))


def _corpus_lines(rng: np.random.Generator, spec: Spec) -> list[str]:
    kind = spec["corpus"]
    lines = []
    for _ in range(spec.get("poems", 6)):
        body = _content(rng, int(rng.integers(5, 21)))
        lines.append(body if kind == "content_only" else f"{_content(rng, 3)}:{body}")
    if kind == "skipped":
        for bad in ("_", "(", "（", "《", "[", START, END):
            k = int(rng.integers(1, 8))
            body = _content(rng, 10)
            lines.insert(int(rng.integers(0, len(lines) + 1)), f"{_content(rng, 2)}:{body[:k]}{bad}{body[k:]}")
    elif kind == "bounds":
        for n in (4, 5, 80, 81):
            lines.insert(int(rng.integers(0, len(lines) + 1)), f"{_content(rng, 2)}:{_content(rng, n)}")
    elif kind == "custom":
        lines += [f"t:{_content(rng, n)}" for n in (2, 3, 6, 7)] + [f"t:{_content(rng, 3)}#{_content(rng, 2)}"]
    elif kind == "ties":
        # Every character equally often: the order is the code points' alone.
        chars = list(POEM_CHARS[:8])
        lines = ["t:" + "".join(rng.permutation(chars)) for _ in range(5)]
    elif kind == "messy":
        lines += ["", "   ", f"题:{_content(rng, 3)} {_content(rng, 3)}\u3000{_content(rng, 3)}",
                  f"题:{_content(rng, 4)}:{_content(rng, 4)}", f" {_content(rng, 7)}\t"]
    return lines


def build_preprocess(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> corpus (code points of the lines joined by '\\n'), min_length, max_length, skip (code points)."""
    return {
        "corpus": encode_text("\n".join(_corpus_lines(rng, spec))),
        "min_length": np.array(spec.get("min_length", 5)),
        "max_length": np.array(spec.get("max_length", 80)),
        "skip": encode_text(spec.get("skip", "_(（《[")),
    }


def corpus_lines(inputs: dict[str, np.ndarray]) -> list[str]:
    return decode_text(inputs["corpus"]).split("\n")


def _as_map(value: Any, name: str, key_type: type, value_type: type) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict, got {type(value).__name__}")
    for k, v in value.items():
        if not (isinstance(k, key_type) and isinstance(v, value_type)):
            raise TypeError(f"{name} must map {key_type.__name__} -> {value_type.__name__}, "
                            f"got {k!r} -> {v!r}")
    return value


def run_preprocess(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    process_poems = student_attr("hw.poems.preprocess", "process_poems")
    corpus = process_poems(corpus_lines(inputs), min_length=int(inputs["min_length"]),
                           max_length=int(inputs["max_length"]), skip=decode_text(inputs["skip"]))
    vectors = [[int(i) for i in poem] for poem in corpus.poems_vector]
    out["lengths"] = np.array([len(v) for v in vectors], dtype=np.float64)
    int_word_map = _as_map(corpus.int_word_map, "int_word_map", int, str)
    word_int_map = _as_map(corpus.word_int_map, "word_int_map", str, int)
    if sorted(int_word_map) != list(range(len(int_word_map))):
        raise WrongBehaviour(f"int_word_map must have the keys 0 to {len(int_word_map) - 1}, "
                             f"got {sorted(int_word_map)[:10]}")
    out["int_word_map"] = np.array([ord(int_word_map[i]) for i in range(len(int_word_map))], dtype=np.float64)
    by_index = sorted(word_int_map.items(), key=lambda item: item[1])
    out["word_int_map"] = np.array([ord(w) for w, _ in by_index], dtype=np.float64)
    out["vectors"] = np.array([i for v in vectors for i in v], dtype=np.float64)


def locate_preprocess(case: Case, produced: Outputs, tolerance: Tolerance) -> list[str]:
    """Names the poem or the vocabulary entry that goes wrong first, as characters."""
    lines = []
    exp_len, got_len = case.expected["lengths"], produced.get("lengths")
    if isinstance(got_len, np.ndarray) and got_len.shape != exp_len.shape:
        lines.append(f"expected {exp_len.size} poems kept, got {got_len.size}: check which lines are skipped")
    for key in ("int_word_map", "word_int_map"):
        got = produced.get(key)
        if isinstance(got, np.ndarray) and got.ndim == 1:
            exp = case.expected[key]
            first = next((k for k in range(max(len(exp), len(got)))
                          if k >= min(len(exp), len(got)) or exp[k] != got[k]), None)
            if first is not None:
                e = repr(decode_text(exp[first:first + 1])) if first < len(exp) else "nothing"
                g = repr(decode_text(got[first:first + 1])) if first < len(got) else "nothing"
                lines.append(f"{key}: first difference at index {first}: expected {e}, got {g} "
                             f"(expected order: {decode_text(exp[:first + 3])!r}...)")
                break
    return lines


# ---------------------------------------------------------------- the model's weights, in numpy

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


def numpy_logits(w: dict[str, np.ndarray], indices: list[int]) -> np.ndarray:
    """One sequence through the model from zero states, in numpy -> logits (T, V). Used to build cases."""
    x = w["embedding"][indices]
    H = w["weight_hh_l0"].shape[1]
    for layer in range(LAYERS):
        h, c, states = np.zeros(H), np.zeros(H), []
        for t in range(len(indices)):
            a = w[f"weight_ih_l{layer}"] @ x[t] + w[f"bias_ih_l{layer}"] + w[f"weight_hh_l{layer}"] @ h \
                + w[f"bias_hh_l{layer}"]
            i, f, g, o = np.split(a, 4)
            sig = lambda z: 1.0 / (1.0 + np.exp(-z))  # noqa: E731
            c = sig(f) * c + sig(i) * np.tanh(g)
            h = sig(o) * np.tanh(c)
            states.append(h)
        x = np.array(states)
    return x @ w["fc_weight"].T + w["fc_bias"]


def _new_model(inputs: dict[str, np.ndarray]) -> Any:
    """The student's RNN_model for the case's sizes, checked for its configuration, holding the case's weights."""
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
    want = {"input_size": E, "hidden_size": H, "num_layers": LAYERS, "batch_first": True,
            "bidirectional": False, "bias": True, "proj_size": 0}
    for name, value in want.items():
        if getattr(lstm, name, None) != value:
            raise WrongBehaviour(f"RNN_model.rnn_lstm: expected {name}={value!r} (embedding {E}, hidden {H}), "
                                 f"got {name}={getattr(lstm, name, None)!r}")
    fc = getattr(model, "fc", None)
    if not isinstance(fc, nn.Linear) or (fc.in_features, fc.out_features) != (H, V):
        got = f"Linear({fc.in_features}, {fc.out_features})" if isinstance(fc, nn.Linear) else type(fc).__name__
        raise WrongBehaviour(f"RNN_model.fc must be nn.Linear({H}, {V}) (hidden -> vocabulary), got {got}")
    bound = float(np.sqrt(6.0 / (H + V)))
    largest = float(fc.weight.detach().abs().max())
    if largest > bound * (1 + 1e-6) or largest < bound / 4 or float(fc.bias.detach().abs().max()) != 0.0:
        raise WrongBehaviour(f"RNN_model.fc must be Xavier-initialised (weights uniform in +-{bound:.4g}, bias 0): "
                             f"got largest |weight| {largest:.4g}; keep self.apply(weights_init) after defining it")


def _logits(result: Any, what: str) -> np.ndarray:
    import torch

    if not isinstance(result, torch.Tensor):
        raise TypeError(f"{what} must return a torch.Tensor of logits, got {type(result).__name__}")
    return result.detach().cpu().to(torch.float64).numpy().copy()


# ---------------------------------------------------------------- poem_model

def build_model(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> weights, sentence (B, T) and test_sentence (1, T') of indices."""
    V, E, H = spec["vocab"], spec["embedding"], spec["hidden"]
    inputs = build_weights(rng, V, E, H)
    inputs["sentence"] = rng.integers(0, V, size=(spec["batch"], spec["steps"]))
    inputs["test_sentence"] = rng.integers(0, V, size=(1, spec.get("test_steps", spec["steps"])))
    return inputs


def run_model(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    import torch

    model = _new_model(inputs)
    sentence = torch.from_numpy(inputs["sentence"])
    out["logits"] = _logits(model(sentence, sentence.shape[0]), "forward(sentence, batch_size)")
    test = torch.from_numpy(inputs["test_sentence"])
    out["test_logits"] = _logits(model(test, 1, is_test=True), "forward(sentence, 1, is_test=True)")
    out["logits_again"] = _logits(model(sentence, sentence.shape[0]), "forward(sentence, batch_size)")


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def locate_model(case: Case, produced: Outputs, tolerance: Tolerance) -> list[str]:
    """Names a known slip when the produced logits are a known transform of the expected ones."""
    got, expected = produced.get("logits"), case.expected["logits"]
    if not isinstance(got, np.ndarray):
        return []
    B, T = case.inputs["sentence"].shape
    if got.shape == expected.shape and not tolerance.close(got, expected):
        time_major = expected.reshape(B, T, -1).transpose(1, 0, 2).reshape(B * T, -1)
        known = (
            (_softmax(expected), "these are softmax probabilities: return the logits (CrossEntropyLoss applies "
                                 "log-softmax itself)"),
            (np.log(_softmax(expected)), "these are log-softmax values: return the logits themselves"),
            (np.maximum(expected, 0.0), "negative logits are cut to 0: no ReLU after self.fc"),
            (time_major, "the rows are in time-major order (t * B + b): flatten the batch-first output "
                         "(B, T, H) so that row b * T + t is sample b at step t"),
        )
        return [f"hint: {why}" for alt, why in known if B * T > 1 and tolerance.close(got, alt)][:1]
    test, again = produced.get("test_logits"), produced.get("logits_again")
    if isinstance(test, np.ndarray) and tolerance.close(got, expected) and not tolerance.close(test, case.expected[
            "test_logits"]):
        return ["hint: in training mode the logits are right: with is_test=True return the last step's row, "
                "shape (1, V)"]
    if isinstance(again, np.ndarray) and tolerance.close(got, expected) and not tolerance.close(again, expected):
        return ["hint: the first call is right and a second call on the same batch is not: every call must "
                "start from zero hidden and cell states"]
    return []


# ---------------------------------------------------------------- poem_generate

def generation_vocab(V: int) -> str:
    """-> a vocabulary of V characters: G and E among poem characters, PAD last."""
    chars = list(POEM_CHARS[: V - 3])
    chars.insert(1, START)
    chars.insert(min(4, len(chars)), END)
    return "".join(chars) + PAD


def logits_along_greedy_path(w: dict[str, np.ndarray], vocab: str, begin: str,
                             max_length: int) -> list[np.ndarray]:
    """The logits of each choice of greedy generation in numpy, with E never chosen, up to the length limit."""
    fed = [vocab.index(c) for c in START + begin]
    not_end = np.arange(len(vocab)) != vocab.index(END)
    rows = []
    for _ in range(max_length - len(begin)):
        rows.append(numpy_logits(w, fed)[-1])
        fed = fed + [int(np.argmax(np.where(not_end, rows[-1], -np.inf)))]
    return rows


def _end_bias(rows: list[np.ndarray], end: int, least: int) -> float | None:
    """rows: the logits of each greedy choice -> what to add to E's bias so that greedy generation first
    picks E after `least` or more characters, with a margin of at least 0.05 at every step up to there;
    None if these weights allow no such step."""
    gaps = np.array([np.max(np.delete(r, end)) - r[end] for r in rows])  # how far E is from winning
    for k in range(least, len(gaps)):
        below = gaps[:k].min()
        if gaps[k] + 0.1 < below:
            return float(gaps[k] + min(0.5, (below - gaps[k]) / 2))
    return None


def _clear_choices(rows: list[np.ndarray], end: int) -> bool:
    """Whether every greedy choice (E aside) wins by more than rounding could ever change."""
    for r in rows:
        top = np.sort(np.delete(r, end))
        if len(top) > 1 and top[-1] - top[-2] < 1e-6:
            return False
    return True


def build_generate(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> weights, vocab (code points (V,)), begin (code points), max_length.

    For the flavour `ends`, E's bias is set so that E first wins the argmax partway through
    (with a clear margin at every step); for `limit`, so that it never does.
    """
    V, E, H = spec["vocab"], spec["embedding"], spec["hidden"]
    vocab = generation_vocab(V)
    usable = [c for c in vocab if c not in (START, END, PAD)]
    end = vocab.index(END)
    # Draw until every greedy choice is clear (and, for `ends`, until the weights let E come a few characters in).
    for _ in range(200):
        w = build_weights(rng, V, E, H)
        begin = "".join(usable[i] for i in rng.integers(0, len(usable), size=spec["begin"]))
        if spec["stop"] == "unknown":
            break
        rows = logits_along_greedy_path(w, vocab, begin, spec["max_length"])
        if not _clear_choices(rows, end):
            continue
        if spec["stop"] != "ends":
            break
        bias = _end_bias(rows, end, spec.get("least", 4))
        if bias is not None:
            w["fc_bias"][end] += bias
            break
    else:
        raise RuntimeError(f"no weights found for case {spec.desc!r}")
    if spec["stop"] == "limit":
        w["fc_bias"][end] = -50.0
    if spec["stop"] == "unknown":
        begin = begin[:-1] + "Z"
    return {**w, "vocab": encode_text(vocab), "begin": encode_text(begin),
            "max_length": np.array(spec["max_length"])}


def run_generate(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    gen_poem = student_attr("hw.poems.generate", "gen_poem")
    vocab, begin = decode_text(inputs["vocab"]), decode_text(inputs["begin"])
    word_int_map = {c: i for i, c in enumerate(vocab)}
    int_word_map = dict(enumerate(vocab))
    model = _new_model(inputs)
    unknown = [c for c in begin if c not in word_int_map]
    if unknown:
        try:
            poem = gen_poem(model, begin, word_int_map, int_word_map, max_length=int(inputs["max_length"]))
        except ValueError as exc:
            if repr(unknown[0]) not in str(exc) and unknown[0] not in str(exc):
                raise WrongBehaviour(f"gen_poem raised ValueError({str(exc)[:80]!r}) for begin word {begin!r}, "
                                     f"but the message must name the unknown character {unknown[0]!r}") from None
            out["unknown_begin"] = np.array(1.0)
            return
        raise WrongBehaviour(f"gen_poem({begin!r}) returned {str(poem)[:40]!r}, but {unknown[0]!r} is not in the "
                             "vocabulary: it must raise ValueError naming the character")
    poem = gen_poem(model, begin, word_int_map, int_word_map, max_length=int(inputs["max_length"]))
    if not isinstance(poem, str):
        raise TypeError(f"gen_poem must return the poem as a str, got {type(poem).__name__}")
    out["poem"] = encode_text(poem).astype(np.float64)


def locate_poem(case: Case, produced: Outputs, tolerance: Tolerance) -> list[str]:
    """The poems as text and the first character that differs."""
    got = produced.get("poem")
    if "poem" not in case.expected or not isinstance(got, np.ndarray):
        return []
    exp_text, got_text = decode_text(case.expected["poem"]), decode_text(got)
    first = next((k for k in range(min(len(exp_text), len(got_text))) if exp_text[k] != got_text[k]),
                 min(len(exp_text), len(got_text)))
    lines = [f"expected poem {exp_text!r} ({len(exp_text)} characters)",
             f"got poem      {got_text!r} ({len(got_text)} characters)"]
    if first == len(exp_text) and len(got_text) > first:
        lines.append(f"it goes on after the end: at character {first} the greedy choice is the end token E "
                     f"(stop there) or the length limit {int(case.inputs['max_length'])} is reached")
    elif first == len(got_text) and len(exp_text) > first:
        lines.append(f"it stops too early, after {first} characters")
    else:
        lines.append(f"first difference at character {first}")
    return lines


PREPROCESS_SPECS = (
    Spec("title:content lines, 6 poems", {"corpus": "titled"}),
    Spec("content-only lines, 8 poems", {"corpus": "content_only", "poems": 8}),
    Spec("lines with _ ( （ 《 [ or the tokens G, E inside are skipped", {"corpus": "skipped"}),
    Spec("contents of 4, 5, 80 and 81 characters: 5 to 80 are kept", {"corpus": "bounds"}),
    Spec("min_length 3, max_length 6, skip '#'", {"corpus": "custom", "min_length": 3, "max_length": 6, "skip": "#"}),
    Spec("every character equally often: ties go by code point", {"corpus": "ties"}),
    Spec("blank lines, whitespace inside the content, a second colon", {"corpus": "messy"}),
)

MODEL_SPECS = (
    Spec("V 9, embedding 4, hidden 3, batch 2, 5 steps", {"vocab": 9, "embedding": 4, "hidden": 3, "batch": 2,
                                                          "steps": 5}),
    Spec("V 12, embedding 6, hidden 5, batch 3, 7 steps; test 4 steps",
         {"vocab": 12, "embedding": 6, "hidden": 5, "batch": 3, "steps": 7, "test_steps": 4}),
    Spec("V 5, embedding 3, hidden 4, batch 1, 1 step", {"vocab": 5, "embedding": 3, "hidden": 4, "batch": 1,
                                                         "steps": 1}),
    Spec("V 7, embedding 2, hidden 6, batch 4, 3 steps; test 6 steps",
         {"vocab": 7, "embedding": 2, "hidden": 6, "batch": 4, "steps": 3, "test_steps": 6}),
)

GENERATE_SPECS = (
    Spec("V 10, begin word of 1, stops at the end token E",
         {"vocab": 10, "embedding": 4, "hidden": 5, "begin": 1, "max_length": 20, "stop": "ends"}),
    Spec("V 14, begin word of 2, stops at the end token E",
         {"vocab": 14, "embedding": 5, "hidden": 4, "begin": 2, "max_length": 16, "stop": "ends"}),
    Spec("V 8, begin word of 1, stops at the length limit 12",
         {"vocab": 8, "embedding": 3, "hidden": 6, "begin": 1, "max_length": 12, "stop": "limit"}),
    Spec("V 9, begin word of 3, length limit 3: the begin word alone",
         {"vocab": 9, "embedding": 3, "hidden": 3, "begin": 3, "max_length": 3, "stop": "limit"}),
    Spec("V 8, begin word ending in 'Z', which is not in the vocabulary: ValueError naming it",
         {"vocab": 8, "embedding": 3, "hidden": 3, "begin": 2, "max_length": 10, "stop": "unknown"}),
)

STEPS = (
    Step(
        id="poems_preprocess",
        target="process_poems",
        specs=PREPROCESS_SPECS,
        build=build_preprocess,
        run=run_preprocess,
        outputs=(
            Output("lengths", tensor="lengths of poems_vector (poems kept, G and E included)"),
            Output("int_word_map", tensor="int_word_map[0], int_word_map[1], ... (code points)"),
            Output("word_int_map", tensor="the characters of word_int_map by index (code points)"),
            Output("vectors", tensor="poems_vector, concatenated"),
        ),
        locate=locate_preprocess,
        batch_of=lambda spec: None,
    ),
    Step(
        id="poem_model",
        target="RNN_model.forward",
        specs=MODEL_SPECS,
        build=build_model,
        run=run_model,
        outputs=(
            Output("logits", tensor="logits (B * T, V), training mode"),
            Output("test_logits", tensor="logits (1, V) with is_test=True"),
            Output("logits_again", tensor="logits of a second call on the same batch (each call starts from zero "
                                          "states)"),
        ),
        tolerance=Tolerance(rtol=1e-6, atol=1e-9),
        locate=locate_model,
        batch_of=lambda spec: None,
        needs_torch=True,
    ),
    Step(
        id="poem_generate",
        target="gen_poem",
        specs=GENERATE_SPECS,
        build=build_generate,
        run=run_generate,
        outputs=(
            Output("poem", tensor="the poem's characters (code points)"),
            Output("unknown_begin", tensor="ValueError for a begin word outside the vocabulary"),
        ),
        locate=locate_poem,
        batch_of=lambda spec: None,
        needs_torch=True,
    ),
)
