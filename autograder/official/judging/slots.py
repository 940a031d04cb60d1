"""Grading slots: a process per parallel handin, forked from the grader once the plan is loaded.

A slot grades one handin after another from start to end, as `batch.grade_one`
does: it reads the archive, draws the hidden cases with the torch oracles,
places the handin and runs its workers through fork servers of its own, decodes
and judges what they report, and writes the handin's results.json and
feedback.txt. It sends the grader the step results alone. So the grader
process does almost nothing per handin (hand a slot a path, note the grade):
no interpreter lock is shared between slots, and a batch speeds up with the
slots up to the cores.

Slots are forked before the grader starts any thread or fork server, and
with the plan's objects frozen out of the garbage collector (`gc.freeze`),
so that a slot shares the loaded plan (torch, oracles, stored cases) with the
grader instead of copying it: what a slot holds of its own is what it
computes. Each slot starts and probes its own fork servers (confine/probe.py) before
it takes a handin; the grader refuses to grade unless every slot's probe
passed. Nothing of a handin but its path reaches a slot from the grader, and
what comes back is the grader's own data (a slot never runs student code). A
slot that dies costs the handin it was grading (which says it needs a
regrade); the others go on, and the gradebook is always written.
"""

import functools
import gc
import multiprocessing
import resource
import sys
import typing
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

from autograder.findings import Cause
from autograder.official.confine.identity import Identity
from autograder.official.confine.limits import Limits
from autograder.official.confine.probe import Guarded, ProbeError
from autograder.official.intake.handin import read_tar
from autograder.official.judging import outputs
from autograder.official.judging.batch import Graded, Grader, grade_one, probe_slot
from autograder.official.judging.judge import rejected
from autograder.official.judging.plan import GradingError, Plan
from autograder.report import ISOLATION_KEY
from autograder.results import StepResult
from autograder.text import plural


@dataclass
class SlotSpec:
    """What a slot process needs besides the plan: its identity and runtimes, where to work and write."""

    identity: Identity
    probe: bool  # probe this identity's runtimes before grading (a trial run probes one slot only)
    torch_python: str | None
    base: Path
    out: Path
    guarded: Guarded
    limits: Limits = field(default_factory=Limits)
    visibility: str | None = None
    facts: dict | None = None  # how the batch is graded, for every results.json (official/judging/facts.py)


@dataclass
class SlotMemory:
    """A slot's memory when it ended, in MiB.

    Its peak resident size, and the part of it that was its own (not shared with the grader it was forked
    from).
    """

    peak: float
    own: float


def _own_mib() -> float:
    """-> this process's private memory (clean and dirty pages no other process maps), in MiB."""
    try:
        with open("/proc/self/smaps_rollup") as f:
            fields = dict(line.split(":", 1) for line in f if ":" in line)
        return sum(int(fields[k].split()[0]) for k in ("Private_Clean", "Private_Dirty")) / 1024
    except (OSError, KeyError, ValueError):
        return 0.0


def write_graded(spec: SlotSpec, name: str, graded: Graded) -> None:
    """Write <spec.out>/<name>/results.json and feedback.txt of one graded handin."""
    folder = spec.out / name
    folder.mkdir(exist_ok=True)
    outputs.write_results(folder / "results.json", graded.results_json(spec.visibility, spec.facts))
    (folder / "feedback.txt").write_text(outputs.feedback_text(name, graded.results))


def _serve(plan: Plan, spec: SlotSpec, conn: Connection, inherited: list[Connection]) -> None:
    """Run the slot process: start and probe its fork servers, then grade each (name, path) it is sent."""
    for other in inherited:  # the grader's ends of earlier slots: without them, each slot sees the grader go
        other.close()
    grader = Grader(
        plan, [spec.identity], spec.base, spec.limits, spec.visibility, torch_python=spec.torch_python, owns_base=False
    )
    try:
        try:
            probe_slot(grader, 0, spec.guarded, spec.probe)
        except ProbeError as exc:
            conn.send(("probe", str(exc)))
            return
        except Exception as exc:  # noqa: BLE001 - the grader says why no slot can grade
            conn.send(("error", f"{type(exc).__name__}: {exc}"))
            return
        conn.send(("ready", ""))
        while True:
            try:
                job = conn.recv()
            except EOFError:
                return
            if job is None:
                break
            name, path = job
            try:
                graded = grade_one(grader, 0, functools.partial(read_tar, path))
            except Exception as exc:  # noqa: BLE001 - a grader failure on one handin must not stop the others
                graded = Graded(
                    rejected(
                        plan,
                        f"the grader failed on this handin ({type(exc).__name__}: {exc}); it needs a regrade",
                        Cause.GRADER_ERROR,
                    ),
                    0.0,
                    set(),
                    spec.identity.official,
                )
            write_graded(spec, name, graded)
            conn.send(("graded", (name, graded, grader.mode)))
        conn.send(("memory", SlotMemory(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, _own_mib())))
    finally:
        grader.close()


