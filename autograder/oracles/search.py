"""Oracles for `greedy_search` and `beam_search`.

Greedy search: torch.argmax and torch.max over the classes, compressed here.
Beam search: when the beam is at least as wide as the number of candidates, the
pinned rule never prunes, and the final scores are the exact probabilities of every
output sequence: enumerated here over all (K + 1)^T alignments. For narrower beams, an
implementation of the pinned rule written apart from the solution: candidates are
(path, ends in blank) pairs in one dict, extended per class. The same code with one
rule changed gives what a known slip produces (alternatives, for hints).
"""

import itertools

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._hints import hints_wanted
from autograder.oracles._torch import array, distinct, tensor
from autograder.steps._paths import encode, encode_scores, symbols_of

EXACT_LIMIT = 20_000  # alignments enumerated at most


def compress(alignment, merge: bool = True, blanks_first: bool = False) -> tuple[int, ...]:
    """Compress an alignment (a class per step, 0 the blank) into its output sequence of symbol classes."""
    seq = [int(k) for k in alignment]
    if blanks_first:
        seq = [k for k in seq if k != 0]
    if merge:
        seq = [k for i, k in enumerate(seq) if i == 0 or k != seq[i - 1]]
    return tuple(k for k in seq if k != 0)


def relabelled(alignment, blank: int, K: int) -> tuple[int, ...]:
    """Compress as the course loop `if k != blank and k != previous` does, with the blank at row `blank`.

    previous starts at 0. blank = K: rows 0 .. K - 1 read as the K symbols; blank = -1: no blank at all,
    row 0 read as SymbolSets[-1] (code K). Returns the output sequence as symbol codes.
    """
    seq, previous = [], 0
    for k in (int(a) for a in alignment):
        if k != blank and k != previous:
            seq.append(k + 1 if blank == K else (k if k else K))
        previous = k
    return tuple(seq)


def _as_str(seq: tuple[int, ...], symbols: list[str]) -> str:
    return "".join(symbols[k - 1] for k in seq)


def greedy_search(inputs: dict[str, np.ndarray]) -> Expected:
    """Take the most probable class at every step and compress the alignment.

    Inputs: y_probs (K + 1, T, 1), the blank at row 0. Returns path (the compressed path, encoded) and prob (),
    the product of the chosen probabilities.
    """
    symbols = symbols_of(inputs)
    y = tensor(inputs["y_probs"][:, :, 0])
    best_prob, best = torch.max(y, dim=0)
    alignment = array(best).astype(np.int64)
    out = {
        "path": encode(_as_str(compress(alignment), symbols), symbols, "path"),
        "prob": np.array(float(torch.prod(best_prob))),
    }
    if not hints_wanted():
        return Expected(out)
    slips = (("blanks_first", {"blanks_first": True}), ("no_merge", {"merge": False}))
    paths = {tag: encode(_as_str(compress(alignment, **kwargs), symbols), symbols, "path") for tag, kwargs in slips}
    K = len(symbols)
    paths["last_class_blank"] = np.array(relabelled(alignment, K, K), dtype=np.float64)
    paths["blank_as_symbol"] = np.array(relabelled(alignment, -1, K), dtype=np.float64)
    paths["first_step_only"] = encode(_as_str(compress(alignment[:1]), symbols), symbols, "path")
    best_each = array(best_prob)
    probs = {
        "first_step_prob": np.array(float(best_prob[0])),
        "log_prob": np.array(float(np.sum(np.log(best_each)))),
        "sum_prob": np.array(float(np.sum(best_each))),
        "mean_prob": np.array(float(np.mean(best_each))),
        "blank_free_prob": np.array(float(np.prod(best_each[alignment != 0]))),
    }
    return Expected(out, distinct({"path": paths, "prob": probs}, out))


def candidate_count_bound(K: int, T: int) -> int:
    """Bound the candidates any pruning of a T-step search over K symbols can see.

    Two endings per sequence of length <= T - 1.
    """
    return 2 * sum(K**n for n in range(T))


def exact_scores(y: np.ndarray, symbols: list[str]) -> dict[str, float]:
    """Sum the probabilities of every output sequence's alignments.

    y: probabilities of shape (K + 1, T). Returns output sequence -> its probability.
    """
    C, T = y.shape
    alignments = list(itertools.product(range(C), repeat=T))
    # Each alignment's product over its steps, all at once; summed per sequence in alignment order.
    probs = np.prod(y[np.array(alignments), np.arange(T)], axis=1)
    totals: dict[str, float] = {}
    for alignment, p in zip(alignments, probs.tolist()):
        key = _as_str(compress(alignment), symbols)
        totals[key] = totals.get(key, 0.0) + p
    return totals


