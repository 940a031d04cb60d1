"""Step `poem_generate`: gen_poem of hw/poems (torch), greedy generation from fixed weights.

The student's gen_poem runs the student's RNN_model (so this step depends on poem_model)
holding the case's weights; its poem must equal the greedy poem character for character.
The case builder tunes E's bias so that generation ends at E a few characters in, or never.
"""

import numpy as np

from autograder.cases import Case
from autograder.locators import as_locator
from autograder.steps import Cases, Output, Outputs, Spec, Step
from autograder.steps._poems import (
    END,
    PAD,
    POEM_CHARS,
    START,
    WrongBehaviour,
    build_weights,
    decode_text,
    encode_text,
    new_model,
    zero_state,
)
from autograder.steps._specs import Described
from autograder.steps._student import student_attr
from autograder.tolerance import Tolerance

DRAWS = 200  # candidate weights drawn at most for one case


def generation_vocab(V: int) -> str:
    """-> a vocabulary of V characters: G and E among poem characters, PAD last."""
    chars = list(POEM_CHARS[: V - 3])
    chars.insert(1, START)
    chars.insert(min(4, len(chars)), END)
    return "".join(chars) + PAD


def logits_along_greedy_paths(
    ws: list[dict[str, np.ndarray]], vocab: str, begins: list[str], max_length: int
) -> np.ndarray:
    """Run greedy generation in numpy for N candidate weights side by side, with E never chosen.

    ws: N weight sets of the same sizes; begins: N begin words of the same length
    -> the logits of each choice up to the length limit, of shape (N, max_length - begin length, V).
    Each candidate's numbers are those of feeding it alone (stacked products and elementwise functions
    give each its own values), at the cost of one candidate's numpy calls.
    """
    stacked = {key: np.stack([w[key] for w in ws]) for key in ws[0]}
    N, V = len(ws), len(vocab)
    state = [(np.zeros((N, len(h))), np.zeros((N, len(c)))) for h, c in zero_state(ws[0])]
    choices = max_length - len(begins[0])
    rows = np.empty((N, max(choices, 0), V))
    not_end = np.arange(V) != vocab.index(END)
    state, row = _feed_all(stacked, state, np.full(N, vocab.index(START)))
    for k in range(len(begins[0])):
        state, row = _feed_all(stacked, state, np.array([vocab.index(b[k]) for b in begins]))
    for k in range(choices):
        rows[:, k] = row
        if k + 1 < choices:  # the last choice needs no logits after it
            state, row = _feed_all(stacked, state, np.argmax(np.where(not_end, row, -np.inf), axis=1))
    return rows


def _feed_all(
    w: dict[str, np.ndarray], state: list[tuple[np.ndarray, np.ndarray]], indices: np.ndarray
) -> tuple[list[tuple[np.ndarray, np.ndarray]], np.ndarray]:
    """Feed one index to each of N candidates at once (autograder.steps._poems.feed, stacked).

    w: weights stacked (N, ...); state: (h, c) of shape (N, H) per layer; indices: (N,)
    -> (the new state, logits (N, V)), each candidate's row what feed gives it alone.
    """
    x = w["embedding"][np.arange(len(indices)), indices]
    new_state = []
    for layer, (h, c) in enumerate(state):
        a = (
            (w[f"weight_ih_l{layer}"] @ x[:, :, None])[:, :, 0]
            + w[f"bias_ih_l{layer}"]
            + (w[f"weight_hh_l{layer}"] @ h[:, :, None])[:, :, 0]
            + w[f"bias_hh_l{layer}"]
        )
        H = h.shape[1]
        s = 1.0 / (1.0 + np.exp(-a))
        c = s[:, H : 2 * H] * c + s[:, :H] * np.tanh(a[:, 2 * H : 3 * H])
        h = s[:, 3 * H :] * np.tanh(c)
        new_state.append((h, c))
        x = h
    return new_state, (w["fc_weight"] @ x[:, :, None])[:, :, 0] + w["fc_bias"]


def _end_bias(rows: np.ndarray, end: int, least: int) -> float | None:
    """Find E's bias: rows (choices, V), the logits of each greedy choice -> what to add to it.

    With it, greedy generation first picks E after `least` or more characters, with a margin of at
    least 0.05 at every step up to there; None if these weights allow no such step.
    """
    if not len(rows):
        return None
    gaps = np.max(np.delete(rows, end, axis=1), axis=1) - rows[:, end]  # how far E is from winning
    for k in range(least, len(gaps)):
        below = gaps[:k].min()
        if gaps[k] + 0.1 < below:
            return float(gaps[k] + min(0.5, (below - gaps[k]) / 2))
    return None


