"""Official grading: student code runs in a worker process; cases, expected values and scoring stay here.

Per handin: the accepted files (see `handin.py`) are placed over the stubbed
release in a fresh temporary folder together with the shipped autograder/
(without reference data, answer key, oracles or grading code); the worker
(`worker.py`) runs every job there and reports what the code produced; this
process validates those reports and judges them with the engine's judge
stage, so messages read exactly as the runner's.
"""

import hashlib
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np

from autograder.engine import Produced, StepResult, judge_step, with_dependency_note
from autograder.mc_questions import QUESTIONS, mark, normalise
from autograder.npzio import npz_bytes
from autograder.official import worker as codec
from autograder.official.handin import HandinError
from autograder.paths import ROOT
from autograder.reference_store import load_cases, read_manifest
from autograder.release import contents
from autograder.release.markers import strip
from autograder.rubric import RubricEntry, load_rubric
from autograder.steps import MISSING, Case, Step, all_steps

DEFAULT_HIDDEN = 2
DEFAULT_TIMEOUT = 20.0
MEMORY_BYTES = 4 * 1024**3
FILE_BYTES = 256 * 1024**2
LOG_BYTES = 4096
STARTUP_GRACE = 15.0
MAX_JSON_BYTES = 16 * 1024 * 1024
# Shipped autograder files the worker does not need: the oracles compute expected values.
NOT_FOR_WORKER = ("autograder/oracles/*",)
WORKER_ENV = {
    "PATH": "/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "OMP_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}


class GradingError(Exception):
    """Official grading cannot run at all (no torch, a bad secret, altered reference data)."""


# --- the secret and the hidden cases ----------------------------------------------------------


def new_secret(path: Path) -> None:
    """Write a fresh random secret (256 bits, hex) to path, readable by its owner only; refuses to overwrite."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(os.urandom(32).hex() + "\n")


def read_secret(path: Path) -> bytes:
    """-> the secret in the file (surrounding whitespace ignored); refuses an empty one."""
    try:
        secret = path.read_bytes().strip()
    except OSError as exc:
        raise GradingError(f"cannot read the secret file {path} ({exc.strerror})") from None
    if len(secret) < 8:
        raise GradingError(f"the secret in {path} is shorter than 8 characters")
    return secret


def hidden_stream(secret: bytes) -> int:
    """secret -> the case stream of the hidden cases (2 and up: 0 and 1 are the public and live streams)."""
    digest = hashlib.sha256(b"rnn-autograder hidden cases\0" + secret).digest()
    return 2 + int.from_bytes(digest[:8], "big")


def hidden_cases(step: Step, oracle: Callable, stream: int, per_spec: int) -> list[Case]:
    """-> per_spec fresh cases for each of the step's specs, expected values from the torch oracle."""
    cases = []
    for k in range(per_spec):
        for i, spec in enumerate(step.specs):
            index = k * len(step.specs) + i
            inputs = step.build(step.rng(stream, index), spec)
            cases.append(Case(f"hidden case {index + 1}", spec.desc, inputs, oracle(inputs), step.batch_of(spec)))
    return cases


def _oracles() -> dict[str, Callable]:
    try:
        from autograder.oracles import load_oracles

        return load_oracles()
    except ImportError as exc:
        raise GradingError(f"official grading needs torch for the hidden cases ({exc}); "
                           "pip install -r requirements-dev.txt") from None


# --- what is graded, once per batch -----------------------------------------------------------


@dataclass
class Job:
    """One unit of work for the worker: a case of a step, or the mc answers."""

    step: str
    kind: str  # "case" or "mc"
    inputs: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class Plan:
    """Everything a batch shares: rubric, steps, cases (public and hidden), the worker's files, limits."""

    rubric: list[RubricEntry]
    steps: dict[str, Step]
    cases: dict[str, list[Case]]
    jobs: list[Job]
    stubbed: dict[str, str]
    shipped: dict[str, bytes]
    timeout: float
    memory: int = MEMORY_BYTES
    launch: Callable[..., subprocess.Popen] = subprocess.Popen


def stubbed_editable(rubric: list[RubricEntry]) -> dict[str, str]:
    """-> every student-editable file as the release ships it (solution regions stubbed)."""
    out = {}
    for rel in contents.shipped_sources(ROOT):
        if contents.is_editable(rel):
            out[rel], _ = strip((ROOT / rel).read_text(), rel, rubric)
    return out