def pinned_beam(y: np.ndarray, symbols: list[str], width: int, slip: str | None = None) -> dict[str, float]:
    """Score final paths by the rule pinned in BeamSearch's docstring (or a slip of it).

    y: probabilities of shape (K + 1, T). Returns final path -> score.
    """
    C, T = y.shape
    width = {
        "width_minus_one": max(width - 1, 1),
        "width_plus_one": width + 1,
        "no_prune": candidate_count_bound(C - 1, T),
    }.get(slip or "", width)
    beam: dict[tuple[str, bool], float] = {("", True): 1.0 if slip == "blank_start_one" else float(y[0, 0])}
    for k in range(1, C):
        beam[(symbols[k - 1], False)] = float(y[k, 0])
    for t in range(1, T):
        if slip == "separate_prune":
            kept = {}
            for ending in (True, False):
                part = {c: s for c, s in beam.items() if c[1] == ending}
                kept.update(_prune(part, width))
            beam = kept
        else:
            beam = _prune(beam, width)
        nxt: dict[tuple[str, bool], float] = {}
        for (path, in_blank), score in beam.items():
            for k in range(C):
                if k == 0:
                    key = (path, True)
                else:
                    c = symbols[k - 1]
                    same = path.endswith(c) and (slip == "repeat_after_blank_merges" or not in_blank)
                    same = same and slip != "repeat_always_extends"
                    key = (path if same else path + c, False)
                nxt[key] = nxt.get(key, 0.0) + score * float(y[k, t])
        beam = nxt
    if slip == "prune_final":
        beam = _prune(beam, width)
    final: dict[str, float] = {}
    for (path, in_blank), score in beam.items():
        if slip == "unmerged_final" and in_blank and (path, False) in beam:
            continue
        if slip == "blank_final_only" and not in_blank:
            continue
        final[path] = final.get(path, 0.0) + score
    return final


def _prune(beam: dict, width: int) -> dict:
    if len(beam) <= width:
        return dict(beam)
    cutoff = np.sort(np.array(list(beam.values())))[::-1][width - 1]
    return {c: s for c, s in beam.items() if s >= cutoff}


# Slips of the pinned rule, each computed by pinned_beam with that one rule changed.
PINNED_SLIPS = (
    "separate_prune",
    "prune_final",
    "unmerged_final",
    "width_minus_one",
    "width_plus_one",
    "no_prune",
    "repeat_after_blank_merges",
    "repeat_always_extends",
    "blank_start_one",
    "blank_final_only",
)


def beam_search(inputs: dict[str, np.ndarray]) -> Expected:
    """Find every final path's score and the best path, exactly where the beam never prunes.

    Inputs: y_probs (K + 1, T, 1), beam_width (). Returns best_path (encoded), paths and scores (one per final
    path, encoded).
    """
    symbols = symbols_of(inputs)
    y = inputs["y_probs"][:, :, 0]
    C, T = y.shape
    width = int(inputs["beam_width"])
    if width >= candidate_count_bound(C - 1, T) and C**T <= EXACT_LIMIT:
        scores = exact_scores(y, symbols)
    else:
        scores = pinned_beam(y, symbols, width)
    best = max(scores, key=scores.__getitem__)
    out = {"best_path": encode(best, symbols, "best")}
    out["paths"], out["scores"] = encode_scores(scores, symbols)
    if not hints_wanted():
        return Expected(out)
    alternatives: dict[str, dict[str, np.ndarray]] = {"paths": {}, "scores": {}, "best_path": {}}
    for slip in PINNED_SLIPS:
        if slip == "no_prune" and C**T > EXACT_LIMIT:
            continue  # too many candidates to follow them all
        alt = pinned_beam(y, symbols, width, slip)
        alternatives["paths"][slip], alternatives["scores"][slip] = encode_scores(alt, symbols)
        alternatives["best_path"][slip] = encode(max(alt, key=alt.__getitem__), symbols, "best")
    alternatives["best_path"]["lowest_score"] = encode(min(scores, key=scores.__getitem__), symbols, "best")
    alternatives["scores"]["log_scores"] = np.log(out["scores"])
    blank_ending = pinned_beam(y, symbols, width, "blank_final_only")
    alternatives["best_path"]["best_of_blank_ending"] = encode(
        max(blank_ending, key=blank_ending.__getitem__), symbols, "best"
    )
    return Expected(out, distinct(alternatives, out))


ORACLES = {"greedy_search": greedy_search, "beam_search": beam_search}
