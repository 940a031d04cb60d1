"""What student code produced on one case, and the stage that runs it to find out.

`produce` runs a step's `run` on a case's inputs, isolated, in this process
(the runner's, or an official-grading worker's); the judge stage
(`autograder.judging`) compares what it produced with the expected values.
Nothing here knows of steps, comparisons or locators, so each of them may
read these types.
"""

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from autograder.findings import Cause
from autograder.isolation import CodeError, run_isolated


class _Missing:
    """Stands for an output the student's code never produced."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Output:
    """One compared tensor: its key, and how messages name it (`where: tensor`)."""

    key: str
    where: str | None = None  # defaults to the step's target
    tensor: str | None = None  # defaults to 'returned <returns>' for a returned value, else to the key
    # Its place in the tuple the graded function returns (None if it is not one of several returned
    # values): outputs with a position are checked for being returned in swapped places.
    position: int | None = None
    returns: str | None = None  # the name of the returned value it is, if it is one

    @property
    def name(self) -> str:
        """-> how messages name the tensor: its tensor name, else 'returned <returns>', else its key."""
        return self.tensor or (f"returned {self.returns}" if self.returns else self.key)


class Outputs(dict):
    """What student code produced on one case: output key -> value, plus `records` for diagnostics only.

    Records (e.g. the arguments each cell call received) are never graded; a
    locator reads them to say where a mismatch starts.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Make the dict of outputs (as dict's arguments), with no records yet."""
        super().__init__(*args, **kwargs)
        self.records: dict[str, Any] = {}


@dataclass
class Produced:
    """What the student's code produced on one case: its outputs (possibly partial), an error, numpy's warnings.

    The produce stage (running student code, in this process or in another)
    makes it; the judge stage compares it with the expected values.
    """

    outputs: Outputs = field(default_factory=Outputs)
    error: CodeError | None = None
    warnings: list[str] = field(default_factory=list)
    cause: Cause | None = None  # why the code did not finish, when the grader that watched it knows


def _copy_inputs(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    # Student code may modify its arguments in place; each run gets its own copies.
    return {k: np.array(v, copy=True) for k, v in inputs.items()}


def produce(
    run: Callable[[dict[str, np.ndarray], Outputs], None], inputs: dict[str, np.ndarray], timeout: float
) -> Produced:
    """Run the student's code on one case's inputs, isolated, in this process.

    run: a step's `run(inputs, outputs)`; inputs: name -> array (copied, so the code may change them);
    timeout: seconds the case may take -> what it produced.
    """
    outputs = Outputs()
    outcome = run_isolated(lambda: run(_copy_inputs(inputs), outputs), timeout)
    return Produced(outputs, outcome.error, outcome.warnings)
