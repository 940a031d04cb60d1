"""Steps `greedy_search` and `beam_search`: mytorch/search.py.

A case is `y_probs` (K + 1, T, 1), probabilities with the blank in row 0, and for beam
search `beam_width` (). The symbols are the first K letters of SYMBOLS. Returned paths
are compared as symbol codes (1 for SymbolSets[0], ...); beam search's merged scores as
`paths`, a (P, n) array of the codes of every returned path, zero-padded and sorted by
length then codes, with `scores` (P,) in that order. When a path differs, the message
also spells both as strings.
"""

from typing import Any

import numpy as np

from autograder.compare import KNOWN_BUGS
from autograder.steps import Case, Output, Spec, Step
from autograder.steps._student import student_attr

SYMBOLS = "abcdefghijklmnopqrstuvwxyz"


def symbols_of(inputs: dict[str, np.ndarray]) -> list[str]:
    return list(SYMBOLS[: inputs["y_probs"].shape[0] - 1])


def encode(path: Any, symbols: list[str], what: str) -> np.ndarray:
    """A returned path (str) -> its codes as float64 (n,); anything else is an error naming `what`."""
    if not isinstance(path, str):
        raise TypeError(f"{what} must be a str (symbols joined, e.g. 'abc'), got {type(path).__name__}")
    unknown = sorted(set(path) - set(symbols))
    if unknown:
        raise ValueError(f"{what} {path[:60]!r} holds {unknown[0]!r}, which is not in SymbolSets {symbols}")
    return np.array([symbols.index(c) + 1 for c in path], dtype=np.float64)


def decode(codes: np.ndarray) -> str:
    """Codes (n,) (0 is padding) -> the path as a str."""
    return "".join(SYMBOLS[int(c) - 1] for c in codes if 0 < c <= len(SYMBOLS) and c == int(c))


def encode_scores(scores: Any, symbols: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """mergedPathScores (dict str -> number) -> (paths (P, n) codes sorted by length then codes, scores (P,))."""
    if not isinstance(scores, dict):
        raise TypeError(f"mergedPathScores must be a dict path -> score, got {type(scores).__name__}")
    rows = []
    for path, score in scores.items():
        codes = encode(path, symbols, "a path of mergedPathScores")
        if not isinstance(score, (float, int, np.floating, np.integer)) or isinstance(score, (bool, np.bool_)):
            raise TypeError(f"mergedPathScores[{path!r}] must be a number, got {type(score).__name__}")
        rows.append((len(codes), tuple(codes), float(score)))
    rows.sort()
    width = max((n for n, _, _ in rows), default=0)
    paths = np.zeros((len(rows), width))
    for i, (n, codes, _) in enumerate(rows):
        paths[i, :n] = codes
    return paths, np.array([s for _, _, s in rows], dtype=np.float64)


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


def run_greedy(inputs: dict[str, np.ndarray], out: dict[str, object]) -> None:
    symbols = symbols_of(inputs)
    result = student_attr("mytorch.search", "GreedySearch")(list(symbols), inputs["y_probs"])
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"GreedySearch must return (forward_path, forward_prob), got {type(result).__name__}")
    out["path"] = encode(result[0], symbols, "forward_path")
    out["prob"] = result[1]


def run_beam(inputs: dict[str, np.ndarray], out: dict[str, object]) -> None:
    symbols = symbols_of(inputs)
    result = student_attr("mytorch.search", "BeamSearch")(list(symbols), inputs["y_probs"], int(inputs["beam_width"]))
    if not (isinstance(result, tuple) and len(result) == 2):
        raise TypeError(f"BeamSearch must return (bestPath, mergedPathScores), got {type(result).__name__}")
    out["best_path"] = encode(result[0], symbols, "bestPath")
    out["paths"], out["scores"] = encode_scores(result[1], symbols)


def _spelled(got: Any, expected: np.ndarray) -> str:
    if expected.ndim == 1:
        return f"'{decode(expected)}'"
    return "{" + ", ".join(f"'{decode(row)}'" for row in expected[:12]) + (", ..." if len(expected) > 12 else "") + "}"


