"""Grading handins: one at a time or many in parallel, each in its own worker identity, never aborting a batch."""

import queue
import re
import shutil
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

from autograder.engine import StepResult
from autograder.findings import Cause
from autograder.official import outputs
from autograder.official.drawing import Drawer
from autograder.official.facts import grader_facts
from autograder.official.handin import HandinError, read_tar
from autograder.official.identity import Identity, worker_identities
from autograder.official.judge import judge, marked_not_official, rejected
from autograder.official.launcher import Launcher
from autograder.official.limits import Limits
from autograder.official.plan import Job, Plan, handin_jobs
from autograder.official.probe import Guarded, probe
from autograder.official.supervise import Record, make_base, run_handin
from autograder.text import plural

NOT_OFFICIAL_NOTE = "NOT AN OFFICIAL GRADE: trial run with student code as the grader's own user."


@dataclass
class Grader:
    """A plan with the worker identities (probed) that run its handins, and where their folders go.

    Slot k grades one handin at a time as identities[k], with a fork server per runtime (`launcher`) and a
    process drawing its hidden cases (`drawers[k]`, see drawing.py).
    """

    plan: Plan
    identities: list[Identity]
    base: Path
    limits: Limits = field(default_factory=Limits)
    visibility: str | None = None
    mode: str = ""
    torch_python: str | None = None  # the runtime of the steps whose student code uses torch
    launchers: dict[tuple[int, str], Launcher] = field(default_factory=dict)
    drawers: list[Drawer] = field(default_factory=list)  # per slot; without them, slots draw in their thread

    def launcher(self, slot: int, python: str) -> Launcher:
        """-> slot's fork server for the runtime `python` (started on first use)."""
        key = (slot, python)
        if key not in self.launchers:
            self.launchers[key] = Launcher(python, self.base, torch=python == self.torch_python)
        return self.launchers[key]

    def close(self) -> None:
        for drawer in self.drawers:
            drawer.close()
        self.drawers.clear()
        for launcher in self.launchers.values():
            launcher.close()
        self.launchers.clear()
        shutil.rmtree(self.base, ignore_errors=True)


@dataclass
class Graded:
    """One handin's grade. hidden_failed: steps that failed on a hidden case."""

    results: list[StepResult]
    elapsed: float
    hidden_failed: set[str]
    official: bool

    def results_json(self, visibility: str | None, facts: dict | None = None) -> dict:
        """facts: how the batch was graded, for results.json's top-level "extra_data" (official/facts.py)."""
        note = None if self.official else NOT_OFFICIAL_NOTE
        return outputs.results_json(self.results, self.elapsed, self.hidden_failed, visibility, note, facts)


def start_grader(plan: Plan, python: str, jobs: int, first_uid: int, same_user: bool, guarded: Guarded,
                 limits: Limits | None = None, torch_python: str | None = None) -> Grader:
    """-> a Grader with `jobs` worker identities, each probed (with the torch runtime too, when given).

    Raises IdentityError, ProbeError or LaunchError.
    """
    identities = ([Identity(None, None, python)] * jobs if same_user
                  else worker_identities(first_uid, jobs, python))
    grader = Grader(plan, identities, make_base(), limits or Limits(), torch_python=torch_python)
    try:
        # Forked first: while the grader has no thread and no fork server of its own yet.
        grader.drawers = [Drawer(plan) for _ in range(jobs)]
        runtimes = [python] + ([torch_python] if torch_python is not None else [])
        # Every fork server imports at once; each is then probed as its slot's identity.
        for slot in range(jobs):
            for runtime in runtimes:
                grader.launcher(slot, runtime)
        for slot, identity in enumerate(identities[:1] if same_user else identities):
            for runtime in runtimes:
                probe(replace(identity, python=runtime), grader.launcher(slot, runtime), grader.base, guarded,
                      torch=runtime == torch_python)
    except BaseException:
        grader.close()
        raise
    return grader


NO_TORCH_RUNTIME = ("not graded: this step's code uses torch, and official grading ran without a worker runtime "
                    "that has it (--torch-worker-python)")