def worker_autograder() -> dict[str, bytes]:
    """-> the autograder files the worker gets: what ships to students, less what it does not need."""
    out = {}
    for rel in contents.shipped_sources(ROOT):
        if rel.startswith("autograder/") and not any(Path(rel).match(p) for p in NOT_FOR_WORKER):
            out[rel] = (ROOT / rel).read_bytes()
    return out


def make_plan(secret: bytes, per_spec: int = DEFAULT_HIDDEN, timeout: float = DEFAULT_TIMEOUT) -> Plan:
    """-> the batch's plan: stored cases from reference_data/, per_spec hidden cases per spec from `secret`."""
    oracles = _oracles()
    rubric = load_rubric()
    steps = all_steps()
    manifest = read_manifest()
    stream = hidden_stream(secret)
    cases: dict[str, list[Case]] = {}
    jobs: list[Job] = []
    for entry in rubric:
        step = steps[entry.id]
        if step.specs:
            cases[entry.id] = load_cases(entry.id, manifest) + hidden_cases(step, oracles[entry.id], stream, per_spec)
            jobs += [Job(entry.id, "case", case.inputs) for case in cases[entry.id]]
        elif entry.id == "mc":
            jobs.append(Job(entry.id, "mc"))
    return Plan(rubric, steps, cases, jobs, stubbed_editable(rubric), worker_autograder(), timeout)


# --- running the worker -----------------------------------------------------------------------


def _limits(memory: int, cpu_seconds: int) -> Callable[[], None]:
    def apply() -> None:
        for limit, value in ((resource.RLIMIT_AS, memory), (resource.RLIMIT_CPU, cpu_seconds),
                             (resource.RLIMIT_CORE, 0), (resource.RLIMIT_FSIZE, FILE_BYTES)):
            try:
                resource.setrlimit(limit, (value, value))
            except (ValueError, OSError):
                pass  # not available here (or only lower limits allowed): keep the inherited one

    return apply


def _tail(path: Path) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - LOG_BYTES))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def _stop(proc: subprocess.Popen) -> None:
    """Kill the worker's whole process group (it runs in its own session) and reap it."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    proc.wait()


def _job_budget(plan: Plan, job: Job) -> float:
    runs = len(QUESTIONS) if job.kind == "mc" else 1
    return runs * plan.timeout * 1.5 + 5.0


def _death(proc: subprocess.Popen, stopped_after: float | None, log: Path) -> list[str]:
    if stopped_after is not None:
        return [f"timed out: the process running the code was stopped after {stopped_after:.0f} s "
                "(an endless loop that outlasts the time limit?)"]
    code = proc.returncode
    if code is not None and code < 0:
        name = signal.Signals(-code).name if -code in signal.Signals._value2member_map_ else str(-code)
        why = {"SIGXCPU": "out of CPU time", "SIGKILL": "killed, probably out of memory",
               "SIGSEGV": "a crash"}.get(name, "a signal")
        head = f"the process running the code was killed by {name} ({why})"
    else:
        head = f"the process running the code exited (exit code {code}) before the case was done (os._exit()?)"
    last = [line for line in _tail(log).splitlines() if line.strip()][-1:]
    return [head] + [f"its last output line: {last[0][:200]}" for _ in last]


class _Frames:
    """Reads the worker's report frames from the pipe, in job order, refusing anything out of shape."""

    def __init__(self, fd: int, first: int) -> None:
        self.fd, self.next, self.buffer, self.closed = fd, first, b"", False
        self.broken: str | None = None
        self.idle = False  # the last poll found nothing to read

    def poll(self, wait: float) -> list[tuple[int, bytes, bytes]]:
        """Wait up to `wait` s for data -> the complete frames now available."""
        if not self.closed and self.broken is None:
            ready, _, _ = select.select([self.fd], [], [], wait)
            self.idle = not ready
            if ready:
                chunk = os.read(self.fd, 1 << 20)
                self.closed = not chunk
                self.buffer += chunk
        frames = []
        head = len(codec.FRAME_MAGIC) + codec.FRAME_HEAD.size
        while self.broken is None and len(self.buffer) >= head:
            if not self.buffer.startswith(codec.FRAME_MAGIC):
                self.broken = "the report stream is malformed"
                break
            n, lj, ln = codec.FRAME_HEAD.unpack(self.buffer[len(codec.FRAME_MAGIC):head])
            if n != self.next or lj > MAX_JSON_BYTES or ln > codec.MAX_ARRAY_BYTES + (1 << 20):
                self.broken = "the report stream is malformed (out of order or too large)"
                break
            if len(self.buffer) < head + lj + ln:
                break
            frames.append((n, self.buffer[head:head + lj], self.buffer[head + lj:head + lj + ln]))
            self.buffer = self.buffer[head + lj + ln:]
            self.next += 1
        return frames


