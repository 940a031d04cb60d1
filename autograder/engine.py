"""Running one step: cases in, student outputs compared, a StepResult out.

Stages stay apart (cases, student run, comparison, scoring) so the local
runner, official grading and the tests all share them.
"""

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from autograder.compare import compare
from autograder.isolation import Outcome, run_isolated
from autograder.rubric import RubricEntry
from autograder.steps import Case, Output, Step
from autograder.text import plural

Oracle = Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]


@dataclass
class StepResult:
    """The verdict on one step."""

    id: str
    points: float
    max_points: float
    passed: bool
    message: list[str] = field(default_factory=list)
    cases_checked: int = 0
    # Passed what can be checked here, but its points are awarded only at official grading
    # (rubric `marked_officially`): `points` stays 0 and reports say it is not yet marked.
    not_yet_marked: bool = False

    @property
    def summary(self) -> str:
        """The first line of the message (for the table); for a stub, from "not implemented yet" on."""
        head = self.message[0] if self.message else ""
        marker = "not implemented yet"
        return head[head.index(marker):] if marker in head else head


def live_cases(step: Step, oracle: Oracle, stream: int) -> list[Case]:
    """Fresh cases for the step's specs, drawn from `stream`, with expected values from the oracle."""
    cases = []
    for i, spec in enumerate(step.specs):
        inputs = step.build(step.rng(stream, i), spec)
        cases.append(
            Case(
                label=f"live torch case {i + 1}",
                desc=spec.desc,
                inputs=inputs,
                expected=oracle(inputs),
                batch=step.batch_of(spec),
            )
        )
    return cases


def _copy_inputs(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    # Student code may modify its arguments in place; each run gets its own copies.
    return {k: np.array(v, copy=True) for k, v in inputs.items()}


def _header(step: Step, case: Case, out: Output) -> str:
    where = out.where or step.target
    return f"{where}, {case.label} ({case.desc}): {out.tensor or out.key}"


def _located(step: Step, case: Case, produced: dict[str, Any]) -> list[str]:
    # The diagnosis reads whatever the student's code passed around; if that is too
    # malformed to place, the verdict and its message stand without it.
    try:
        return list(step.locate(case, produced))
    except Exception:  # noqa: BLE001
        return []


def check_case(step: Step, case: Case, outputs: dict[str, Any]) -> list[str]:
    """Compare one case's student outputs -> [] or the message for the first mismatching output."""
    alternatives: dict[str, dict[str, np.ndarray]] = {}
    for key, value in case.expected.items():
        if "~" in key:
            name, tag = key.split("~", 1)
            alternatives.setdefault(name, {})[tag] = value
    failures: list[tuple[Output, list[str]]] = []
    for out in step.outputs:
        if out.key not in case.expected:
            continue
        problem = compare(
            outputs.get(out.key),
            case.expected[out.key],
            rtol=step.rtol,
            atol=step.atol,
            alternatives=alternatives.get(out.key),
            batch=case.batch,
        )
        if problem:
            failures.append((out, problem))
    if not failures:
        return []
    first, problem = failures[0]
    lines = [_header(step, case, first)] + ["  " + p for p in problem]
    others = [o.tensor or o.key for o, _ in failures[1:]]
    if others:
        lines.append("  also wrong in this case: " + ", ".join(others))
    return lines


@dataclass
class Produced:
    """What the student's code produced on one case: its outputs (possibly partial), an error, numpy's warnings.

    The produce stage (running student code, in this process or in another)
    makes it; the judge stage (`judge_case`) compares it with the expected values.
    """

    outputs: dict[str, Any] = field(default_factory=dict)
    error: list[str] | None = None
    warnings: list[str] = field(default_factory=list)


def produce(step: Step, inputs: dict[str, np.ndarray], timeout: float) -> Produced:
    """Produce stage: run the student's code on one case's inputs, isolated, in this process."""
    outputs: dict[str, Any] = {}
    outcome = run_isolated(lambda: step.run(_copy_inputs(inputs), outputs), timeout)
    return Produced(outputs, outcome.error, outcome.warnings)


def judge_case(step: Step, case: Case, got: Produced) -> list[str]:
    """Judge stage for one case: [] when it passes, else the failure message (with located diagnostics)."""
    produced = got.outputs
    if got.error:
        # What was produced before the crash may already show the root cause.
        partial = {k: v for k, v in case.expected.items() if k in produced or "~" in k}
        earlier = check_case(step, Case(case.label, case.desc, case.inputs, partial, case.batch), produced)
        crash = [f"{step.target}, {case.label} ({case.desc}): " + got.error[0]] + [
            "  " + line for line in got.error[1:]
        ]
        message = earlier + ["  then it raised: " + crash[0]] + crash[1:] if earlier else crash
    else:
        message = check_case(step, case, produced)
        if message and step.locate is not None:
            message += ["  " + line for line in _located(step, case, produced)]
    if message and got.warnings:
        message.append("  numpy warned: " + got.warnings[0])
    return message


def judge_check(step: Step, entry: RubricEntry, outcome: Outcome) -> StepResult:
    """Judge stage for a step without cases: its check() outcome -> the StepResult."""
    result = StepResult(entry.id, 0.0, entry.points, passed=False)
    if outcome.error:
        result.message = [f"{step.target}: " + outcome.error[0]] + outcome.error[1:]
        return result
    passed, message = outcome.value
    result.passed, result.message = passed, list(message)
    result.not_yet_marked = passed and entry.marked_officially
    result.points = entry.points if passed and not result.not_yet_marked else 0.0
    return result


# How the passing message counts cases, by label prefix; other labels are stored cases.
_CASE_KINDS = (("live", "live torch case"), ("hidden", "hidden case"))


def judge_step(step: Step, entry: RubricEntry, cases: list[Case], source: Callable[[int, Case], Produced]) -> StepResult:
    """Judge every case in order, stopping at the first failure.

    source(index, case) -> what the student's code produced on that case; it is
    only asked for the cases that are judged.
    """
    result = StepResult(entry.id, 0.0, entry.points, passed=False)
    for i, case in enumerate(cases):
        got = source(i, case)
        result.cases_checked += 1
        result.message = judge_case(step, case, got)
        if result.message:
            return result
    result.passed = True
    result.points = entry.points
    counts = [(sum(1 for c in cases if c.label.startswith(prefix)), name) for prefix, name in _CASE_KINDS]
    stored = len(cases) - sum(n for n, _ in counts)
    result.message = ["passed " + " and ".join([plural(stored, "stored case")] + [
        plural(n, name) for n, name in counts if n])]
    return result


def run_step(
    step: Step,
    entry: RubricEntry,
    cases: list[Case],
    timeout: float,
) -> StepResult:
    """Run the student's code on every case in this process, stopping at the first failure."""
    if step.check is not None:
        return judge_check(step, entry, run_isolated(step.check, timeout))
    return judge_step(step, entry, cases, lambda i, case: produce(step, case.inputs, timeout))


def with_dependency_note(result: StepResult, failed: set[str], entry: RubricEntry, files: dict[str, str]) -> StepResult:
    """Add to a failed step's message which failed steps it uses and where to start; records it in `failed`."""
    broken = [d for d in entry.depends if d in failed]
    if not result.passed and broken:
        names = ", ".join(broken)
        result.message.insert(1, f"  note: this step uses {names}, which failed above: fix {names} first")
    if not result.passed:
        if result.message and "not implemented yet" in result.message[0]:
            # A failed dependency is where the fix starts, not this step's own file.
            result.message.append(f"  start in {files[broken[0]] if broken else entry.file}")
        failed.add(entry.id)
    return result
