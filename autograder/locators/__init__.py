"""Locators: where in a sequence a wrong result first goes wrong.

A step whose student code runs over time steps and layers grades only its
final outputs; when they are wrong, its locator compares what the student's
code passed to the cells (recorded in `Outputs.records`) and what it stored
with the per-step values torch computed (the case's `trace`), and names the
first time step and layer where they part. A locator is an ordered list of
small checks, each returning its lines or None; the first that speaks wins,
and the locator returns what it said as a `Location` (None when no check
speaks).
Nothing here is graded: a correct program that loops differently is never
failed by a locator.
"""

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from autograder.cases import Case
from autograder.findings import Location
from autograder.produced import Outputs
from autograder.tolerance import Tolerance


@dataclass
class Evidence:
    """What a check may read: the case (inputs, trace), what the code produced and recorded, the step's tolerance."""

    case: Case
    produced: Outputs
    tolerance: Tolerance

    def close(self, got: Any, expected: Any) -> bool:
        """Tell whether got matches expected within the step's tolerance (a (1, H) row matches an (H,) vector)."""
        return self.tolerance.close(got, expected, reshape=True)

    def differs(self, a: Any, b: Any) -> bool:
        """Two expected values can be told apart (so matching one rules out the other)."""
        return not self.close(a, b)


Check = Callable[[Evidence], list[str] | None]


def located(checks: Sequence[Check], case: Case, produced: Outputs, tolerance: Tolerance) -> Location | None:
    """-> where the first check that has something to say places the mismatch, or None."""
    lines = first_finding(checks, Evidence(case, produced, tolerance))
    return Location(tuple(lines)) if lines else None


def as_locator(
    find: Callable[[Case, Outputs, Tolerance], list[str]],
) -> Callable[[Case, Outputs, Tolerance], Location | None]:
    """find(case, outputs, tolerance) -> lines placing a mismatch ([] for none) -> the same as a locator."""

    def locate(case: Case, produced: Outputs, tolerance: Tolerance) -> Location | None:
        lines = find(case, produced, tolerance)
        return Location(tuple(lines)) if lines else None

    return locate


def first_finding(checks: Sequence[Check], evidence: Evidence) -> list[str]:
    """-> the lines of the first check that has something to say, or []."""
    for check in checks:
        found = check(evidence)
        if found is not None:
            return found
    return []
