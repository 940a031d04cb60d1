"""Running one handin's workers under the grader's clock, and ending them.

The folder is prepared by worker_folder.py, time is kept by clock.py, a
worker's death is put in words by deaths.py and each report is decoded by
reports.py; this module runs the workers and ties those together.

The grader keeps time itself: each job gets the per-case limit (T, or T per
question for mc) measured by the grader from the previous frame, and the
handin a total wall budget; a worker that is late, stopped or dead costs the
job it was running (and the rest of that step), then a new worker continues
with the next step. Reports are decoded as they arrive and the bytes a handin
may report are capped. Workers come from the slot's fork server for their
runtime (launcher.py), already holding numpy (and torch). After each worker,
every process of the identity is killed (and its cgroup), and after the
handin its folder and files are removed.
"""

import os
import select
import shutil
import signal
import subprocess
import time
from pathlib import Path
from secrets import token_hex

from autograder.findings import Cause
from autograder.official.confine import identity as identities
from autograder.official.confine import sandbox
from autograder.official.confine.launcher import WORKER_ENV, Launcher
from autograder.official.confine.limits import Confinement, Limits, confine
from autograder.official.judging.clock import LATE_GRACE, STARTUP_GRACE, Watch, time_up
from autograder.official.judging.deaths import OutputTail, death_lines
from autograder.official.judging.plan import Job, Plan
from autograder.official.judging.reports import Record, RecordStatus, decode_report
from autograder.official.judging.worker_folder import prepare_folder
from autograder.official.worker import wire

MAX_REPORT_BYTES = 64 << 20


class _Worker:
    """One worker process for jobs[start:], and the bookkeeping of its frames."""

    def __init__(
        self,
        jobs: list[Job],
        folder: Path,
        start: int,
        identity: identities.Identity,
        limits: Limits,
        confinement: Confinement,
        launcher: Launcher,
    ) -> None:
        stdin_r, stdin_w = os.pipe()
        out_r, out_w = os.pipe()
        frames_r, frames_w = os.pipe()
        scratch = limits.scratch if sandbox.namespace_for(identity) else None
        try:
            self.proc = launcher.spawn(
                folder,
                identity.uid,
                identity.gid,
                scratch,
                {**WORKER_ENV, "HOME": str(folder), "TMPDIR": str(folder)},
                (stdin_r, out_w, frames_w),
                start,
                view=scratch is not None,
                groups=identity.groups,
            )
        except BaseException:
            for fd in (stdin_w, out_r, frames_r):
                os.close(fd)
            raise
        finally:
            for fd in (stdin_r, out_w, frames_w):
                os.close(fd)
        self.frames_fd = frames_r
        self._out = out_r
        self.out_fd: int | None = out_r  # None once the worker's output ended
        try:
            confinement.place(self.proc.pid)
            os.write(stdin_w, b"go\n")
        except OSError:
            pass  # it died already: seen as a death below
        finally:
            os.close(stdin_w)
        self.reader = wire.FrameReader(start, len(jobs))

    def close(self) -> None:
        os.close(self.frames_fd)
        os.close(self._out)


