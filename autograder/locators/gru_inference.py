"""Locating the first wrong time step of `inference()` (step `gru_inference`).

Trace: `hiddens` (T + 1, H), [0] zeros and [t + 1] the state after step t.
Records: `cell_calls`, the arguments of each GRUCell.forward call inference made.
"""

import numpy as np

from autograder.cases import Case
from autograder.findings import Location
from autograder.locators import Evidence, located
from autograder.produced import Outputs
from autograder.tolerance import Tolerance


def _first_wrong_row(ev: Evidence) -> int | None:
    got, want = ev.produced.get("logits"), ev.case.expected.get("logits")
    if "hiddens" not in ev.case.trace or want is None or not isinstance(got, np.ndarray) or got.shape != want.shape:
        return None
    return next((t for t in range(got.shape[0]) if not ev.close(got[t], want[t])), None)


def wrong_state_or_input(ev: Evidence) -> list[str] | None:
    """Say the first wrong row, and whether the cell got the right state and input there."""
    t = _first_wrong_row(ev)
    if t is None:
        return None
    lines = [f"inference: first mismatch at time step {t} (row {t} of its logits; earlier rows are right)"]
    states = ev.case.trace["hiddens"]
    calls = ev.produced.records.get("cell_calls") or []
    if len(calls) <= t:
        return lines
    h = calls[t].get("h")
    if not ev.close(h, states[t]):
        if t == 0:
            lines.append("the hidden state given to GRUCell.forward at time step 0 is not zeros")
        elif ev.close(h, states[0]):
            lines.append(
                f"at time step {t} GRUCell.forward was given the zero initial state again: "
                "carry hnext from one step to the next"
            )
        else:
            lines.append(
                f"the hidden state given to GRUCell.forward at time step {t} is not the one the previous step returned"
            )
    elif not ev.close(calls[t].get("x"), ev.case.inputs["inputs"][t]):
        lines.append(f"the input given to GRUCell.forward at time step {t} is not inputs[{t}]")
    return lines


CHECKS = (wrong_state_or_input,)


def locate(case: Case, produced: Outputs, tolerance: Tolerance) -> Location | None:
    """-> the first time step whose logits are wrong, and whether its hidden state was carried correctly."""
    return located(CHECKS, case, produced, tolerance)
