"""Step `poem_generate`: gen_poem of hw/poems (torch), greedy generation from fixed weights.

The student's gen_poem runs the student's RNN_model (so this step depends on poem_model)
holding the case's weights; its poem must equal the greedy poem character for character.
The case builder tunes E's bias so that generation ends at E a few characters in, or never.
"""

import numpy as np

from autograder.cases import Case
from autograder.steps import Output, Outputs, Spec, Step
from autograder.steps._poems import (
    END,
    PAD,
    POEM_CHARS,
    START,
    WrongBehaviour,
    build_weights,
    decode_text,
    encode_text,
    feed,
    new_model,
    zero_state,
)
from autograder.steps._student import student_attr
from autograder.tolerance import Tolerance


def generation_vocab(V: int) -> str:
    """-> a vocabulary of V characters: G and E among poem characters, PAD last."""
    chars = list(POEM_CHARS[: V - 3])
    chars.insert(1, START)
    chars.insert(min(4, len(chars)), END)
    return "".join(chars) + PAD


def logits_along_greedy_path(w: dict[str, np.ndarray], vocab: str, begin: str,
                             max_length: int) -> list[np.ndarray]:
    """The logits of each choice of greedy generation in numpy, with E never chosen, up to the length limit."""
    state, row = feed(w, zero_state(w), vocab.index(START))
    for c in begin:
        state, row = feed(w, state, vocab.index(c))
    not_end = np.arange(len(vocab)) != vocab.index(END)
    choices = max_length - len(begin)
    rows: list[np.ndarray] = []
    for k in range(choices):
        rows.append(row)
        if k + 1 < choices:  # the last choice needs no logits after it
            state, row = feed(w, state, int(np.argmax(np.where(not_end, row, -np.inf))))
    return rows


def _end_bias(rows: list[np.ndarray], end: int, least: int) -> float | None:
    """rows: the logits of each greedy choice -> what to add to E's bias so that greedy generation first
    picks E after `least` or more characters, with a margin of at least 0.05 at every step up to there;
    None if these weights allow no such step."""
    if not rows:
        return None
    logits = np.array(rows)
    gaps = np.max(np.delete(logits, end, axis=1), axis=1) - logits[:, end]  # how far E is from winning
    for k in range(least, len(gaps)):
        below = gaps[:k].min()
        if gaps[k] + 0.1 < below:
            return float(gaps[k] + min(0.5, (below - gaps[k]) / 2))
    return None


def _clear_choices(rows: list[np.ndarray], end: int) -> bool:
    """Whether every greedy choice (E aside) wins by more than rounding could ever change."""
    if not rows:
        return True
    top = np.sort(np.delete(np.array(rows), end, axis=1), axis=1)
    return top.shape[1] < 2 or not np.any(top[:, -1] - top[:, -2] < 1e-6)


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
    model = new_model(inputs)
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



# Known slips of the generation loop (tags of the alternatives autograder/oracles/poem_text.py computes).
BUGS = {
    "no_start_token": "it matches generating without the start token G: the model's input is G followed by the "
    "poem so far",
    "not_fed_back": "it matches a chosen character that is not fed back: each choice is appended to the model's "
    "input for the next step",
    "first_row": "it matches choosing from the first row of the logits: the next character comes from the last "
    "row (is_test=True returns it)",
    "no_begin_word": "it matches a poem without its begin word: the poem begins with the begin word, then the "
    "generated characters",
    "last_char_only": "it matches feeding only the last character each step: the model reads G and the whole poem "
    "so far, from zero states, at every step",
    "stops_early": "it matches stopping one character before the limit: generation goes on until the poem has "
    "max_length characters",
}

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
        bugs=BUGS,
    ),
)
