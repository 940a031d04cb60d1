"""The worker: runs the student's code on case inputs, as another OS user, and reports what it produced.

The fork server (`confine/forkserver.py`) runs `main(FOLDER, START, 3)` in a child it
has confined and switched to the worker identity, in a fresh folder holding
the student's mytorch/ and hw/ and the shipped autograder/ (no reference data,
no answer key, no oracles, no grading code). FOLDER/plan.json holds the jobs
in order and the limits; FOLDER/inputs.bin the inputs of every job
(`j0007/x`, ...; see `_wire.write_arrays`). This file and the wire format
(the package `_wire`, see wire/) come from the fork server's own folder, loaded before any
student code. The worker never sees an expected value.

It first lowers its own resource limits, then waits for one line on stdin:
the grader sends it once the process is inside the handin's cgroups, so no
student code runs before the limits hold. Then it writes the READY frame and
one frame per job from START on to the pipe FD (see wire/framing.py). Once a case
of a step raised, the step's later cases are reported as skipped.

Standard library and numpy only, Python 3.10 and later.
"""

import json
import os
import resource
import sys
from pathlib import Path
from typing import Any

LIMITS = {
    "memory": resource.RLIMIT_AS,
    "cpu": resource.RLIMIT_CPU,
    "file": resource.RLIMIT_FSIZE,
    "processes": resource.RLIMIT_NPROC,
    "open_files": resource.RLIMIT_NOFILE,
}


def lower_limits(limits: dict[str, int]) -> None:
    """Lower this process's resource limits and turn off core files.

    limits: name (see LIMITS) -> value, set as both soft and hard limit; a limit is never raised above the hard
    limit already in place.
    """
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    for name, value in limits.items():
        which = LIMITS[name]
        _, hard = resource.getrlimit(which)
        value = value if hard == resource.RLIM_INFINITY else min(value, hard)
        resource.setrlimit(which, (value, value))


def _error(wire: Any, error: Any) -> dict[str, Any] | None:
    return None if error is None else wire.encode_error(error.kind.value, error.headline, error.where)


def _run_case(wire: Any, step: Any, inputs: dict, timeout: float) -> tuple[dict, dict]:
    from autograder.produced import produce

    got = produce(step.run, inputs, timeout)
    return wire.encode_case(got.outputs, got.outputs.records, _error(wire, got.error), got.warnings)


def _run_quiz(wire: Any, step: Any, timeout: float) -> dict[str, Any]:
    """Call each answer function of a quiz step alone, so that one that hangs costs only its answer.

    wire: the wire format package; step: the quiz step; timeout: seconds allowed per function. Returns its
    record: {"kind": "quiz", "answers": [{"number", "answer", "error"}, ...]}, in question order.
    """
    from autograder.isolation import run_isolated
    from autograder.steps._student import student_attr

    answers = []
    for q in step.questions:
        name = step.function(q.number)

        def answer(name: str = name) -> Any:
            return wire.encode_answer(student_attr(step.module, name)())

        outcome = run_isolated(answer, timeout)
        answers.append({"number": q.number, "answer": outcome.value, "error": _error(wire, outcome.error)})
    return {"kind": "quiz", "answers": answers}


def main(folder: Path, start: int, fd: int) -> None:
    """Run the jobs of `folder`'s plan from job `start` on and write one frame per job to the pipe `fd`.

    folder: the worker's folder (plan.json, inputs.bin, the student's code, the shipped autograder/); start:
    the index of the first job to run (earlier ones ran in a previous worker); fd: the frames pipe, on which
    the READY frame comes first. See the module docstring for the order of limits, go line and frames.
    """
    plan = json.loads((folder / "plan.json").read_text())
    lower_limits(plan["limits"])
    sys.stdin.readline()  # the grader's go: this process is now inside the handin's limits
    # The shipped autograder/ and the student's packages are imported from the folder itself.
    sys.path.insert(0, str(folder))
    os.chdir(folder)
    import _wire as wire

    from autograder.steps import all_steps

    timeout = float(plan["timeout"])
    by_job: dict[str, dict[str, Any]] = {}
    for name, value in wire.read_arrays((folder / "inputs.bin").read_bytes()).items():
        job_key, _, key = name.partition("/")
        by_job.setdefault(job_key, {})[key] = value
    steps = all_steps()
    pipe = os.fdopen(fd, "wb", buffering=0)
    pipe.write(wire.frame(wire.READY, {"kind": "ready"}, {}))
    failed_steps: set[str] = set()
    arrays: dict[str, Any]
    for n, job in enumerate(plan["jobs"]):
        if n < start:
            continue
        if job["step"] in failed_steps:
            record, arrays = {"kind": "skipped"}, {}
        elif job["kind"] == "quiz":
            record, arrays = _run_quiz(wire, steps[job["step"]], timeout), {}
        else:
            record, arrays = _run_case(wire, steps[job["step"]], by_job.get(f"j{n:04d}", {}), timeout)
            if record["error"]:
                failed_steps.add(job["step"])
        pipe.write(wire.frame(n, record, arrays))
