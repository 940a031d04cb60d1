"""Oracles for `poems_preprocess` and `poem_generate`: the pinned rules written independently.

Instructor-only (see autograder/release/contents.py): written out, these rules are the
homework's answer, so the student release checks these steps on the stored cases alone.
Preprocessing is plain Python with regular expressions; generation runs the torch model
of autograder/oracles/poems.py greedily.
"""

import re

import numpy as np
import torch

from autograder.oracles.poems import lstm_logits
from autograder.steps._poems import END, PAD, START, decode_text, encode_text
from autograder.steps.poems_preprocess import corpus_lines

_WHITESPACE = re.compile(r"\s+")


def _kept(line: str, low: int, high: int, skip: str) -> str | None:
    match = re.match(r"[^:]*:(.*)\Z", line, flags=re.S)
    content = _WHITESPACE.sub("", match.group(1) if match else line)
    if set(content) & set(skip + START + END) or not low <= len(content) <= high:
        return None
    return START + content + END


def poems_preprocess(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    low, high, skip = int(inputs["min_length"]), int(inputs["max_length"]), decode_text(inputs["skip"])
    poems = [p for p in (_kept(line, low, high, skip) for line in corpus_lines(inputs)) if p is not None]
    counts: dict[str, int] = {}
    for c in "".join(poems):
        counts[c] = counts.get(c, 0) + 1
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))  # str order is code point order
    vocab = "".join(c for c, _ in ranked) + PAD
    index = {c: i for i, c in enumerate(vocab)}
    codes = encode_text(vocab).astype(np.float64)
    return {
        "lengths": np.array([len(p) for p in poems], dtype=np.float64),
        "int_word_map": codes,
        "word_int_map": codes.copy(),
        "vectors": np.array([index[c] for c in "".join(poems)], dtype=np.float64),
    }


def poem_generate(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    vocab, begin = decode_text(inputs["vocab"]), decode_text(inputs["begin"])
    if any(c not in vocab for c in begin):
        return {"unknown_begin": np.array(1.0)}
    sequence = [vocab.index(c) for c in START + begin]
    limit = int(inputs["max_length"])
    with torch.no_grad():
        while len(sequence) - 1 < limit:
            last = lstm_logits(inputs, np.array([sequence]))[0, -1]
            nxt = int(torch.argmax(last))
            if vocab[nxt] == END:
                break
            sequence.append(nxt)
    return {"poem": encode_text("".join(vocab[i] for i in sequence[1:])).astype(np.float64)}


ORACLES = {"poems_preprocess": poems_preprocess, "poem_generate": poem_generate}