def _clear_choices(rows: np.ndarray, end: int) -> bool:
    """Whether every greedy choice (E aside) wins by more than rounding could ever change (rows (choices, V))."""
    if not len(rows):
        return True
    top = np.sort(np.delete(rows, end, axis=1), axis=1)
    return top.shape[1] < 2 or not np.any(top[:, -1] - top[:, -2] < 1e-6)


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> weights, vocab (code points (V,)), begin (code points), max_length.

    For the flavour `ends`, E's bias is set so that E first wins the argmax partway through
    (with a clear margin at every step); for `limit`, so that it never does.
    """
    V, E, H = spec["vocab"], spec["embedding"], spec["hidden"]
    vocab = generation_vocab(V)
    usable = [c for c in vocab if c not in (START, END, PAD)]
    end = vocab.index(END)
    # Draw until every greedy choice is clear (and, for `ends`, until the weights let E come a few characters in).
    # Candidates are drawn in order, as one at a time would draw them, and their paths run in batches (most
    # `ends` draws fail); the draws after the one taken only leave this case's own generator further on.
    found, drawn = None, 0
    while found is None and drawn < DRAWS:
        batch = min(DRAWS - drawn, 4 << min(drawn // 4, 3)) if spec["stop"] != "unknown" else 1
        candidates = []
        for _ in range(batch):
            w = build_weights(rng, V, E, H)
            candidates.append((w, "".join(usable[i] for i in rng.integers(0, len(usable), size=spec["begin"]))))
        drawn += batch
        if spec["stop"] == "unknown":
            found = candidates[0]
            break
        paths = logits_along_greedy_paths(
            [w for w, _ in candidates], vocab, [b for _, b in candidates], spec["max_length"]
        )
        for (w, begin), rows in zip(candidates, paths):
            if not _clear_choices(rows, end):
                continue
            if spec["stop"] != "ends":
                found = w, begin
                break
            bias = _end_bias(rows, end, spec.get("least", 4))
            if bias is not None:
                w["fc_bias"][end] += bias
                found = w, begin
                break
    if found is None:
        raise RuntimeError(f"no weights found for case {spec.desc!r}")
    w, begin = found
    if spec["stop"] == "limit":
        w["fc_bias"][end] = -50.0
    if spec["stop"] == "unknown":
        begin = begin[:-1] + "Z"
    return {**w, "vocab": encode_text(vocab), "begin": encode_text(begin), "max_length": np.array(spec["max_length"])}


def run(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's gen_poem() with the case's model; store the poem's code points in out."""
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
                raise WrongBehaviour(
                    f"gen_poem raised ValueError({str(exc)[:80]!r}) for begin word {begin!r}, "
                    f"but the message must name the unknown character {unknown[0]!r}"
                ) from None
            out["unknown_begin"] = np.array(1.0)
            return
        raise WrongBehaviour(
            f"gen_poem({begin!r}) returned {str(poem)[:40]!r}, but {unknown[0]!r} is not in the "
            "vocabulary: it must raise ValueError naming the character"
        )
    poem = gen_poem(model, begin, word_int_map, int_word_map, max_length=int(inputs["max_length"]))
    if not isinstance(poem, str):
        raise TypeError(f"gen_poem must return the poem as a str, got {type(poem).__name__}")
    out["poem"] = encode_text(poem).astype(np.float64)


@as_locator
def locate(case: Case, produced: Outputs, tolerance: Tolerance) -> list[str]:
    """-> the poems as text and the first character that differs."""
    got = produced.get("poem")
    if "poem" not in case.expected or not isinstance(got, np.ndarray):
        return []
    exp_text, got_text = decode_text(case.expected["poem"]), decode_text(got)
    first = next(
        (k for k in range(min(len(exp_text), len(got_text))) if exp_text[k] != got_text[k]),
        min(len(exp_text), len(got_text)),
    )
    lines = [
        f"expected poem {exp_text!r} ({len(exp_text)} characters)",
        f"got poem      {got_text!r} ({len(got_text)} characters)",
    ]
    if first == len(exp_text) and len(got_text) > first:
        lines.append(
            f"it goes on after the end: at character {first} the greedy choice is the end token E "
            f"(stop there) or the length limit {int(case.inputs['max_length'])} is reached"
        )
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

_BEGIN = Described("V {vocab}, begin word of {begin}")
_ENDS = _BEGIN.then(", stops at the end token E")
_LIMIT = _BEGIN.then(", stops at the length limit {max_length}")
SPECS = (
    _ENDS(vocab=10, embedding=4, hidden=5, begin=1, max_length=20, stop="ends"),
    _ENDS(vocab=14, embedding=5, hidden=4, begin=2, max_length=16, stop="ends"),
    _LIMIT(vocab=8, embedding=3, hidden=6, begin=1, max_length=12, stop="limit"),
    _BEGIN.then(", length limit {max_length}: the begin word alone")(
        vocab=9, embedding=3, hidden=3, begin=3, max_length=3, stop="limit"
    ),
    Described("V {vocab}, begin word ending in 'Z', which is not in the vocabulary: ValueError naming it")(
        vocab=8, embedding=3, hidden=3, begin=2, max_length=10, stop="unknown"
    ),
)

OUTPUTS = (
    Output("poem", tensor="the poem's characters (code points)"),
    Output("unknown_begin", tensor="ValueError for a begin word outside the vocabulary"),
)
STEPS = (Step("poem_generate", "gen_poem", Cases(SPECS, build), run, OUTPUTS, locate=locate, bugs=BUGS),)
