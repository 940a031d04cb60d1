"""Step definitions: what each step feeds the student's code and what it compares.

A step module defines `STEPS`, a tuple of `Step`. Each step knows:
- its case specs (shapes and flavours), and `build(rng, spec)`, which draws
  the inputs of one case with numpy alone;
- `run(inputs, out)`, which runs the student's code on those inputs and
  stores what it produced in `out` (an `Outputs`) as plain ndarrays, as soon
  as each is known (so a later crash still leaves the earlier results to
  compare), and what it recorded for diagnostics in `out.records`;
- its outputs, in the order a failure should be reported, and its tolerance;
- its catalog of known bugs (`bugs`): tag -> the sentence that names the
  bug. The oracles compute, for the same inputs, what each bug would produce
  (a case's `alternatives`, under the same tags); a student output that
  matches one of them within the tolerance is named by its sentence.
Expected values come from the torch oracles in `autograder.oracles`, either
stored in `reference_data/` or computed live.

A `QuizStep` is the other kind: questions whose answers are collected from
the student's functions and marked (locally only for their form).
"""

import importlib
import pkgutil
import zlib
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping, Union

import numpy as np

from autograder.cases import Case
from autograder.rubric import load_rubric
from autograder.tolerance import DEFAULT, Tolerance


class _Missing:
    """Stands for an output the student's code never produced."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Spec:
    """The flavour of one case: a description for messages and the parameters `build` reads."""

    desc: str
    params: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.params.get(key, default)


@dataclass(frozen=True)
class Output:
    """One compared tensor: its key, and how messages name it (`where: tensor`)."""

    key: str
    where: str | None = None  # defaults to the step's target
    tensor: str | None = None  # defaults to the key
    # Its place in the tuple the graded function returns (None if it is not one of several returned
    # values): outputs with a position are checked for being returned in swapped places.
    position: int | None = None


class Outputs(dict):
    """What student code produced on one case: output key -> value, plus `records` for diagnostics only.

    Records (e.g. the arguments each cell call received) are never graded; a
    locator reads them to say where a mismatch starts.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.records: dict[str, Any] = {}


# locate(case, outputs, tolerance) -> extra lines placing a mismatch (e.g. at a time step and layer).
Locator = Callable[[Case, Outputs, Tolerance], list[str]]


@dataclass(frozen=True)
class Step:
    """One graded step that runs cases and compares outputs. See the module docstring."""

    id: str
    target: str
    specs: tuple[Spec, ...]
    build: Callable[[np.random.Generator, Spec], dict[str, np.ndarray]]
    run: Callable[[dict[str, np.ndarray], Outputs], None]
    outputs: tuple[Output, ...]
    tolerance: Tolerance = DEFAULT  # used by every comparison and locator of its cases
    locate: Locator | None = None
    batch_of: Callable[[Spec], int | None] = lambda spec: spec.get("batch")
    bugs: Mapping[str, str] = field(default_factory=dict)  # known-bug tag -> the sentence naming it
    # The student's code for this step imports torch: without torch the step is not run, and it is
    # reported as needing torch (neither passed nor failed). Set from the rubric's `torch` at discovery.
    needs_torch: bool = False

    def rng(self, stream: int, index: int) -> np.random.Generator:
        """The generator for case `index` of `stream` (see the streams in autograder/cases.py)."""
        return np.random.default_rng([zlib.crc32(self.id.encode()), stream, index])


@dataclass(frozen=True)
class Answer:
    """One collected answer: the value the student's function returned, or why there is none."""

    question: int
    value: Any = None
    stub: str | None = None  # the NotImplementedError's text, while the answer is still a stub
    error: str | None = None  # the function is missing or raised

    @property
    def not_implemented(self) -> bool:
        return self.stub is not None


@dataclass(frozen=True)
class QuizStep:
    """A step of questions: `collect()` runs the student's answer functions; answers are marked, never run as cases.

    questions: the question objects (with `number`, `letters`, `multi`);
    normalise(question, answer) -> (problem or None, normalised answer);
    mark(answers, key) -> question number -> right or wrong.
    """

    id: str
    target: str
    module: str
    questions: tuple[Any, ...]
    normalise: Callable[[Any, Any], tuple[str | None, Any]]
    mark: Callable[[dict[int, Any], dict[int, Any]], dict[int, bool]]

    def function(self, number: int) -> str:
        """-> the name of the student's function that answers question `number`."""
        return f"question_{number}"

    def collect(self) -> list[Answer]:
        """Call every answer function of the student's module (in this process; isolate the call)."""
        answers = []
        for q in self.questions:
            name = self.function(q.number)
            try:
                fn = getattr(importlib.import_module(self.module), name)
            except AttributeError:
                answers.append(Answer(q.number, error=f"{self.target} has no function {name}()"))
                continue
            try:
                answers.append(Answer(q.number, fn()))
            except NotImplementedError as exc:
                answers.append(Answer(q.number, stub=str(exc) or f"{name} is not implemented yet"))
            except Exception as exc:  # noqa: BLE001 - reported to the student
                answers.append(Answer(q.number, error=f"{name}() raised {type(exc).__name__}: {exc}"))
        return answers


AnyStep = Union[Step, QuizStep]


def zero_grad_schedule(spec: Spec) -> np.ndarray:
    """-> bool array (calls,): whether zero_grad() runs before each repeated call of the case."""
    return np.array([k in spec.get("zero_grad_at", ()) for k in range(spec.get("calls", 1))])


def _discover() -> dict[str, AnyStep]:
    # A step is found by its module alone (any module here that defines STEPS); what the rubric says
    # of it (whether its student code needs torch) is taken from the rubric, written nowhere else.
    torch_steps = {entry.id for entry in load_rubric() if entry.torch}
    steps: dict[str, AnyStep] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for step in getattr(module, "STEPS", ()):
            if step.id in steps:
                raise ValueError(f"step {step.id!r} is defined twice")
            if isinstance(step, Step):
                step = replace(step, needs_torch=step.id in torch_steps)
            steps[step.id] = step
    return steps


def all_steps() -> dict[str, AnyStep]:
    """-> step id -> Step or QuizStep, for every step module in this package."""
    return _discover()


def case_steps() -> dict[str, Step]:
    """-> step id -> Step, for the steps that run cases (the ones with reference data)."""
    return {k: s for k, s in all_steps().items() if isinstance(s, Step)}