def run_worker(plan: Plan, folder: Path, logs: Path) -> dict[int, Any]:
    """Run the jobs in `folder`, restarting after a death or a stop -> job index -> record.

    A record is ('done', (json bytes, npz bytes)) for a reported job, ('dead', message lines)
    when the worker died or was stopped during that job, ('skipped', None) for the rest of that step.
    """
    n = len(plan.jobs)
    records: dict[int, Any] = {}
    start = 0
    cpu = int(sum(_job_budget(plan, j) for j in plan.jobs) + 60)
    while start < n:
        log = logs / f"worker-{start}.log"
        read_end, write_end = os.pipe()
        try:
            with open(log, "wb") as out:
                proc = plan.launch(
                    [sys.executable, "-I", "-B", str(folder / "_worker.py"), str(folder), str(start), str(write_end)],
                    cwd=folder, env={**WORKER_ENV, "HOME": str(folder), "TMPDIR": str(folder)},
                    stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT, pass_fds=(write_end,),
                    start_new_session=True, preexec_fn=_limits(plan.memory, cpu),
                )
        finally:
            os.close(write_end)
        frames = _Frames(read_end, start)
        current, since, grace = start, time.monotonic(), STARTUP_GRACE
        stopped_after = None
        try:
            while current < n:
                for i, js, npz in frames.poll(0.05):
                    records[i] = ("done", (js, npz))
                    current, since, grace = i + 1, time.monotonic(), 0.0
                # A child the code started may hold the pipe open after the worker is gone.
                if frames.broken or frames.closed or (proc.poll() is not None and frames.idle):
                    break
                waited = time.monotonic() - since
                if current < n and waited > _job_budget(plan, plan.jobs[current]) + grace:
                    stopped_after = waited
                    break
            if current >= n:
                try:  # an orderly exit, before whatever is left is stopped
                    proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    pass
            _stop(proc)
        finally:
            os.close(read_end)
        if current >= n:
            break
        records[current] = ("dead", [frames.broken] if frames.broken else _death(proc, stopped_after, log))
        step = plan.jobs[current].step
        start = current + 1
        while start < n and plan.jobs[start].step == step:
            records[start] = ("skipped", None)
            start += 1
    return records


def prepare_folder(plan: Plan, files: dict[str, str], folder: Path) -> None:
    """Write the worker's folder: stubbed release files, the handin over them, the autograder, the inputs."""
    for rel, data in plan.shipped.items():
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    for rel, text in {**plan.stubbed, **files}.items():
        path = folder / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:
            raise HandinError(f"{rel}: cannot be placed ({exc.strerror}); a file and a folder share a name?") from None
    shutil.copyfile(Path(codec.__file__), folder / "_worker.py")
    inputs = {f"j{n:04d}/{k}": v for n, job in enumerate(plan.jobs) for k, v in job.inputs.items()}
    (folder / "inputs.npz").write_bytes(npz_bytes(inputs))
    jobs = [{"step": job.step, "kind": job.kind} for job in plan.jobs]
    (folder / "plan.json").write_text(json.dumps({"timeout": plan.timeout, "jobs": jobs}))


# --- judging ----------------------------------------------------------------------------------


def _load_record(data: tuple[bytes, bytes]) -> Any:
    js, npz = data
    try:
        record = json.loads(js.decode("utf-8"))
    except (ValueError, UnicodeDecodeError) as exc:
        raise codec.Malformed(f"the report is not valid JSON ({type(exc).__name__})") from None
    return record, codec.load_arrays(npz)


def _produced(record: Any) -> Produced:
    status, lines = record
    if status == "dead":
        return Produced({}, lines)
    if status != "done":
        return Produced({}, ["the case was not run"])
    try:
        data, arrays = _load_record(lines)
        outputs, error, warnings = codec.decode_case(data, arrays, MISSING)
    except codec.Malformed as exc:
        return Produced({}, [f"the report of what the code produced is malformed ({exc})"])
    return Produced(outputs, error, warnings)


