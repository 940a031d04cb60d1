"""Steps `greedy_search` and `beam_search`: mytorch/search.py.

A case is `y_probs` (K + 1, T, 1), probabilities with the blank in row 0, and for beam
search `beam_width` (). The symbols are the first K letters of SYMBOLS. Returned paths
are compared as symbol codes (1 for SymbolSets[0], ...); beam search's merged scores as
`paths`, a (P, n) array of the codes of every returned path, zero-padded and sorted by
length then codes, with `scores` (P,) in that order. When a path differs, the message
also spells both as strings.
"""

import numpy as np

from autograder.locators.search import locate_path
from autograder.steps import Cases, Output, Outputs, Spec, Step
from autograder.steps._numbers import number
from autograder.steps._paths import SYMBOLS, decode, encode, encode_scores, symbols_of  # noqa: F401 (decode re-exported)
from autograder.steps._specs import Described
from autograder.steps._student import owned, student_attr


def build(rng: np.random.Generator, spec: Spec) -> dict[str, np.ndarray]:
    """-> y_probs (K + 1, T, 1) (plus beam_width () for beam search)."""
    K, T = spec["symbols"], spec["T"]
    scores = rng.standard_normal((K + 1, T)) * spec.get("scale", 1.0)
    if "pattern" in spec.params:
        # A fixed best alignment (runs, blanks between equal symbols) with random runners-up.
        scores[np.array(spec["pattern"]), np.arange(T)] += 4.0
    e = np.exp(scores - scores.max(axis=0))
    inputs = {"y_probs": (e / e.sum(axis=0))[:, :, None]}
    if "width" in spec.params:
        inputs["beam_width"] = np.array(spec["width"], dtype=np.int64)
    return inputs


