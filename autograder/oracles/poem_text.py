"""Oracles for `poems_preprocess` and `poem_generate`: the pinned rules written independently.

Instructor-only (see autograder/release/contents.py): written out, these rules are the
homework's answer, so the student release checks these steps on the stored cases alone.
Preprocessing is plain Python with regular expressions; generation runs the torch model
of autograder/oracles/poems.py greedily.
"""

import re

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._hints import hints_wanted
from autograder.oracles._torch import distinct
from autograder.oracles.poems import LSTMSteps, lstm_logits
from autograder.steps._poems import END, PAD, START, decode_text, encode_text
from autograder.steps.poems_preprocess import corpus_lines

_WHITESPACE = re.compile(r"\s+")


def _kept(line: str, low: int, high: int, skip: str, slip: str | None = None) -> str | None:
    match = re.match(r"[^:]*:(.*)\Z" if slip != "last_colon" else r".*:(.*)\Z", line, flags=re.S)
    content = match.group(1) if match else line
    content = content.strip() if slip == "whitespace_kept" else _WHITESPACE.sub("", content)
    banned = (START + END) if slip == "skip_not_checked" else (skip + START + END)
    inside = low < len(content) < high if slip == "exclusive_bounds" else low <= len(content) <= high
    if slip == "no_min_length":
        inside = len(content) <= high
    if set(content) & set(banned) or not inside:
        return None
    return content if slip == "no_tokens" else START + content + END


def _order(poems: list[str], slip: str | None) -> str:
    """Order the kept poems' characters into the vocabulary.

    Most frequent first (ties by code point), PAD last, or as `slip` has it.
    """
    counts: dict[str, int] = {}
    for c in "".join("".join(sorted(set(p))) for p in poems) if slip == "counted_once_per_poem" else "".join(poems):
        counts[c] = counts.get(c, 0) + 1
    first = {c: i for i, c in reversed(list(enumerate("".join(poems))))}
    ties = {"ties_first_appearance": lambda c: first[c], "ties_descending": lambda c: -ord(c)}.get(slip or "", ord)
    ranked = sorted(counts, key=lambda c: (-counts[c], ties(c)))
    return PAD + "".join(ranked) if slip == "pad_first" else "".join(ranked) + PAD


def _processed(inputs: dict[str, np.ndarray], slip: str | None = None) -> dict[str, np.ndarray]:
    low, high, skip = int(inputs["min_length"]), int(inputs["max_length"]), decode_text(inputs["skip"])
    poems = [p for p in (_kept(line, low, high, skip, slip) for line in corpus_lines(inputs)) if p is not None]
    vocab = _order(poems, slip)
    index = {c: i for i, c in enumerate(vocab)}
    codes = encode_text(vocab).astype(np.float64)
    return {
        "lengths": np.array([len(p) for p in poems], dtype=np.float64),
        "int_word_map": codes,
        "word_int_map": codes.copy(),
        "vectors": np.array([index[c] for c in "".join(poems)], dtype=np.float64),
    }


# Slips of the pinned preprocessing rules (the step's catalog names them).
PREPROCESS_SLIPS = (
    "last_colon",
    "ties_first_appearance",
    "exclusive_bounds",
    "pad_first",
    "whitespace_kept",
    "ties_descending",
    "skip_not_checked",
    "no_tokens",
    "no_min_length",
    "counted_once_per_poem",
)


def poems_preprocess(inputs: dict[str, np.ndarray]) -> Expected:
    """Apply the pinned preprocessing rules to a corpus.

    Inputs: corpus (code points of the lines joined by newlines), min_length (), max_length (),
    skip (code points). Returns, for P kept poems over a vocabulary of V characters and S characters in all:
    lengths (P,), int_word_map and word_int_map (V,) (code points, by index), vectors (S,) (indices);
    with hints, the slips' outputs too.
    """
    values = _processed(inputs)
    if not hints_wanted():
        return Expected(values)
    alternatives: dict[str, dict[str, np.ndarray]] = {}
    for slip in PREPROCESS_SLIPS:
        for key, alt in _processed(inputs, slip).items():
            alternatives.setdefault(key, {})[slip] = alt
    return Expected(values, distinct(alternatives, values))


def _generated(inputs: dict[str, np.ndarray], slip: str | None = None) -> str:
    """Generate greedily from the begin word; return the poem (or what `slip` makes of it)."""
    vocab, begin = decode_text(inputs["vocab"]), decode_text(inputs["begin"])
    fed = [vocab.index(c) for c in (begin if slip == "no_start_token" else START + begin)]
    poem = "" if slip == "no_begin_word" else begin
    limit = int(inputs["max_length"]) - (1 if slip == "stops_early" else 0)
    with torch.no_grad():
        if slip in ("first_row", "last_char_only"):  # each step reads other rows than the prefix's last
            while len(poem) < limit:
                logits = lstm_logits(inputs, np.array([fed[-1:] if slip == "last_char_only" else fed]))[0]
                nxt = int(torch.argmax(logits[0 if slip == "first_row" else -1]))
                if vocab[nxt] == END:
                    break
                poem += vocab[nxt]
                fed.append(nxt)
            return poem
        # The model reads the start token and the poem so far from zero states at every step; its last row
        # is what the states kept from the step before give for the newest character.
        model = LSTMSteps(inputs)
        for index in fed:
            last = model.feed(index)
        while len(poem) < limit:
            nxt = int(torch.argmax(last))
            if vocab[nxt] == END:
                break
            poem += vocab[nxt]
            if slip != "not_fed_back":
                last = model.feed(nxt)
    return poem


# Slips of the generation loop (the step's catalog names them).
GENERATE_SLIPS = ("no_start_token", "not_fed_back", "first_row", "no_begin_word", "stops_early", "last_char_only")


def poem_generate(inputs: dict[str, np.ndarray]) -> Expected:
    """Generate a poem greedily from the begin word with the poem model.

    Inputs: the model's weights, vocab (V,) and begin (code points), max_length ().
    Returns poem (code points, up to max_length), or unknown_begin () when begin has a character outside vocab;
    with hints, the slips' outputs too.
    """
    vocab, begin = decode_text(inputs["vocab"]), decode_text(inputs["begin"])
    if any(c not in vocab for c in begin):
        return Expected({"unknown_begin": np.array(1.0)})
    values = {"poem": encode_text(_generated(inputs)).astype(np.float64)}
    if not hints_wanted():
        return Expected(values)
    alternatives = {"poem": {slip: encode_text(_generated(inputs, slip)).astype(np.float64) for slip in GENERATE_SLIPS}}
    return Expected(values, distinct(alternatives, values))


ORACLES = {"poems_preprocess": poems_preprocess, "poem_generate": poem_generate}
