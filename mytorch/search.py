"""Decoding CTC outputs: greedy search and beam search.

Shape legend: K number of symbols, T input length. The network's outputs for one
sequence are probabilities y_probs of shape (K + 1, T, 1): row 0 is the blank, row
k + 1 is SymbolSets[k], and the last axis is a batch of one.

A path through the outputs (one class per time step) is compressed into an output
sequence by merging runs of the same class, then dropping blanks: "-aa-ab-" -> "aab".
See handout/ctc.md for the pinned beam search rule.
"""

import numpy as np


def GreedySearch(SymbolSets: list[str], y_probs: np.ndarray) -> tuple[str, float]:
    """Decode greedily: the most probable class at every time step, compressed.

    Inputs:
    - SymbolSets: the K symbols, single characters (the blank is not among them)
    - y_probs: probabilities, of shape (K + 1, T, 1)

    Returns a tuple of:
    - forward_path: the compressed best path, a str
    - forward_prob: the product over t of the largest probability at t, a float
    """
    # BEGIN SOLUTION hint: merge repeats before dropping blanks: "a-a" is "aa", "aa" is "a"
    probs = y_probs[:, :, 0]
    best = probs.argmax(axis=0)
    forward_prob = float(np.prod(probs.max(axis=0)))
    symbols = []
    previous = 0
    for k in best:
        if k != 0 and k != previous:
            symbols.append(SymbolSets[k - 1])
        previous = k
    return "".join(symbols), forward_prob
    # END SOLUTION


def BeamSearch(SymbolSets: list[str], y_probs: np.ndarray, BeamWidth: int) -> tuple[str, dict[str, float]]:
    """Decode by beam search over compressed paths, keeping paths that end in a blank apart.

    A candidate is a compressed path together with how its alignment ends (in a blank or
    in a symbol), with a score: the total probability of the alignments it stands for.
    - At t = 0 the candidates are "" ending in a blank (score y_probs[0, 0, 0]) and each
      symbol SymbolSets[k] ending in itself (score y_probs[k + 1, 0, 0]).
    - At every t >= 1: first prune: sort the scores of all candidates (both endings
      together) in decreasing order; the cutoff is the BeamWidth-th score (the last one
      when there are fewer); keep the candidates scoring >= cutoff. Then extend every
      kept candidate by every class of step t, multiplying its score by y_probs[class, t, 0]:
      a blank keeps the path and ends it in a blank; a symbol c appended to a path
      ending in a blank gives path + c; appended to a path ending in a symbol it gives
      the same path if c is its last symbol, else path + c. Candidates that arrive at the
      same path with the same ending add their scores.
    - After the last step nothing is pruned: a path's final score is the sum of its two
      candidates' scores (ending in a blank, ending in a symbol).

    Inputs:
    - SymbolSets: the K symbols, single characters
    - y_probs: probabilities, of shape (K + 1, T, 1)
    - BeamWidth: how many candidates survive each pruning (ties at the cutoff all survive)

    Returns a tuple of:
    - bestPath: the path with the largest final score, a str
    - mergedPathScores: dict path -> final score, for every path after the last step
    """
    # BEGIN SOLUTION hint: keep two dicts, path -> score for paths ending in a blank and for paths ending in a symbol
    probs = y_probs[:, :, 0]
    blank_scores = {"": probs[0, 0]}
    symbol_scores = {c: probs[k + 1, 0] for k, c in enumerate(SymbolSets)}
    for t in range(1, probs.shape[1]):
        ranked = sorted(list(blank_scores.values()) + list(symbol_scores.values()), reverse=True)
        cutoff = ranked[min(BeamWidth, len(ranked)) - 1]
        blank_kept = {p: s for p, s in blank_scores.items() if s >= cutoff}
        symbol_kept = {p: s for p, s in symbol_scores.items() if s >= cutoff}
        blank_scores, symbol_scores = {}, {}
        for path, score in list(blank_kept.items()) + list(symbol_kept.items()):
            blank_scores[path] = blank_scores.get(path, 0.0) + score * probs[0, t]
        for path, score in blank_kept.items():
            for k, c in enumerate(SymbolSets):
                symbol_scores[path + c] = symbol_scores.get(path + c, 0.0) + score * probs[k + 1, t]
        for path, score in symbol_kept.items():
            for k, c in enumerate(SymbolSets):
                extended = path if c == path[-1] else path + c
                symbol_scores[extended] = symbol_scores.get(extended, 0.0) + score * probs[k + 1, t]
    merged = dict(blank_scores)
    for path, score in symbol_scores.items():
        merged[path] = merged.get(path, 0.0) + score
    merged = {path: float(score) for path, score in merged.items()}
    best_path = max(merged, key=merged.__getitem__)
    return best_path, merged
    # END SOLUTION
