"""Grading one handin in a worker identity of its own, from its files to its step results.

Nothing the handin does makes it raise. A batch runs this in one process per slot (slots.py).
"""

import re
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder.findings import Cause
from autograder.official.confine.identity import Identity, worker_identities
from autograder.official.confine.launcher import Launcher
from autograder.official.confine.limits import Limits
from autograder.official.confine.probe import Guarded, probe
from autograder.official.confine.sandbox import torch_groups
from autograder.official.intake.handin import HandinError
from autograder.official.judging import outputs
from autograder.official.judging.judge import judge, marked_not_official, rejected
from autograder.official.judging.plan import Job, Plan, handin_jobs
from autograder.official.judging.reports import Record, RecordStatus
from autograder.official.judging.supervise import run_handin
from autograder.official.judging.worker_folder import make_base
from autograder.results import StepResult

NOT_OFFICIAL_NOTE = "NOT AN OFFICIAL GRADE: trial run with student code as the grader's own user."


@dataclass
class Grader:
    """A plan with the worker identities (probed) that run its handins, and where their folders go.

    Slot k grades one handin at a time as identities[k], with a fork server per runtime (`launcher`).
    """

    plan: Plan
    identities: list[Identity]
    base: Path
    limits: Limits = field(default_factory=Limits)
    visibility: str | None = None
    mode: str = ""
    torch_python: str | None = None  # the runtime of the steps whose student code uses torch
    launchers: dict[tuple[int, str], Launcher] = field(default_factory=dict)
    owns_base: bool = True  # close() removes `base` (not so in a slot process: the slots share it)

    def launcher(self, slot: int, python: str) -> Launcher:
        """-> slot's fork server for the runtime `python` (started on first use)."""
        key = (slot, python)
        if key not in self.launchers:
            self.launchers[key] = Launcher(python, self.base, torch=python == self.torch_python)
        return self.launchers[key]

    def close(self) -> None:
        """Stop every fork server; remove `base` if this grader owns it."""
        for launcher in self.launchers.values():
            launcher.close()
        self.launchers.clear()
        if self.owns_base:
            shutil.rmtree(self.base, ignore_errors=True)


@dataclass
class Graded:
    """One handin's grade. hidden_failed: steps that failed on a hidden case."""

    results: list[StepResult]
    elapsed: float
    hidden_failed: set[str]
    official: bool

    def results_json(self, visibility: str | None, facts: dict | None = None) -> dict:
        """facts: how the batch was graded, for results.json's top-level "extra_data" (official/judging/facts.py)."""
        note = None if self.official else NOT_OFFICIAL_NOTE
        return outputs.results_json(self.results, self.elapsed, self.hidden_failed, visibility, note, facts)


def identities_for(python: str, jobs: int, first_uid: int, same_user: bool) -> list[Identity]:
    """Return the worker identities of `jobs` slots: uids first_uid and up, or the grader's own user for a trial.

    Raises IdentityError.
    """
    return [Identity(None, None, python)] * jobs if same_user else worker_identities(first_uid, jobs, python)


def probe_slot(grader: Grader, slot: int, guarded: Guarded, probed: bool = True) -> None:
    """Start slot's fork server for each runtime (all at once), then probe each as the slot's identity.

    With `probed` False, nothing is probed. Raises ProbeError or LaunchError.
    """
    runtimes = [grader.identities[slot].python] + ([grader.torch_python] if grader.torch_python else [])
    for runtime in runtimes:
        grader.launcher(slot, runtime)
    if grader.identities[slot].official:
        clear_keys(grader, slot)
    if probed:
        identity = grader.identities[slot]
        for runtime in runtimes:
            torch = runtime == grader.torch_python
            probe(
                torch_identity(identity, runtime) if torch else identity,
                grader.launcher(slot, runtime),
                grader.base,
                guarded,
                torch=torch,
                others=_others(grader, slot, runtime, runtimes),
            )


def _others(grader: Grader, slot: int, runtime: str, runtimes: list[str]) -> list[str]:
    """-> the folders of the other runtimes that this one's do not hold too (where the probe looks for torch)."""
    own = set(grader.launcher(slot, runtime).ready().get("view", {}).get("dirs", []))
    return sorted(
        {
            d
            for other in runtimes
            if other != runtime
            for d in grader.launcher(slot, other).ready().get("view", {}).get("dirs", [])
            if d not in own
        }
    )


