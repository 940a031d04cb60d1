"""Decoder outputs as arrays: a path (str) as symbol codes, and beam search's merged scores as two arrays.

Codes count from 1 (SymbolSets[0] is 1; 0 pads), so paths of different
lengths stack into one zero-padded array that a plain comparison can judge.
"""

from typing import Any

import numpy as np

from autograder.locators.search import SYMBOLS, decode
from autograder.steps._numbers import number

__all__ = ["SYMBOLS", "decode", "encode", "encode_scores", "symbols_of"]


def symbols_of(inputs: dict[str, np.ndarray]) -> list[str]:
    return list(SYMBOLS[: inputs["y_probs"].shape[0] - 1])


def encode(path: Any, symbols: list[str], what: str) -> np.ndarray:
    """-> a returned path (str) as its codes as float64 (n,); anything else is an error naming `what`."""
    if not isinstance(path, str):
        raise TypeError(f"{what} must be a str (symbols joined, e.g. 'abc'), got {type(path).__name__}")
    unknown = sorted(set(path) - set(symbols))
    if unknown:
        raise ValueError(f"{what} {path[:60]!r} holds {unknown[0]!r}, which is not in SymbolSets {symbols}")
    return np.array([symbols.index(c) + 1 for c in path], dtype=np.float64)


def encode_scores(scores: Any, symbols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """-> mergedPathScores (dict str -> number) as (paths (P, n) codes sorted by length then codes, scores (P,)).

    A score may be any number or a 1-element array (judged by its value, with a note).
    """
    if not isinstance(scores, dict):
        raise TypeError(f"mergedPathScores must be a dict path -> score, got {type(scores).__name__}")
    rows = []
    for path, score in scores.items():
        codes = encode(path, symbols, "a path of mergedPathScores")
        value = number(score, "a score of mergedPathScores")
        if not (isinstance(value, np.ndarray) and value.ndim == 0):
            raise TypeError(f"mergedPathScores[{path!r}] must be a number, got {type(score).__name__}")
        rows.append((len(codes), tuple(codes), float(value)))
    rows.sort()
    width = max((n for n, _, _ in rows), default=0)
    paths = np.zeros((len(rows), width))
    for i, (n, row, _) in enumerate(rows):
        paths[i, :n] = row
    return paths, np.array([s for _, _, s in rows], dtype=np.float64)
