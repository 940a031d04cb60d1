"""What a batch grades: the rubric, the stored cases, the oracles and the key, loaded once before any student code.

`make_plan` loads everything the grader will ever execute (oracles, answer
key, step definitions, grading modules) up front, so no file a worker could
have touched is imported later. `handin_jobs` then draws a submission's
hidden cases from the secret and the submission's own files, values only:
the hints of a hidden case (known-bug alternatives, trace) are computed by
`Plan.hinted` when judging finds that it fails, so honest handins never pay
for them.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.cases import Case, CaseKind
from autograder.official.judging import secret as secrets
from autograder.oracles import computing_hints, values_only
from autograder.paths import ROOT
from autograder.references.store import load_cases, read_manifest
from autograder.release import contents
from autograder.release.markers import strip
from autograder.rubric import RubricEntry, load_rubric
from autograder.steps import AnyStep, JobKind, all_steps, case_steps

DEFAULT_HIDDEN = 2
DEFAULT_TIMEOUT = 20.0
DEFAULT_BUDGET = 300.0
# Shipped autograder files the worker does not need: the oracles compute expected values.
NOT_FOR_WORKER = ("autograder/oracles/*",)


class GradingError(Exception):
    """Official grading cannot run at all (no torch, a bad secret, altered reference data, an unsafe setup)."""


@dataclass
class Job:
    """One unit of work for the worker: a case of a step, or the answers of a quiz step."""

    step: str
    kind: JobKind
    inputs: dict[str, np.ndarray] = field(default_factory=dict)
    torch: bool = False  # the step's student code imports torch: it runs in the torch worker runtime


@dataclass
class Plan:
    """Everything a batch shares: rubric, steps, stored cases, oracles, key, the worker's files, time limits.

    timeout: seconds one case may take; budget: seconds a whole handin may take.
    """

    rubric: list[RubricEntry]
    steps: dict[str, AnyStep]
    stored: dict[str, list[Case]]
    oracles: dict[str, Callable]
    key: dict[int, Any]
    secret: bytes
    per_spec: int
    stubbed: dict[str, str]
    shipped: dict[str, bytes]
    timeout: float
    budget: float = DEFAULT_BUDGET

    def job_limit(self, job: Job) -> float:
        """-> seconds the grader allows one job (a quiz job runs every question)."""
        return self.steps[job.step].job_timeout(self.timeout)

    def draw_hidden(self, stream: int) -> dict[str, list[Case]]:
        """-> step id -> the hidden cases of `stream` for every step with cases (values only, hints pending)."""
        with values_only():
            return {
                e.id: self.steps[e.id].draw_cases(
                    self.oracles.get(e.id, _no_oracle), stream, CaseKind.HIDDEN, self.per_spec, hints_pending=True
                )
                for e in self.rubric
            }

    def hinted(self, step_id: str, case: Case) -> Case:
        """-> case (of step `step_id`, drawn values only) with its alternatives and trace.

        They come from the full oracle on its inputs: exactly what drawing it with hints gives.
        """
        with computing_hints():
            return case.with_hints(self.oracles[step_id](case.inputs))


def _no_oracle(inputs: dict[str, np.ndarray]) -> Any:
    raise GradingError("a step that draws cases has no oracle")


def handin_jobs(plan: Plan, files: dict[str, str]) -> tuple[dict[str, list[Case]], list[Job]]:
    """files: the accepted handin files -> (step id -> its cases, the worker's jobs in order).

    The hidden cases are drawn from the secret and these files (see `secret.hidden_stream`).
    """
    stream = secrets.hidden_stream(plan.secret, secrets.submission_digest(files))
    hidden = plan.draw_hidden(stream)
    cases: dict[str, list[Case]] = {}
    jobs: list[Job] = []
    for entry in plan.rubric:
        step = plan.steps[entry.id]
        cases[entry.id] = plan.stored.get(entry.id, []) + hidden[entry.id]
        jobs += [Job(entry.id, step.job_kind, inputs, step.needs_torch) for inputs in step.jobs(cases[entry.id])]
    return cases, jobs


def stubbed_editable(rubric: list[RubricEntry]) -> dict[str, str]:
    """-> every student-editable file as the release ships it (solution regions stubbed)."""
    out = {}
    for rel in contents.shipped_sources(ROOT):
        if contents.is_editable(rel):
            out[rel], _ = strip((ROOT / rel).read_text(), rel, rubric)
    return out


def worker_files() -> dict[str, bytes]:
    """-> the files every worker folder gets: the shipped autograder less the oracles.

    The worker itself and the wire format come from the fork server (see launcher.py).
    """
    out = {}
    for rel in contents.shipped_sources(ROOT):
        if rel.startswith("autograder/") and not any(Path(rel).match(p) for p in NOT_FOR_WORKER):
            out[rel] = (ROOT / rel).read_bytes()
    return out


def _oracles() -> dict[str, Callable]:
    try:
        from autograder.oracles import load_oracles

        return load_oracles()
    except ImportError as exc:
        raise GradingError(
            f"official grading needs torch for the hidden cases ({exc}); pip install -r requirements-dev.txt"
        ) from None


def _answer_key() -> dict[int, Any]:
    try:
        from autograder.answer_key import ANSWERS
    except ImportError as exc:
        raise GradingError(f"the answer key autograder/answer_key.py cannot be loaded ({exc})") from None
    return dict(ANSWERS)


def make_plan(
    secret: bytes, per_spec: int = DEFAULT_HIDDEN, timeout: float = DEFAULT_TIMEOUT, budget: float = DEFAULT_BUDGET
) -> Plan:
    """-> the batch's plan: stored cases from reference_data/, oracles and key loaded, worker files read.

    Discovering the steps imports every module judging reads (the steps, their locators, the judges), before
    any student code runs.
    """
    oracles = _oracles()
    key = _answer_key()
    rubric = load_rubric()
    steps = all_steps()
    manifest = read_manifest()
    with_cases = case_steps()
    stored = {e.id: load_cases(e.id, manifest, step=with_cases[e.id]) for e in rubric if e.id in with_cases}
    return Plan(
        rubric, steps, stored, oracles, key, secret, per_spec, stubbed_editable(rubric), worker_files(), timeout, budget
    )
