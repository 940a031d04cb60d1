"""Step `poems_preprocess`: process_poems of hw/poems on small corpora (plain Python: it needs no torch).

A corpus travels as the code points of its lines joined by newlines. The step compares the
number and lengths of the kept poems, both maps (as the characters in index order) and the
encoded poems, and names the first wrong vocabulary entry as a character.
"""

from typing import Any

import numpy as np

from autograder.cases import Case
from autograder.locators import as_locator
from autograder.steps import Cases, Output, Outputs, Spec, Step
from autograder.steps._poems import END, POEM_CHARS, START, WrongBehaviour, decode_text, encode_text
from autograder.steps._student import student_attr
from autograder.tolerance import Tolerance


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
        lines += [
            "",
            "   ",
            f"题:{_content(rng, 3)} {_content(rng, 3)}\u3000{_content(rng, 3)}",
            f"题:{_content(rng, 4)}:{_content(rng, 4)}",
            f" {_content(rng, 7)}\t",
        ]
    return lines


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> corpus (code points of the lines joined by newlines), min_length, max_length, skip (code points)."""
    return {
        "corpus": encode_text("\n".join(_corpus_lines(rng, spec))),
        "min_length": np.array(spec.get("min_length", 5)),
        "max_length": np.array(spec.get("max_length", 80)),
        "skip": encode_text(spec.get("skip", "_(（《[")),
    }


def corpus_lines(inputs: dict[str, np.ndarray]) -> list[str]:
    """-> the case's corpus as its lines."""
    return decode_text(inputs["corpus"]).split("\n")


def _is(x: Any, kind: type) -> bool:
    """isinstance, with numpy's integers as ints (an index from np.argsort is as good as any): a form only."""
    if kind is int:
        return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))
    return isinstance(x, kind)


def _as_map(value: Any, name: str, key_type: type, value_type: type) -> dict:
    if not isinstance(value, dict):
        raise TypeError(f"{name} must be a dict, got {type(value).__name__}")
    for k, v in value.items():
        if not (_is(k, key_type) and _is(v, value_type)):
            raise TypeError(f"{name} must map {key_type.__name__} -> {value_type.__name__}, got {k!r} -> {v!r}")
    return value


