"""Step definitions: what each step feeds the student's code and what it compares.

A step module defines `STEPS`, a tuple of `Step`. Each step knows:
- its case specs (shapes and flavours), and `build(rng, spec)`, which draws
  the inputs of one case with numpy alone;
- `run(inputs, out)`, which runs the student's code on those inputs and
  stores what it produced in `out` as plain ndarrays, as soon as each is
  known (so a later crash still leaves the earlier results to compare);
- its outputs, in the order a failure should be reported.
Expected values come from the torch oracles in `autograder.oracles`, either
stored in `reference_data/` or computed live.
"""

import importlib
import pkgutil
import zlib
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


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


@dataclass
class Case:
    """One concrete case: inputs for the student, expected values from torch.

    Expected keys of the form `name~tag` are not compared: they hold what a
    known bug would produce, so a failure can say which bug it looks like.
    """

    label: str
    desc: str
    inputs: dict[str, np.ndarray]
    expected: dict[str, np.ndarray]
    batch: int | None = None


@dataclass(frozen=True)
class Step:
    """One graded step. See the module docstring."""

    id: str
    target: str
    specs: tuple[Spec, ...]
    build: Callable[[np.random.Generator, Spec], dict[str, np.ndarray]]
    run: Callable[[dict[str, np.ndarray], dict[str, Any]], None]
    outputs: tuple[Output, ...]
    rtol: float = 1e-6
    atol: float = 1e-8
    # A step without specs grades itself: check() -> (passed, message).
    check: Callable[[], tuple[bool, str]] | None = None
    # Optional: (case, outputs, trace) -> extra lines locating a mismatch (e.g. time step and layer).
    locate: Callable[..., list[str]] | None = None
    batch_of: Callable[[Spec], int | None] = lambda spec: spec.get("batch")

    def rng(self, stream: int, index: int) -> np.random.Generator:
        """The generator for case `index` of `stream` (0 public references, 1 live checks, others free)."""
        return np.random.default_rng([zlib.crc32(self.id.encode()), stream, index])

    def output(self, key: str) -> Output:
        for out in self.outputs:
            if out.key == key:
                return out
        raise KeyError(key)


def zero_grad_schedule(spec: Spec) -> np.ndarray:
    """-> bool array (calls,): whether zero_grad() runs before each repeated call of the case."""
    return np.array([k in spec.get("zero_grad_at", ()) for k in range(spec.get("calls", 1))])


def _discover() -> dict[str, Step]:
    steps: dict[str, Step] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for step in getattr(module, "STEPS", ()):
            if step.id in steps:
                raise ValueError(f"step {step.id!r} is defined twice")
            steps[step.id] = step
    return steps


def all_steps() -> dict[str, Step]:
    """-> step id -> Step, for every step module in this package."""
    return _discover()


def case_to_arrays(index: int, case: Case) -> dict[str, np.ndarray]:
    """Flatten one case into npz members under the prefix `c<index>/`."""
    prefix = f"c{index:02d}/"
    arrays: dict[str, np.ndarray] = {prefix + "desc": np.array(case.desc)}
    if case.batch is not None:
        arrays[prefix + "batch"] = np.array(case.batch, dtype=np.int64)
    arrays.update({prefix + "in/" + k: v for k, v in case.inputs.items()})
    arrays.update({prefix + "out/" + k: v for k, v in case.expected.items()})
    return arrays


def cases_from_arrays(arrays: dict[str, np.ndarray], label_prefix: str = "case") -> list[Case]:
    """Inverse of case_to_arrays over a whole file -> cases in index order."""
    grouped: dict[str, dict[str, np.ndarray]] = {}
    for name, arr in arrays.items():
        prefix, _, rest = name.partition("/")
        grouped.setdefault(prefix, {})[rest] = arr
    cases = []
    for n, prefix in enumerate(sorted(grouped), start=1):
        members = grouped[prefix]
        cases.append(
            Case(
                label=f"{label_prefix} {n}",
                desc=str(members["desc"]),
                inputs={k[3:]: v for k, v in members.items() if k.startswith("in/")},
                expected={k[4:]: v for k, v in members.items() if k.startswith("out/")},
                batch=int(members["batch"]) if "batch" in members else None,
            )
        )
    return cases
