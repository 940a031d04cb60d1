"""Cases: the inputs one run of student code gets, and what torch says it must produce.

A case knows where it comes from (`CaseKind`): stored with the public
references, drawn live and checked against torch in the student's run, or
hidden (drawn from the course secret at official grading). Besides the
graded expected values it may carry, as separate fields, what known bugs
would produce (`alternatives`, to name the bug in a hint) and intermediate
values torch computed on the way (`trace`, to say where a mismatch starts).
Neither is ever graded, and a case may be drawn without them
(`hints_pending`): official grading computes them only for a case that fails.
"""

from dataclasses import dataclass, field, replace
from enum import Enum

import numpy as np

Arrays = dict[str, np.ndarray]

# Random streams cases are drawn from (see Step.rng): the public references and the runner's live
# torch checks; official grading derives its hidden streams from the course secret.
PUBLIC_STREAM = 0
LIVE_STREAM = 1


class CaseKind(Enum):
    """Where a case comes from; the value is how messages name one."""

    STORED = "case"
    LIVE = "live torch case"
    HIDDEN = "hidden case"


@dataclass
class Expected:
    """What a torch oracle computes for one case's inputs.

    values: output key -> the graded expected array;
    alternatives: output key -> {bug tag -> what that bug would produce};
    trace: name -> an intermediate value, for locating a mismatch.
    """

    values: Arrays
    alternatives: dict[str, Arrays] = field(default_factory=dict)
    trace: Arrays = field(default_factory=dict)


@dataclass
class Case:
    """One concrete case: its inputs and its expected values (see the module docstring).

    hints_pending: its oracle ran without hints (see autograder/oracles/_hints.py), so its
    alternatives and trace are not known yet, rather than known to be empty.
    """

    kind: CaseKind
    index: int  # 1-based, within its kind
    desc: str
    inputs: Arrays
    expected: Arrays
    alternatives: dict[str, Arrays] = field(default_factory=dict)
    trace: Arrays = field(default_factory=dict)
    batch: int | None = None
    hints_pending: bool = False

    @property
    def label(self) -> str:
        """How messages name the case: 'case 3', 'live torch case 1', 'hidden case 2'."""
        return f"{self.kind.value} {self.index}"

    @classmethod
    def from_oracle(
        cls,
        kind: CaseKind,
        index: int,
        desc: str,
        inputs: Arrays,
        expected: Expected,
        batch: int | None,
        hints_pending: bool = False,
    ) -> "Case":
        """Build a case whose expected values, alternatives and trace come from one oracle result.

        kind, index, desc: how the case is named and described; inputs: input name -> array (shapes as the step
        takes them); expected: the oracle's result on those inputs; batch: the case's batch size N, or None
        where it has none; hints_pending: the oracle ran values only (alternatives and trace come later,
        through `with_hints`). Returns the case.
        """
        return cls(
            kind, index, desc, inputs, expected.values, expected.alternatives, expected.trace, batch, hints_pending
        )

    def with_hints(self, expected: Expected) -> "Case":
        """Return this case with the alternatives and trace of the oracle's full result.

        expected: the oracle's full result on this case's inputs. The graded values stay the ones the case was
        drawn with; only its alternatives and trace are taken from `expected`.
        """
        return replace(self, alternatives=expected.alternatives, trace=expected.trace, hints_pending=False)