def run_in_runtimes(grader: Grader, slot: int, jobs: list[Job], files: dict[str, str]
                    ) -> tuple[dict[int, Record], str]:
    """Run the jobs of numpy-only steps with the numpy runtime and those of torch steps with the torch runtime
    (each in its own worker and folder, so that torch is never there for the others) -> (job -> Record, mode)."""
    identity = grader.identities[slot]
    records: dict[int, Record] = {}
    modes: list[str] = []
    groups = ((identity, [i for i, job in enumerate(jobs) if not job.torch]),
              (replace(identity, python=grader.torch_python) if grader.torch_python else None,
               [i for i, job in enumerate(jobs) if job.torch]))
    for runtime, indices in groups:
        if not indices:
            continue
        if runtime is None:
            records.update({i: Record("dead", lines=[NO_TORCH_RUNTIME], cause=Cause.NO_RUNTIME) for i in indices})
            continue
        done, mode = run_handin(grader.plan, [jobs[i] for i in indices], files, grader.base, runtime,
                                grader.limits, grader.launcher(slot, runtime.python))
        records.update({indices[k]: record for k, record in done.items()})
        modes.append(mode)
    return records, modes[0] if modes else ""


def grade_one(grader: Grader, slot: int, read: Callable[[], dict[str, str]]) -> Graded:
    """Read, run and judge one handin in worker slot `slot` -> its Graded. Never raises for anything the
    handin does."""
    plan = grader.plan
    identity = grader.identities[slot]
    started = time.perf_counter()
    hidden_failed: set[str] = set()
    try:
        files = read()
        cases, jobs = handin_jobs(plan, files, grader.drawers[slot].draw if grader.drawers else None)
        records, grader.mode = run_in_runtimes(grader, slot, jobs, files)
        results = judge(plan, cases, jobs, records)
        hidden_failed = {r.id for r in results
                         if r.failed and r.cases_checked > len(plan.stored.get(r.id, []))}
    except HandinError as exc:
        results = rejected(plan, str(exc))
    if not identity.official:
        results = marked_not_official(results)
    return Graded(results, time.perf_counter() - started, hidden_failed, identity.official)


def handin_names(paths: list[Path]) -> list[str]:
    """-> a distinct folder name per handin: the file name without .tar (the folder's name for
    <name>/handin.tar), characters other than letters, digits and ._@+- replaced by _, repeats numbered."""
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


def grade_batch(grader: Grader, handins: list[tuple[str, Path]], out: Path) -> dict[str, Graded]:
    """Grade (name, tar path) pairs, as many at once as there are identities; per handin write
    out/<name>/results.json and out/<name>/feedback.txt as it finishes, and out/gradebook.csv at the end
    (always, whatever happened) -> name -> Graded."""
    free: queue.Queue[int] = queue.Queue()
    for slot in range(len(grader.identities)):
        free.put(slot)
    graded: dict[str, Graded] = {}
    lock = threading.Lock()
    facts = grader_facts(grader)

    def one(name: str, path: Path) -> None:
        slot = free.get()
        try:
            result = grade_one(grader, slot, lambda: read_tar(path))
        except Exception as exc:  # noqa: BLE001 - a grader failure on one handin must not stop the others
            result = Graded(rejected(grader.plan, f"the grader failed on this handin ({type(exc).__name__}: "
                                                  f"{exc}); it needs a regrade", Cause.GRADER_ERROR), 0.0, set(),
                            grader.identities[slot].official)
        finally:
            free.put(slot)
        folder = out / name
        folder.mkdir(exist_ok=True)
        outputs.write_results(folder / "results.json", result.results_json(grader.visibility, facts))
        (folder / "feedback.txt").write_text(outputs.feedback_text(name, result.results))
        total = sum(r.points for r in result.results)
        top = sum(r.max_points for r in result.results)
        with lock:
            graded[name] = result
            print(f"{name}: {total:g} / {top:g}", flush=True)

    try:
        with ThreadPoolExecutor(max_workers=len(grader.identities)) as pool:
            for future in [pool.submit(one, name, path) for name, path in sorted(handins)]:
                future.result()
    finally:
        (out / "gradebook.csv").write_text(outputs.gradebook_csv({n: g.results for n, g in graded.items()}))
        print(f"wrote {out / 'gradebook.csv'} ({plural(len(graded), 'handin')})", file=sys.stderr)
    return graded
