"""Spelling wrong decoder outputs as strings (steps `greedy_search` and `beam_search`).

Paths are compared as arrays of symbol codes; when one is wrong, the message
also spells both as strings and lists the missing and unexpected paths of a
beam (compare() names a known slip the path matches).
"""

from typing import Any

import numpy as np

from autograder.cases import Case
from autograder.findings import Location
from autograder.locators import Evidence, located
from autograder.produced import Outputs
from autograder.tolerance import Tolerance

# The symbols a path may hold; a path is stored as their codes, counting from 1 (0 pads).
SYMBOLS = "abcdefghijklmnopqrstuvwxyz"


def decode(codes: np.ndarray) -> str:
    """Codes (n,) (0 is padding) -> the path as a str."""
    return "".join(SYMBOLS[int(c) - 1] for c in codes if 0 < c <= len(SYMBOLS) and c == int(c))


def _spelled(got: Any, expected: np.ndarray) -> str:
    if expected.ndim == 1:
        return f"'{decode(expected)}'"
    return "{" + ", ".join(f"'{decode(row)}'" for row in expected[:12]) + (", ..." if len(expected) > 12 else "") + "}"


def spelled_paths(ev: Evidence) -> list[str] | None:
    """Spell the first wrong path (or set of paths) as strings, with what a beam misses or adds."""
    case, produced = ev.case, ev.produced
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
        return lines + _tie_note(ev)
    return None


def _tie_note(ev: Evidence) -> list[str]:
    """Add a line when a beam's paths differ on a case whose scores tie at a pruning cutoff (it is there for it)."""
    got, expected = ev.produced.get("paths"), ev.case.expected.get("paths")
    if "beam_width" not in ev.case.inputs or not isinstance(got, np.ndarray) or expected is None:
        return []
    want, have = {decode(r) for r in expected}, {decode(r) for r in got}
    if not (have != want and ties_at_cutoff(ev.case.inputs["y_probs"][:, :, 0], int(ev.case.inputs["beam_width"]))):
        return []
    return [
        "scores tie at the cutoff in this case, and ties at the cutoff all survive: keep every candidate "
        "scoring >= the BeamWidth-th score, not the first BeamWidth of a sorted list"
    ]


def ties_at_cutoff(y: np.ndarray, width: int) -> bool:
    """Tell, for y (K + 1, T), whether some pruning of the pinned rule cuts in a tie (width-th score = the next)."""
    symbols = [chr(ord("a") + k) for k in range(y.shape[0] - 1)]
    beam = {("", True): float(y[0, 0]), **{(c, False): float(y[k + 1, 0]) for k, c in enumerate(symbols)}}
    for t in range(1, y.shape[1]):
        ranked = sorted(beam.values(), reverse=True)
        if len(ranked) > width:
            if ranked[width - 1] == ranked[width]:
                return True
            beam = {key: score for key, score in beam.items() if score >= ranked[width - 1]}
        nxt: dict[tuple[str, bool], float] = {}
        for (path, in_blank), score in beam.items():
            nxt[(path, True)] = nxt.get((path, True), 0.0) + score * float(y[0, t])
            for k, c in enumerate(symbols):
                key = (path if path.endswith(c) and not in_blank else path + c, False)
                nxt[key] = nxt.get(key, 0.0) + score * float(y[k + 1, t])
        beam = nxt
    return False


CHECKS = (spelled_paths,)


def locate_path(case: Case, produced: Outputs, tolerance: Tolerance) -> Location | None:
    """-> both paths spelled, and what a beam misses or adds."""
    return located(CHECKS, case, produced, tolerance)