def start_grader(
    plan: Plan,
    python: str,
    jobs: int,
    first_uid: int,
    same_user: bool,
    guarded: Guarded,
    limits: Limits | None = None,
    torch_python: str | None = None,
) -> Grader:
    """Make a Grader in this process for grading one handin at a time (a batch grades in slots.py).

    It has `jobs` worker identities, each probed (with the torch runtime too, when given; in a trial run, the
    first only).

    Raises IdentityError, ProbeError or LaunchError.
    """
    identities = identities_for(python, jobs, first_uid, same_user)
    grader = Grader(plan, identities, make_base(), limits or Limits(), torch_python=torch_python)
    try:
        for slot in range(jobs):
            probe_slot(grader, slot, guarded, probed=not same_user or slot == 0)
    except BaseException:
        grader.close()
        raise
    return grader


NO_TORCH_RUNTIME = "not graded: the grader was run without a torch runtime"


def run_in_runtimes(grader: Grader, slot: int, jobs: list[Job], files: dict[str, str]) -> tuple[dict[int, Record], str]:
    """Run the jobs of numpy-only steps with the numpy runtime and those of torch steps with the torch runtime.

    Each runs in its own worker and folder, so that torch is never there for the others.
    Returns (job -> Record, mode).
    """
    identity = grader.identities[slot]
    records: dict[int, Record] = {}
    modes: list[str] = []
    groups = (
        (identity, [i for i, job in enumerate(jobs) if not job.torch]),
        (
            torch_identity(identity, grader.torch_python) if grader.torch_python else None,
            [i for i, job in enumerate(jobs) if job.torch],
        ),
    )
    for runtime, indices in groups:
        if not indices:
            continue
        if runtime is None:
            dead = Record(RecordStatus.DEAD, lines=[NO_TORCH_RUNTIME], cause=Cause.NO_RUNTIME)
            records.update({i: dead for i in indices})
            continue
        done, mode = run_handin(
            grader.plan,
            [jobs[i] for i in indices],
            files,
            grader.base,
            runtime,
            grader.limits,
            grader.launcher(slot, runtime.python),
        )
        records.update({indices[k]: record for k, record in done.items()})
        modes.append(mode)
    if identity.official:
        clear_keys(grader, slot)
    return records, modes[0] if modes else ""


def torch_identity(identity: Identity, torch_python: str) -> Identity:
    """Return the identity of the torch steps' workers.

    It is the same uid with the torch runtime, and the group that may read it (sandbox.TORCH_GROUP, where it
    exists).
    """
    return replace(identity, python=torch_python, groups=torch_groups())


def clear_keys(grader: Grader, slot: int) -> None:
    """Empty the slot uid's user and user-session keyrings, which outlive its processes.

    Workers cannot make keys (the fork server refuses them the keyring calls): this is the second line.
    """
    identity = grader.identities[slot]
    if identity.uid is not None and identity.gid is not None:
        grader.launcher(slot, identity.python).clear_keys(identity.uid, identity.gid)


def grade_one(grader: Grader, slot: int, read: Callable[[], dict[str, str]]) -> Graded:
    """Read, run and judge one handin in worker slot `slot`; return its Graded.

    Never raises for anything the handin does.
    """
    plan = grader.plan
    identity = grader.identities[slot]
    started = time.perf_counter()
    hidden_failed: set[str] = set()
    try:
        files = read()
        cases, jobs = handin_jobs(plan, files)
        records, grader.mode = run_in_runtimes(grader, slot, jobs, files)
        results = judge(plan, cases, jobs, records)
        hidden_failed = {r.id for r in results if r.failed and r.cases_checked > len(plan.stored.get(r.id, []))}
    except HandinError as exc:
        results = rejected(plan, str(exc))
    if not identity.official:
        results = marked_not_official(results)
    return Graded(results, time.perf_counter() - started, hidden_failed, identity.official)


def handin_names(paths: list[Path]) -> list[str]:
    """Give each handin a distinct folder name.

    The name is the file name without .tar (the folder's name for <name>/handin.tar), characters other than
    letters, digits and ._@+- replaced by _, repeats numbered.
    """
    names = []
    for path in paths:
        name = path.name.removesuffix(".tar")
        if name == "handin":
            name = path.resolve().parent.name
        name = re.sub(r"[^\w.@+-]", "_", name, flags=re.ASCII).strip(".") or "handin"
        names.append(name)
    seen: dict[str, int] = {}
    unique = []
    taken = set(names)
    for name in names:
        if name in seen:
            k = seen[name]
            while f"{name}-{k}" in taken:
                k += 1
            seen[name] = k + 1
            taken.add(f"{name}-{k}")
            unique.append(f"{name}-{k}")
        else:
            seen[name] = 2
            unique.append(name)
    return unique
