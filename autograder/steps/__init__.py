"""Step definitions: what each step feeds the student's code and what it compares.

A step module defines `STEPS`, a table of `Step`s, one row per step:
`Step(id, target, cases, run, outputs, *, tolerance, locate, bugs)`.
Steps that run on the same cases (a backward on its forward's) share them.
Each step knows:
- its `Cases`: the specs (shapes and flavours), and `build(rng, spec)`,
  which draws the inputs of one case with numpy alone;
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

Both kinds keep one protocol, so no caller asks which kind a step is: each
draws its cases (`draw_cases`; a quiz has none), lists a worker's jobs for
them (`jobs`, `job_timeout`), runs its code here (`run_here`), and judges
what a job reported (`judge`, from `unreported` where nothing came).
"""

import importlib
import pkgutil
import zlib
from dataclasses import KW_ONLY, dataclass, field, replace
from enum import Enum
from typing import Any, Callable, ClassVar, Mapping, Union

import numpy as np

from autograder.cases import Case, CaseKind, Expected
from autograder.findings import Cause
from autograder.isolation import CodeError, ErrorKind, run_isolated
from autograder.judging import Locator, judge_step
from autograder.produced import MISSING, Output, Outputs, Produced, produce
from autograder.quiz_judge import Answer, QuizReport, judge_answers
from autograder.results import StepResult
from autograder.rubric import RubricEntry, load_rubric
from autograder.tolerance import DEFAULT, Tolerance

__all__ = [
    "MISSING",
    "Answer",
    "AnyStep",
    "Cases",
    "JobKind",
    "Locator",
    "Output",
    "Outputs",
    "QuizStep",
    "Report",
    "Spec",
    "Step",
    "all_steps",
    "case_steps",
    "zero_grad_schedule",
]

Oracle = Callable[[dict[str, np.ndarray]], Expected]
# What one job of a step reported: a case's Produced, or a quiz's answers.
Report = Union[Produced, QuizReport]
# source(job index, its case or None) -> the report of that job; asked only for the jobs judged.
Source = Callable[[int, "Case | None"], Report]


# What judging asks for a job's report (source(i) -> the report of job i), and for a case drawn without its
# hints, with them (hinted(case) -> the case; None when the cases already carry their hints).
ReportSource = Callable[[int], Report]
Hinted = Callable[[Case], Case] | None


class JobKind(Enum):
    """What a worker runs for one job of a step: one case, or a quiz's answers."""

    CASE = "case"
    QUIZ = "quiz"


@dataclass(frozen=True)
class Spec:
    """The flavour of one case: a description for messages and the parameters `build` reads."""

    desc: str
    params: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        """-> the parameter `key`."""
        return self.params[key]

    def get(self, key: str, default: Any = None) -> Any:
        """-> the parameter `key`, or default."""
        return self.params.get(key, default)


@dataclass(frozen=True)
class Cases:
    """A step's cases: the specs, and build(rng, spec), which draws one case's inputs for a spec.

    batch_of(spec): the batch size by which a wrong output may be off (a sum where a mean belongs); by
    default the spec's "batch", None where it has none.
    """

    specs: tuple[Spec, ...]
    build: Callable[[np.random.Generator, Spec], dict[str, np.ndarray]]
    batch_of: Callable[[Spec], int | None] = lambda spec: spec.get("batch")