def locate(case: Case, produced: dict[str, Any]) -> list[str]:
    """Spell the first wrong path (or set of paths) as strings, and name a known slip it matches."""
    for key in ("path", "best_path", "paths"):
        got, expected = produced.get(key), case.expected.get(key)
        if not isinstance(got, np.ndarray) or expected is None:
            continue
        if got.shape == expected.shape and np.array_equal(got, expected):
            continue
        lines = [f"expected {_spelled(expected, expected)}, got {_spelled(got, got)}"]
        if key == "paths":
            want = {decode(r) for r in expected}
            have = {decode(r) for r in got}
            missing, extra = sorted(want - have, key=len), sorted(have - want, key=len)
            if missing:
                lines.append("missing: " + ", ".join(f"'{p}'" for p in missing[:8]))
            if extra:
                lines.append("not expected: " + ", ".join(f"'{p}'" for p in extra[:8]))
        if got.shape != expected.shape:
            # compare() names slips only for equal shapes; a path of another length is matched here.
            for name, alt in case.expected.items():
                if name.startswith(key + "~") and alt.shape == got.shape and np.array_equal(alt, got):
                    tag = name.split("~", 1)[1]
                    lines.append("hint: " + KNOWN_BUGS.get(tag, f"it matches the known slip {tag!r}"))
                    break
        return lines
    return []


def _spec(desc: str, **params) -> Spec:
    return Spec(desc, params)


# Best alignment a a - a b b - - c c - c: merging runs before dropping blanks gives "aabcc".
PATTERN = [1, 1, 0, 1, 2, 2, 0, 0, 3, 3, 0, 3]
GREEDY_SPECS = (
    _spec("3 symbols, T 10", symbols=3, T=10),
    _spec("3 symbols, T 12, best alignment a a - a b b - - c c - c (repeats and blanks)", symbols=3, T=12,
          pattern=PATTERN),
    _spec("1 symbol, T 6", symbols=1, T=6),
    _spec("4 symbols, T 1", symbols=4, T=1),
    _spec("8 symbols, T 40, peaked outputs", symbols=8, T=40, scale=3.0),
    _spec("20 symbols, T 300", symbols=20, T=300, scale=2.0),
)
BEAM_SPECS = (
    _spec("width 1, 3 symbols, T 6", symbols=3, T=6, width=1),
    _spec("width 2, 3 symbols, T 8", symbols=3, T=8, width=2),
    _spec("width 3, 4 symbols, T 10", symbols=4, T=10, width=3),
    _spec("width 2, 3 symbols, T 12, best alignment a a - a b b - - c c - c", symbols=3, T=12, width=2,
          pattern=PATTERN, scale=0.5),
    _spec("width 100, wider than the number of paths: 2 symbols, T 5 (every output sequence, exact)",
          symbols=2, T=5, width=100),
    _spec("width 1000, wider than the number of paths: 3 symbols, T 5 (every output sequence, exact)",
          symbols=3, T=5, width=1000),
    _spec("width 4, 1 symbol, T 7", symbols=1, T=7, width=4),
    _spec("width 10, 10 symbols, T 30", symbols=10, T=30, width=10),
)

PATH_WHERE = "returned forward_path, as symbol codes (1 = SymbolSets[0])"
STEPS = (
    Step(
        id="greedy_search",
        target="GreedySearch",
        specs=GREEDY_SPECS,
        build=build,
        run=run_greedy,
        outputs=(Output("path", tensor=PATH_WHERE), Output("prob", tensor="returned forward_prob")),
        locate=locate,
        batch_of=lambda spec: None,
    ),
    Step(
        id="beam_search",
        target="BeamSearch",
        specs=BEAM_SPECS,
        build=build,
        run=run_beam,
        outputs=(
            Output("best_path", tensor="returned bestPath, as symbol codes (1 = SymbolSets[0])"),
            Output("paths", tensor="the paths of mergedPathScores, as symbol codes sorted by length, then codes"),
            Output("scores", tensor="the scores of mergedPathScores, in that order"),
        ),
        locate=locate,
        batch_of=lambda spec: None,
    ),
)