def _stop(worker: _Worker, identity: identities.Identity, confinement: Confinement) -> None:
    """End the worker and everything it started: the cgroup, every process of the uid, its process group."""
    confinement.kill()
    try:
        os.killpg(worker.proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    identities.kill_all(identity)
    worker.proc.wait()
    worker.proc.release()  # only now may its pid be reused
    identities.wait_reaped(identity)


def _take_frames(
    chunk: bytes, worker: "_Worker", plan: Plan, jobs: list[Job], records: dict[int, Record], watch: Watch
) -> None:
    """Decode the complete frames in `chunk` into records, each judged against the grader's clock."""
    for i, js, data in worker.reader.feed(chunk):
        arrival = time.monotonic()
        if i == wire.READY:
            watch.ready = True
        elif arrival - watch.since > plan.job_limit(jobs[i]) + LATE_GRACE:
            records[i] = Record(
                RecordStatus.DEAD,
                lines=[
                    f"timed out: took {arrival - watch.since:.1f} s by the grader's clock, "
                    f"more than the {plan.job_limit(jobs[i]):g} s allowed"
                ],
                cause=Cause.TIMED_OUT,
            )
            watch.current = i + 1
        else:
            records[i] = decode_report(jobs[i].kind, js, data)
            watch.current = i + 1
        watch.since = arrival
    if worker.reader.error is not None:
        watch.why, watch.cause = [worker.reader.error], Cause.MALFORMED


def _watch_worker(
    plan: Plan,
    jobs: list[Job],
    worker: "_Worker",
    tail: OutputTail,
    records: dict[int, Record],
    watch: Watch,
    budget_end: float,
    kept: int,
) -> int:
    """Read the worker's frames until its jobs are done, it stops or the grader stops it -> bytes kept so far."""
    while watch.current < len(jobs):
        now = time.monotonic()
        stop = time_up(plan, jobs, watch, now, budget_end)
        if stop:
            watch.cause, watch.why = stop
            return kept
        limit = plan.job_limit(jobs[watch.current]) + LATE_GRACE if watch.ready else STARTUP_GRACE
        fds = [worker.frames_fd] + ([worker.out_fd] if worker.out_fd is not None else [])
        wait = min(0.1, budget_end - now, watch.since + limit - now)
        readable, _, _ = select.select(fds, [], [], max(wait, 0.0))
        if worker.out_fd in readable:
            chunk = os.read(worker.out_fd, 1 << 16)
            if chunk:
                tail.add(chunk)
            else:
                worker.out_fd = None
        if worker.frames_fd in readable:
            chunk = os.read(worker.frames_fd, 1 << 20)
            if not chunk:
                return kept  # the pipe closed: the worker is gone
            kept += len(chunk)
            if kept > MAX_REPORT_BYTES:
                watch.why = [f"the code's results exceed the {MAX_REPORT_BYTES >> 20} MiB a handin may report"]
                watch.cause = Cause.MALFORMED
                watch.spent = True
                return kept
            _take_frames(chunk, worker, plan, jobs, records, watch)
            if watch.why:
                return kept
        elif not readable and worker.proc.poll() is not None:
            return kept  # exited, and nothing more is coming (a child may hold the pipe open)
    return kept


def run_jobs(
    plan: Plan,
    jobs: list[Job],
    folder: Path,
    identity: identities.Identity,
    limits: Limits,
    confinement: Confinement,
    launcher: Launcher,
) -> dict[int, Record]:
    """Run every job in `folder` under the grader's clock, restarting after a death or a stop -> job -> Record."""
    n = len(jobs)
    records: dict[int, Record] = {}
    budget_end = time.monotonic() + plan.budget
    kept = 0
    start = 0
    spent: list[str] | None = None  # why nothing more can be run for this handin
    spent_cause = Cause.OVER_BUDGET
    while start < n:
        if spent is None and time.monotonic() >= budget_end:
            spent = [f"not run: the handin's time budget of {plan.budget:g} s ran out"]
        if spent is not None:
            records.update({i: Record(RecordStatus.DEAD, lines=spent, cause=spent_cause) for i in range(start, n)})
            break
        oom_before = confinement.oom_kills()
        worker = _Worker(jobs, folder, start, identity, limits, confinement, launcher)
        tail = OutputTail()
        watch = Watch(start, time.monotonic())
        try:
            kept = _watch_worker(plan, jobs, worker, tail, records, watch, budget_end, kept)
            if watch.spent and watch.why:
                spent, spent_cause = ["not run: " + watch.why[0]], watch.cause
            if watch.current >= n or watch.why is None:
                try:  # an orderly exit (or the end of a dying worker), before whatever is left is stopped
                    worker.proc.wait(timeout=2 if watch.current >= n else 0.5)
                except subprocess.TimeoutExpired:
                    pass
            exited = worker.proc.poll() is not None
            _stop(worker, identity, confinement)
        finally:
            worker.close()
        if watch.current >= n:
            break
        why = watch.why
        if why is None:
            oom = confinement.oom_kills() > oom_before
            why = (
                death_lines(worker.proc, tail, oom, limits.memory)
                if exited or oom
                else ["the process running the code closed its report pipe"]
            )
        records[watch.current] = Record(RecordStatus.DEAD, lines=why, cause=watch.cause)
        step = jobs[watch.current].step
        start = watch.current + 1
        while start < n and jobs[start].step == step:
            records[start] = Record(RecordStatus.SKIPPED)
            start += 1
    return records


def run_handin(
    plan: Plan,
    jobs: list[Job],
    files: dict[str, str],
    base: Path,
    identity: identities.Identity,
    limits: Limits,
    launcher: Launcher,
) -> tuple[dict[int, Record], str]:
    """Place the handin in a fresh folder under `base`, run its jobs, remove everything it left.

    Workers come from `launcher` (the runtime's fork server for this slot).

    -> (job index -> Record, the confinement mode used). Raises HandinError when the files cannot be placed.
    """
    folder = base / token_hex(8)
    identities.kill_all(identity)
    identities.wait_reaped(identity)
    confinement = confine(limits) if identity.official else Confinement()
    folder.mkdir(mode=0o700)
    mounted = sandbox.mount_folder(folder, identity, limits.disk)
    mode = "; ".join([confinement.mode, sandbox.describe(identity)])
    try:
        prepare_folder(plan, jobs, files, folder, identity, limits)
        return run_jobs(plan, jobs, folder, identity, limits, confinement, launcher), mode
    finally:
        confinement.kill()
        try:
            identities.kill_all(identity)
        finally:  # even if something of the uid survived, nothing of the handin is left behind
            confinement.remove()
            if mounted:
                sandbox.unmount_folder(folder)
            shutil.rmtree(folder, ignore_errors=True)
            identities.remove_leftovers(identity)
