"""Locating the first wrong row of a CTC lattice (step `ctc_forward`).

Alpha (and its scaled form) is computed forward from t = 0 and beta backward
from t = T - 1, so the first wrong row in that order is where the recursion
first goes wrong; the message names the sequence of the batch and the
positions r of the extended target.
"""

import numpy as np

from autograder.cases import Case
from autograder.findings import Location
from autograder.locators import Evidence, located
from autograder.produced import Outputs
from autograder.tolerance import Tolerance


def first_wrong_row(ev: Evidence) -> list[str] | None:
    """Where the first wrong lattice goes wrong: the sequence, and the first frame in its recursion's order."""
    case, produced = ev.case, ev.produced
    for key, name, backward in (
        ("alpha_hat", "alpha_hat", False),
        ("beta_hat", "beta_hat", True),
        ("gamma", "gamma", False),
        ("alpha", "alpha", False),
        ("beta", "beta", True),
    ):
        got, expected = produced.get(key), case.expected.get(key)
        if not isinstance(got, np.ndarray) or expected is None or got.shape != expected.shape:
            continue
        bad = ~ev.tolerance.within(got, expected)
        if not bad.any():
            continue
        b = int(np.argwhere(bad)[0][0])
        frames = np.flatnonzero(bad[b].any(axis=1))
        t = int(frames[-1] if backward else frames[0])
        positions = [int(r) for r in np.flatnonzero(bad[b, t])]
        T = int(case.inputs["input_lengths"][b])
        edge = (
            " (its first row: the start)"
            if t == 0 and not backward
            else (" (its last row: the end)" if t == T - 1 and backward else "")
        )
        order = "going backward from t = T - 1" if backward else "going forward from t = 0"
        return [f"first wrong row of {name}, {order}: sequence b = {b}, t = {t}{edge}, positions r = {positions}"]
    return None


CHECKS = (first_wrong_row,)


def locate(case: Case, produced: Outputs, tolerance: Tolerance) -> Location | None:
    """-> the first wrong row of the first wrong lattice, in its recursion's order."""
    return located(CHECKS, case, produced, tolerance)