class Slots:
    """The slot processes of a batch, one per identity. Make it before any thread or fork server starts.

    Raises ProbeError when a slot's probe refuses, GradingError when a slot cannot start.
    """

    def __init__(self, plan: Plan, specs: list[SlotSpec]) -> None:
        """Fork one slot process per spec, each probing its identity, and wait until every one is ready."""
        self.plan = plan
        self.specs = specs
        self.mode = ""
        self.memory: list[SlotMemory] = []
        context = multiprocessing.get_context("fork")
        self._conns: list[Connection] = []
        self._procs: list = []
        gc.freeze()  # what the grader loaded stays out of the slots' collections, so their pages stay shared
        try:
            for spec in specs:
                ours, theirs = context.Pipe()
                proc = context.Process(
                    target=_serve, args=(plan, spec, theirs, [*self._conns, ours]), daemon=True, name="rnn-slot"
                )
                proc.start()
                theirs.close()
                self._conns.append(ours)
                self._procs.append(proc)
            self._wait_ready()
        except BaseException:
            self.close()
            raise
        finally:
            gc.unfreeze()

    def _wait_ready(self) -> None:
        refusals = []
        for k, conn in enumerate(self._conns):
            try:
                kind, text = conn.recv()
            except EOFError:
                kind, text = "error", "its process ended"
            if kind == "probe":
                refusals.append(text)
            elif kind != "ready":
                raise GradingError(f"grading slot {k} cannot start: {text}")
        if refusals:
            raise ProbeError(refusals[0])

    def grade(self, handins: list[tuple[str, Path]], report=None) -> dict[str, Graded]:
        """Grade (name, tar path) pairs, each slot taking the next as it finishes one -> name -> Graded.

        report(name, graded) is called in the grader as each handin is done.
        """
        pending = list(reversed(sorted(handins)))
        graded: dict[str, Graded] = {}
        busy: dict[Connection, str] = {}
        idle = list(self._conns)

        def hand_out() -> None:
            while idle and pending:
                conn = idle.pop()
                name, path = pending.pop()
                try:
                    conn.send((name, path))
                except OSError:
                    pending.append((name, path))  # that slot is gone: another takes it
                    continue
                busy[conn] = name

        hand_out()
        while busy:
            for ready in wait(list(busy)):
                conn = typing.cast(Connection, ready)
                name = busy.pop(conn)
                try:
                    _, (done, result, mode) = conn.recv()
                    self.mode = self.mode or mode
                    idle.append(conn)
                except (EOFError, OSError):
                    done, result = name, self._failed(name, "its grading process ended")
                graded[done] = result
                if report is not None:
                    report(done, result)
            hand_out()
        for name, _ in pending:  # every slot is gone
            graded[name] = self._failed(name, "no grading process was left")
        return graded

    def _failed(self, name: str, why: str) -> Graded:
        """-> (and write) the grade of a handin its slot could not grade."""
        official = self.specs[0].identity.official
        result = Graded(
            rejected(self.plan, f"the grader failed on this handin ({why}); it needs a regrade", Cause.GRADER_ERROR),
            0.0,
            set(),
            official,
        )
        write_graded(self.specs[0], name, result)
        return result

    def close(self) -> None:
        """End every slot (each removes its fork servers and folders) and collect their memory figures."""
        for conn in self._conns:
            try:
                conn.send(None)
            except OSError:
                pass
        for conn in self._conns:
            try:
                while conn.poll(10):
                    kind, value = conn.recv()
                    if kind == "memory":
                        self.memory.append(value)
                        break
            except (EOFError, OSError):
                pass
            conn.close()
        for proc in self._procs:
            proc.join(timeout=10)
            if proc.is_alive():
                proc.kill()
                proc.join()
        self._conns.clear()
        self._procs.clear()


def grade_batch(slots: Slots, handins: list[tuple[str, Path]], out: Path) -> dict[str, Graded]:
    """Grade (name, tar path) pairs in the slots, then write out/gradebook.csv (always, whatever happened).

    Each handin's out/<name>/results.json and feedback.txt are written as it finishes. Returns name -> Graded.
    """
    graded: dict[str, Graded] = {}

    def report(name: str, result: Graded) -> None:
        total = sum(r.points for r in result.results)
        top = sum(r.max_points for r in result.results)
        print(f"{name}: {total:g} / {top:g}", flush=True)

    try:
        graded = slots.grade(handins, report)
    finally:
        rows: dict[str, list[StepResult]] = {n: g.results for n, g in graded.items()}
        facts = slots.specs[0].facts or {} if slots.specs else {}
        (out / "gradebook.csv").write_text(outputs.gradebook_csv(rows, facts.get(ISOLATION_KEY)))
        print(f"wrote {out / 'gradebook.csv'} ({plural(len(graded), 'handin')})", file=sys.stderr)
    return graded