def _mc_result(entry: RubricEntry, record: Any, key: dict[int, Any]) -> StepResult:
    """Mark the reported answers against the key: points per right answer, right/wrong per question."""
    result = StepResult(entry.id, 0.0, entry.points, passed=False)
    status, lines = record
    reported: Any = None
    if status == "done":
        try:
            reported, _ = _load_record(lines)
        except codec.Malformed as exc:
            result.message = [f"hw/mc.py: the report of the answers is malformed ({exc})"]
            return result
    if not (isinstance(reported, dict) and reported.get("kind") == "mc" and isinstance(reported.get("answers"), list)
            and len(reported["answers"]) == len(QUESTIONS)):
        result.message = ["hw/mc.py: " + (lines[0] if status == "dead" else "the answers were not reported")]
        return result
    answers: dict[int, Any] = {}
    notes: dict[int, str] = {}
    stub = None
    for q, item in zip(QUESTIONS, reported["answers"]):
        name = f"question_{q.number}"
        if not (isinstance(item, dict) and item.get("number") == q.number):
            notes[q.number] = f"{name}: wrong (malformed report)"
            continue
        error = item.get("error")
        if error is not None:
            ok = isinstance(error, list) and error and all(isinstance(x, str) for x in error)
            head = error[0][:300] if ok else "malformed error report"
            if head.startswith("not implemented yet"):
                stub = stub or head
                notes[q.number] = f"{name}: not answered yet"
            else:
                notes[q.number] = f"{name}: wrong (it raised: {head})"
            continue
        answer, problem = codec.decode_answer(item.get("answer"))
        if problem is None:
            problem, _ = normalise(q, answer)
        if problem:
            notes[q.number] = f"{name}: wrong ({problem})"
            continue
        answers[q.number] = answer
    marks = mark(answers, key)
    right = sum(marks.values())
    lines_out = [notes.get(q.number) or f"question_{q.number}: {'right' if marks[q.number] else 'wrong'}"
                 for q in QUESTIONS]
    head = f"{right} of {len(QUESTIONS)} answers are right"
    if stub:
        head = f"{stub} ({head})"
    result.points = entry.points * right / len(QUESTIONS)
    result.passed = right == len(QUESTIONS)
    result.message = [head] + ["  " + line for line in lines_out]
    return result


def _answer_key() -> dict[int, Any]:
    from autograder.answer_key import ANSWERS

    return ANSWERS


def judge(plan: Plan, records: dict[int, Any]) -> list[StepResult]:
    """-> the StepResults of every rubric step, in rubric order, from the worker's reports."""
    index: dict[str, list[int]] = {}
    for n, job in enumerate(plan.jobs):
        index.setdefault(job.step, []).append(n)
    failed: set[str] = set()
    files = {e.id: e.file for e in plan.rubric}
    results = []
    for entry in plan.rubric:
        step = plan.steps[entry.id]
        jobs = index.get(entry.id, [])
        if entry.id == "mc":
            result = _mc_result(entry, records.get(jobs[0], ("dead", ["not run"])), _answer_key())
        elif step.specs:
            def source(i: int, case: Case, jobs: list[int] = jobs) -> Produced:
                return _produced(records.get(jobs[i], ("skipped", None)))

            try:
                result = judge_step(step, entry, plan.cases[entry.id], source)
            except Exception as exc:  # noqa: BLE001 - reported values that defeat the diagnostics
                result = StepResult(entry.id, 0.0, entry.points, False,
                                    [f"{step.target}: what the code produced could not be judged ({type(exc).__name__})"])
        else:
            result = StepResult(entry.id, 0.0, entry.points, False, [f"{entry.id}: not gradable in official grading"])
        results.append(with_dependency_note(result, failed, entry, files))
    return results


def rejected(plan: Plan, reason: str) -> list[StepResult]:
    """-> every step failed with the reason the handin was rejected."""
    return [StepResult(e.id, 0.0, e.points, False, [f"handin rejected: {reason}"]) for e in plan.rubric]


def grade_files(plan: Plan, files: dict[str, str]) -> list[StepResult]:
    """files: accepted handin files (relative path -> text) -> the StepResults, after running the worker."""
    with tempfile.TemporaryDirectory(prefix="official-") as tmp:
        folder, logs = Path(tmp) / "work", Path(tmp) / "logs"
        folder.mkdir()
        logs.mkdir()
        try:
            prepare_folder(plan, files, folder)
        except HandinError as exc:
            return rejected(plan, str(exc))
        records = run_worker(plan, folder, logs)
        return judge(plan, records)