@dataclass(frozen=True)
class Step:
    """One graded step that runs cases and compares outputs (see the module docstring).

    id: the rubric's; target: what messages name ("Linear.forward"); cases: its specs and their builder;
    run(inputs, out): the student's code on a case's inputs, what it produced stored in out; outputs: what
    is compared, in the order a failure is reported.
    """

    id: str
    target: str
    cases: Cases
    run: Callable[[dict[str, np.ndarray], Outputs], None]
    outputs: tuple[Output, ...]
    _: KW_ONLY
    tolerance: Tolerance = DEFAULT  # used by every comparison and locator of its cases
    locate: Locator | None = None
    bugs: Mapping[str, str] = field(default_factory=dict)  # known-bug tag -> the sentence naming it
    # The student's code for this step imports torch: without torch the step is not run, and it is
    # reported as needing torch (neither passed nor failed). Set from the rubric's `torch` at discovery.
    needs_torch: bool = False
    job_kind: ClassVar[JobKind] = JobKind.CASE

    @property
    def specs(self) -> tuple[Spec, ...]:
        """The specs of its cases."""
        return self.cases.specs

    def rng(self, stream: int, index: int) -> np.random.Generator:
        """-> the generator for case `index` of `stream` (see the streams in autograder/cases.py)."""
        return np.random.default_rng([zlib.crc32(self.id.encode()), stream, index])

    def draw_cases(
        self,
        oracle: Oracle,
        stream: int,
        kind: CaseKind = CaseKind.LIVE,
        per_spec: int = 1,
        hints_pending: bool = False,
    ) -> list[Case]:
        """-> per_spec fresh cases for each of the specs, drawn from `stream`, expected values from the oracle.

        hints_pending: the oracle runs values only (the caller's `values_only()`), so the cases' hints are pending.
        """
        cases = []
        for k in range(per_spec):
            for i, spec in enumerate(self.specs):
                index = k * len(self.specs) + i
                inputs = self.cases.build(self.rng(stream, index), spec)
                cases.append(
                    Case.from_oracle(
                        kind, index + 1, spec.desc, inputs, oracle(inputs), self.cases.batch_of(spec), hints_pending
                    )
                )
        return cases

    def jobs(self, cases: list[Case]) -> list[dict[str, np.ndarray]]:
        """-> the inputs of each job a worker runs for the step: one job per case."""
        return [case.inputs for case in cases]

    def job_timeout(self, per_case: float) -> float:
        """-> seconds one job may take, given seconds per case."""
        return per_case

    def run_here(self, entry: RubricEntry, cases: list[Case], timeout: float, hinted: Hinted = None) -> StepResult:
        """Run the student's code on the cases in this process, stopping at the first failure -> the result.

        hinted: as for `judge`, for cases drawn without their hints.
        """
        return judge_step(self, entry, cases, lambda i, case: produce(self.run, case.inputs, timeout), hinted)

    def unreported(self, lines: list[str], cause: Cause | None = None) -> Produced:
        """-> the report of a job that reported nothing: it fails with these lines (cause: why, typed)."""
        lines = lines or ["the case was not run"]
        return Produced(Outputs(), CodeError(ErrorKind.EXCEPTION, lines[0], lines[1:]), cause=cause)

    def judge(
        self, entry: RubricEntry, cases: list[Case], source: ReportSource, key: Any = None, hinted: Hinted = None
    ) -> StepResult:
        """Judge what the jobs reported, case by case, stopping at the first failure -> the result.

        source(i) -> the report of job i (a Produced); key: unused (a quiz's answer key);
        hinted(case) -> a case drawn without its hints, with them (asked only for the case that fails).
        """

        def produced(i: int, case: Case) -> Produced:
            report = source(i)
            return report if isinstance(report, Produced) else self.unreported(["the case was not run"])

        return judge_step(self, entry, cases, produced, hinted)


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
    needs_torch: bool = False
    job_kind: ClassVar[JobKind] = JobKind.QUIZ

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

    def draw_cases(self, *_: Any, **__: Any) -> list[Case]:
        """Draw no cases: a quiz has none (the arguments are those of Step.draw_cases)."""
        return []

    def jobs(self, cases: list[Case]) -> list[dict[str, np.ndarray]]:
        """-> the inputs of each job a worker runs for the quiz: one job, without inputs, for every answer."""
        return [{}]

    def job_timeout(self, per_case: float) -> float:
        """-> seconds the quiz's one job may take: per_case for each question."""
        return per_case * len(self.questions)

    def run_here(self, entry: RubricEntry, cases: list[Case], timeout: float, hinted: Hinted = None) -> StepResult:
        """Collect the answers in this process and check their form (there is no key here) -> the result."""
        outcome = run_isolated(self.collect, timeout)
        return judge_answers(self, entry, QuizReport(outcome.value or [], outcome.error))

    def unreported(self, lines: list[str], cause: Cause | None = None) -> QuizReport:
        """-> the report of a quiz job that reported nothing: its first line says why (cause: why, typed)."""
        return QuizReport([], CodeError(ErrorKind.EXCEPTION, (lines or ["the answers were not reported"])[0]), cause)

    def judge(
        self, entry: RubricEntry, cases: list[Case], source: ReportSource, key: Any = None, hinted: Hinted = None
    ) -> StepResult:
        """Mark what the quiz's job reported against the key (source(0): its QuizReport) -> the result."""
        report = source(0)
        if not isinstance(report, QuizReport):
            report = self.unreported(["the answers were not reported"])
        return judge_answers(self, entry, report, key)


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
            steps[step.id] = replace(step, needs_torch=step.id in torch_steps)
    return steps


def all_steps() -> dict[str, AnyStep]:
    """-> step id -> Step or QuizStep, for every step module in this package."""
    return _discover()


def case_steps() -> dict[str, Step]:
    """-> step id -> Step, for the steps that run cases (the ones with reference data)."""
    return {k: s for k, s in all_steps().items() if isinstance(s, Step)}
