"""The runner on the reference solution against a bare `import numpy`, whole processes, in pairs.

    python benchmarks/runner_speed.py [--python PY] [--pairs N]

PY (default: this interpreter) is the environment measured; for the students'
one, a numpy-only virtual environment:

    python3 -m venv /tmp/numpy-only && /tmp/numpy-only/bin/pip install -r requirements.txt
    python benchmarks/runner_speed.py --python /tmp/numpy-only/bin/python

Each command is a fresh process started by PY, as a student starts the
runner, so interpreter start-up and imports count. The commands run in turn,
pair after pair (runner, `import numpy`, runner, ...), and the ratio is taken
pair by pair, so that the machine's speed drifting during the run moves both
sides of a ratio alike; the table gives medians, by wall clock and by CPU time
(user + system, the operating system's accounting of the finished process).

Besides the bare import, a third command gives the floor the runner cannot go
under: numpy imported, the stored cases read, and the student code (here the
reference solution) run on every one of them, with nothing compared or
reported. Bytecode caches are written by a first, uncounted run of each (as
they are after a student's first run). Where PY has torch, the runner is also
timed with --no-torch (as many steps, stored references only) and with its
live torch checks.
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

# The student code alone: what every run of the runner must pay for at least.
FLOOR = """
import sys
sys.path.insert(0, sys.argv[1])
import numpy
from autograder.references.store import load_cases, read_manifest
from autograder.steps import Outputs, case_steps
manifest = read_manifest()
for step in case_steps().values():
    if not step.needs_torch:
        for case in load_cases(step.id, manifest, step=step):
            step.run({k: v.copy() for k, v in case.inputs.items()}, Outputs())
"""


def run(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """-> (wall seconds, CPU seconds) of one whole process."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(argv, cwd=ROOT, env=env, capture_output=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 1) or (proc.returncode == 1 and "runner.py" not in " ".join(argv)):
        raise SystemExit(f"{' '.join(argv)} failed:\n{proc.stdout.decode()}{proc.stderr.decode()}")
    return wall, (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--python", default=sys.executable, help="the environment to measure (default: this one)")
    parser.add_argument("--pairs", type=int, default=9, help="interleaved rounds (default: %(default)s)")
    args = parser.parse_args()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    has_torch = subprocess.run([args.python, "-c", "import torch"], capture_output=True).returncode == 0
    commands = {"import numpy": [args.python, "-c", "import numpy"],
                "floor: student code on the stored cases": [args.python, "-c", FLOOR, str(ROOT)],
                "runner": [args.python, "autograder/runner.py"]}
    if has_torch:
        commands["runner"].append("--no-torch")
        commands["runner --torch (live checks)"] = [args.python, "autograder/runner.py", "--torch"]
    for argv in commands.values():
        run(argv, env)  # writes the bytecode caches; not counted
    times: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
    for _ in range(args.pairs):
        for name, argv in commands.items():
            times[name].append(run(argv, env))
    base = times["import numpy"]
    version = subprocess.run([args.python, "-c", "import numpy, sys; print(numpy.__version__, sys.version.split()[0])"],
                             capture_output=True, text=True).stdout.split()
    print(f"{args.python}: numpy {version[0]}, Python {version[1]}, torch {'installed' if has_torch else 'absent'}; "
          f"{args.pairs} rounds, load average {'/'.join(f'{x:.1f}' for x in os.getloadavg())} at the end")
    print(f"{'command':42s} {'wall':>8s} {'CPU':>8s}   ratio to import numpy (wall, CPU)")
    for name, runs in times.items():
        wall = statistics.median(w for w, _ in runs)
        cpu = statistics.median(c for _, c in runs)
        ratio_wall = statistics.median(w / b for (w, _), (b, _) in zip(runs, base))
        ratio_cpu = statistics.median(c / b for (_, c), (_, b) in zip(runs, base))
        print(f"{name:42s} {wall:7.3f}s {cpu:7.3f}s   {ratio_wall:.2f}x, {ratio_cpu:.2f}x")


if __name__ == "__main__":
    main()
