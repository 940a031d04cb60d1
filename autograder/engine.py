"""Running one step: cases in, student outputs compared, a StepResult out.

Stages stay apart (cases, student run, comparison, scoring) so the local
runner, official grading and the tests all share them.
"""

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from autograder.compare import compare
from autograder.isolation import run_isolated
from autograder.rubric import RubricEntry
from autograder.steps import Case, Output, Step

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

    @property
    def summary(self) -> str:
        """The first line of the message (for the table); for a stub, just what is not implemented."""
        head = self.message[0] if self.message else ""
        marker = "not implemented yet: "
        return head[head.index(marker) + len(marker):] if marker in head else head


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


def run_step(
    step: Step,
    entry: RubricEntry,
    cases: list[Case],
    timeout: float,
) -> StepResult:
    """Run the student's code on every case, stopping at the first failure."""
    result = StepResult(entry.id, 0.0, entry.points, passed=False)
    if step.check is not None:
        outcome = run_isolated(step.check, timeout)
        if outcome.error:
            result.message = [f"{step.target}: " + outcome.error[0]] + outcome.error[1:]
            return result
        passed, message = outcome.value
        result.passed, result.message = passed, list(message)
        result.points = entry.points if passed else 0.0
        return result
    for case in cases:
        produced: dict[str, Any] = {}
        outcome = run_isolated(lambda: step.run(_copy_inputs(case.inputs), produced), timeout)
        result.cases_checked += 1
        if outcome.error:
            # What was produced before the crash may already show the root cause.
            partial = {k: v for k, v in case.expected.items() if k in produced or "~" in k}
            earlier = check_case(step, Case(case.label, case.desc, case.inputs, partial, case.batch), produced)
            crash = [f"{step.target}, {case.label} ({case.desc}): " + outcome.error[0]] + [
                "  " + line for line in outcome.error[1:]
            ]
            result.message = earlier + ["  then it raised: " + crash[0]] + crash[1:] if earlier else crash
        else:
            result.message = check_case(step, case, produced)
            if result.message and step.locate is not None:
                result.message += ["  " + line for line in step.locate(case, produced)]
        if result.message:
            if outcome.warnings:
                result.message.append("  numpy warned: " + outcome.warnings[0])
            return result
    result.passed = True
    result.points = entry.points
    live = sum(1 for c in cases if c.label.startswith("live"))
    result.message = [f"passed {len(cases) - live} stored cases" + (f" and {live} live torch cases" if live else "")]
    return result