def run(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's process_poems() on the corpus; store the poems' vectors, lengths and word maps in out."""
    process_poems = student_attr("hw.poems.preprocess", "process_poems")
    corpus = process_poems(
        corpus_lines(inputs),
        min_length=int(inputs["min_length"]),
        max_length=int(inputs["max_length"]),
        skip=decode_text(inputs["skip"]),
    )
    vectors = [[int(i) for i in poem] for poem in corpus.poems_vector]
    out["lengths"] = np.array([len(v) for v in vectors], dtype=np.float64)
    int_word_map = _as_map(corpus.int_word_map, "int_word_map", int, str)
    word_int_map = _as_map(corpus.word_int_map, "word_int_map", str, int)
    if sorted(int_word_map) != list(range(len(int_word_map))):
        raise WrongBehaviour(
            f"int_word_map must have the keys 0 to {len(int_word_map) - 1}, got {sorted(int_word_map)[:10]}"
        )
    out["int_word_map"] = np.array([ord(int_word_map[i]) for i in range(len(int_word_map))], dtype=np.float64)
    by_index = sorted(word_int_map.items(), key=lambda item: item[1])
    out["word_int_map"] = np.array([ord(w) for w, _ in by_index], dtype=np.float64)
    out["vectors"] = np.array([i for v in vectors for i in v], dtype=np.float64)


def _poems(lengths: np.ndarray, vectors: np.ndarray, vocab: np.ndarray) -> list[str]:
    """-> the kept poems as text: vectors split by lengths, each index read through vocab (code points)."""
    text = decode_text(np.array([vocab[int(i)] if 0 <= i < len(vocab) and i == int(i) else -1 for i in vectors]))
    ends = np.cumsum(lengths.astype(np.int64))
    return [text[e - n : e] for e, n in zip(ends, lengths.astype(np.int64))]


def _first_poem_difference(case: Case, produced: Outputs) -> list[str]:
    lengths, vectors, vocab = (produced.get(k) for k in ("lengths", "vectors", "int_word_map"))
    if not (isinstance(lengths, np.ndarray) and isinstance(vectors, np.ndarray) and isinstance(vocab, np.ndarray)):
        return []
    if lengths.ndim != 1 or vectors.ndim != 1 or vocab.ndim != 1 or lengths.sum() != vectors.size:
        return []
    expected = _poems(case.expected["lengths"], case.expected["vectors"], case.expected["int_word_map"])
    mine = _poems(lengths, vectors, vocab)
    for k in range(max(len(expected), len(mine))):
        e = expected[k] if k < len(expected) else None
        g = mine[k] if k < len(mine) else None
        if e != g:
            return [f"kept poem {k} (read through int_word_map): expected {e!r:.60}, got {g!r:.60}"]
    return []


@as_locator
def locate(case: Case, produced: Outputs, tolerance: Tolerance) -> list[str]:
    """Names the poem or the vocabulary entry that goes wrong first, as characters."""
    lines = []
    exp_len, got_len = case.expected["lengths"], produced.get("lengths")
    if isinstance(got_len, np.ndarray) and got_len.shape != exp_len.shape:
        lines.append(f"expected {exp_len.size} poems kept, got {got_len.size}: check which lines are skipped")
    lines += _first_poem_difference(case, produced)
    for key in ("int_word_map", "word_int_map"):
        got = produced.get(key)
        if isinstance(got, np.ndarray) and got.ndim == 1:
            exp = case.expected[key]
            first = next(
                (k for k in range(max(len(exp), len(got))) if k >= min(len(exp), len(got)) or exp[k] != got[k]), None
            )
            if first is not None:
                e = repr(decode_text(exp[first : first + 1])) if first < len(exp) else "nothing"
                g = repr(decode_text(got[first : first + 1])) if first < len(got) else "nothing"
                lines.append(
                    f"{key}: first difference at index {first}: expected {e}, got {g} "
                    f"(expected order: {decode_text(exp[: first + 3])!r}...)"
                )
                break
    return lines


# Known slips of the pinned rules (tags of the alternatives autograder/oracles/poem_text.py computes).
BUGS = {
    "last_colon": "it matches splitting the title at the last colon: the title ends at the first ':' "
    "(the content may hold more colons)",
    "ties_first_appearance": "it matches ordering ties by first appearance (Counter.most_common keeps that order): "
    "characters with equal counts go by code point, smallest first",
    "exclusive_bounds": "it matches exclusive length bounds: both bounds are inclusive, "
    "min_length <= len(content) <= max_length",
    "pad_first": "it matches PAD placed first: PAD goes last, after every character of the poems",
    "whitespace_kept": "it matches whitespace kept inside the content: all whitespace is removed, not just at the ends",
    "ties_descending": "it matches ties in decreasing code point order: characters with equal counts go by ord(c), "
    "smallest first",
    "skip_not_checked": "it matches keeping lines that hold skip characters: a line with any of them is dropped",
    "no_tokens": "it matches poems without their tokens: each kept poem is G at the start and E at the end around "
    "its content",
    "no_min_length": "it matches no lower bound on the length: a content shorter than min_length is dropped",
    "counted_once_per_poem": "it matches counting each character once per poem: the vocabulary ranks characters by "
    "their number of occurrences in all poems",
}

SPECS = (
    Spec("title:content lines, 6 poems", {"corpus": "titled"}),
    Spec("content-only lines, 8 poems", {"corpus": "content_only", "poems": 8}),
    Spec("lines with _ ( （ 《 [ or the tokens G, E inside are skipped", {"corpus": "skipped"}),
    Spec("contents of 4, 5, 80 and 81 characters: 5 to 80 are kept", {"corpus": "bounds"}),
    Spec("min_length 3, max_length 6, skip '#'", {"corpus": "custom", "min_length": 3, "max_length": 6, "skip": "#"}),
    Spec("every character equally often: ties go by code point", {"corpus": "ties"}),
    Spec("blank lines, whitespace inside the content, a second colon", {"corpus": "messy"}),
)

OUTPUTS = (
    Output("lengths", tensor="lengths of poems_vector (poems kept, G and E included)"),
    Output("int_word_map", tensor="int_word_map[0], int_word_map[1], ... (code points)"),
    Output("word_int_map", tensor="the characters of word_int_map by index (code points)"),
    Output("vectors", tensor="poems_vector, concatenated"),
)
STEPS = (Step("poems_preprocess", "process_poems", Cases(SPECS, build), run, OUTPUTS, locate=locate, bugs=BUGS),)
