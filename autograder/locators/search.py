"""Spelling wrong decoder outputs as strings (steps `greedy_search` and `beam_search`).

Paths are compared as arrays of symbol codes; when one is wrong, the message
also spells both as strings and lists the missing and unexpected paths of a
beam (compare() names a known slip the path matches).
"""

from typing import Any

import numpy as np

from autograder.cases import Case
from autograder.locators import Evidence, first_finding
from autograder.steps import Outputs
from autograder.steps._paths import decode
from autograder.tolerance import Tolerance


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
        return lines
    return None


CHECKS = (spelled_paths,)


def locate_path(case: Case, produced: Outputs, tolerance: Tolerance) -> list[str]:
    """-> both paths spelled, and what a beam misses or adds."""
    return first_finding(CHECKS, Evidence(case, produced, tolerance))