def run_greedy(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's GreedySearch; store the path (as codes) and its probability in out."""
    symbols = symbols_of(inputs)
    result = student_attr("mytorch.search", "GreedySearch")(list(symbols), inputs["y_probs"])
    if not (isinstance(result, (tuple, list)) and len(result) == 2):  # the course unpacks it
        raise TypeError(f"GreedySearch must return (forward_path, forward_prob), got {type(result).__name__}")
    out["path"] = encode(result[0], symbols, "forward_path")
    out["prob"] = number(owned(result[1]), "forward_prob")


def run_beam(inputs: dict[str, np.ndarray], out: Outputs) -> None:
    """Run the student's BeamSearch; store the best path and the merged paths and scores (as arrays) in out."""
    symbols = symbols_of(inputs)
    result = student_attr("mytorch.search", "BeamSearch")(list(symbols), inputs["y_probs"], int(inputs["beam_width"]))
    if not (isinstance(result, (tuple, list)) and len(result) == 2):  # the course unpacks it
        raise TypeError(f"BeamSearch must return (bestPath, mergedPathScores), got {type(result).__name__}")
    out["best_path"] = encode(result[0], symbols, "bestPath")
    out["paths"], out["scores"] = encode_scores(result[1], symbols)


GREEDY_OUTPUTS = (
    Output("path", tensor="returned forward_path, as symbol codes (1 = SymbolSets[0])"),
    Output("prob", tensor="returned forward_prob"),
)
BEAM_OUTPUTS = (
    Output("best_path", tensor="returned bestPath, as symbol codes (1 = SymbolSets[0])"),
    Output("paths", tensor="the paths of mergedPathScores, as symbol codes sorted by length, then codes"),
    Output("scores", tensor="the scores of mergedPathScores, in that order"),
)

# A fixed best alignment, class 0 the blank (spelled a a - a b b - - c c - c): merging runs before dropping blanks
# gives "aabcc".
PATTERN = [1, 1, 0, 1, 2, 2, 0, 0, 3, 3, 0, 3]
BEST_ALIGNMENT = "best alignment " + " ".join(("-" + SYMBOLS)[k] for k in PATTERN)
ALL_TIED = "uniform probabilities: scores tie at every cutoff, and all tied survive"
_GREEDY = Described("{symbols:symbol}, T {T}")
GREEDY_SPECS = (
    _GREEDY(symbols=3, T=10),
    _GREEDY(BEST_ALIGNMENT + " (repeats and blanks)", symbols=3, T=12, pattern=PATTERN),
    _GREEDY(symbols=1, T=6),
    _GREEDY(symbols=4, T=1),
    _GREEDY("peaked outputs", symbols=8, T=40, scale=3.0),
    _GREEDY(symbols=20, T=300, scale=2.0),
    _GREEDY("the blank best at every step: an empty path", symbols=3, T=5, pattern=[0] * 5),
)
_BEAM = Described("width {width}, {symbols:symbol}, T {T}")
_EXHAUSTIVE = Described(
    "width {width}, wider than the number of paths: {symbols:symbol}, T {T} (every output sequence, exact)"
)
BEAM_SPECS = (
    _BEAM(symbols=3, T=6, width=1),
    _BEAM(symbols=3, T=8, width=2),
    _BEAM(symbols=4, T=10, width=3),
    _BEAM(BEST_ALIGNMENT, symbols=3, T=12, width=2, pattern=PATTERN, scale=0.5),
    _EXHAUSTIVE(symbols=2, T=5, width=100),
    _EXHAUSTIVE(symbols=3, T=5, width=1000),
    _BEAM(symbols=1, T=7, width=4),
    _BEAM(symbols=10, T=30, width=10),
    # Probabilities of 1/2 keep every score an exact power of two: the ties are exact.
    _BEAM(ALL_TIED, symbols=1, T=6, width=1, scale=0.0),
    _BEAM(ALL_TIED, symbols=1, T=8, width=3, scale=0.0),
    _BEAM("the blank best at every step: the empty path is the best", symbols=3, T=6, width=2, pattern=[0] * 6),
)

# Known bugs of decoding (tags of the alternatives autograder/oracles/search.py computes).
GREEDY_BUGS = {
    "blanks_first": "it matches removing the blanks before merging repeats: merge runs of the same class "
    "first, so 'a-a' gives 'aa'",
    "no_merge": "it matches dropping blanks without merging repeated symbols: 'aa' with no blank between is 'a'",
    "first_step_prob": "it is the probability of the first time step alone: forward_prob is the product of the "
    "best probability at every time step",
    "last_class_blank": "it matches the symbols read one row off (row k as SymbolSets[k], the last class as the "
    "blank): the blank is row 0 of y_probs, and row k + 1 is SymbolSets[k]",
    "blank_as_symbol": "it matches decoding the blank as a symbol (SymbolSets[-1]): the blank is row 0 of y_probs "
    "and is dropped from the path",
    "first_step_only": "it matches decoding the first time step alone: y_probs is (classes, time, batch), "
    "so the time steps are y_probs[:, t, 0]",
    "log_prob": "it is the log of forward_prob: forward_prob is the product of the best probabilities, not the sum "
    "of their logs",
    "sum_prob": "it is a sum over the time steps of the best probabilities: forward_prob is their product",
    "mean_prob": "it is the mean over the time steps of the best probabilities: forward_prob is their product",
    "blank_free_prob": "it leaves out the steps whose best class is the blank: forward_prob multiplies the best "
    "probability of every time step, blanks included",
}
BEAM_BUGS = {
    "lowest_score": "it is the path with the lowest merged score: bestPath has the highest",
    "separate_prune": "it matches pruning the paths ending in a blank and those ending in a symbol separately: "
    "both go into one ranking, and BeamWidth candidates survive in all",
    "prune_final": "it matches pruning once more after the last step: the final merge keeps every path",
    "unmerged_final": "it matches final scores that leave out the paths ending in a blank (or in a symbol): "
    "a path's final score adds both",
    "width_minus_one": "it matches keeping BeamWidth - 1 candidates at each pruning: the cutoff is the "
    "BeamWidth-th score, and every candidate scoring >= cutoff survives",
    "width_plus_one": "it matches keeping BeamWidth + 1 candidates at each pruning: the cutoff is the "
    "BeamWidth-th score (ranked[BeamWidth - 1]), not the next one",
    "no_prune": "it matches a search where nothing is pruned: before each step t >= 1 only the candidates scoring "
    ">= the BeamWidth-th score survive",
    "repeat_after_blank_merges": "it matches merging a repeated symbol after a blank: after a blank, a repeated "
    "symbol starts a new one ('a-' + 'a' is 'aa'); only after the same symbol does it extend nothing",
    "repeat_always_extends": "it matches always appending the symbol: a repeated symbol after a symbol extends "
    "nothing ('a' + 'a' is 'a'); only after a blank is it a new symbol",
    "blank_start_one": "it matches starting the empty path at 1: at t = 0 the empty path starts at "
    "y_probs[0, 0, 0] (the blank's probability), like each symbol at its own",
    "blank_final_only": "it matches final scores that leave out the paths ending in a symbol: a path's final score "
    "adds its two candidates (ending in a blank, ending in a symbol)",
    "log_scores": "these are the logs of the merged scores: mergedPathScores holds the probabilities themselves",
    "best_of_blank_ending": "it is the best among the paths ending in a blank: bestPath has the largest merged "
    "score, both endings added",
}
GREEDY_CASES = Cases(GREEDY_SPECS, build)
BEAM_CASES = Cases(BEAM_SPECS, build)
STEPS = (
    Step(
        "greedy_search", "GreedySearch", GREEDY_CASES, run_greedy, GREEDY_OUTPUTS, locate=locate_path, bugs=GREEDY_BUGS
    ),
    Step("beam_search", "BeamSearch", BEAM_CASES, run_beam, BEAM_OUTPUTS, locate=locate_path, bugs=BEAM_BUGS),
)
