"""What confining one worker costs: a fork server starting a trivial program, per confinement.

    sudo .venv/bin/python benchmarks/worker_confinement.py [--workers 40] [--rounds 3]
        [--worker-python PY --torch-worker-python PY] [--worker-uid UID]

For each worker runtime (numpy only; numpy and torch) it starts one fork
server (launcher.py) and has it start `--workers` workers running `pass`, as
the worker uid, in turn with each confinement, in rounds:

  uid only         the worker's uid, no namespaces (as where the kernel allows none)
  namespaces       mount, network and IPC namespaces, fresh temporary folders (before the view)
  view             the worker's own view of the filesystem, in its own mount, PID, network, IPC and UTS
                   namespaces (forkserver.enter_view): what official grading uses where it can

and prints the median milliseconds per worker (fork, confinement, the
program, its end and the reply), and the view's extra cost over `namespaces`.
A handin starts at least two workers (one per runtime), more after a death.
Run it as root; the runtimes default to RNN_WORKER_PYTHON and
RNN_TORCH_WORKER_PYTHON.
"""

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.official.confine import sandbox  # noqa: E402 (after the path is set)
from autograder.official.confine.identity import DEFAULT_FIRST_UID, Identity, kill_all  # noqa: E402
from autograder.official.confine.launcher import Launcher, spawn_program  # noqa: E402
from autograder.official.judging.worker_folder import make_base  # noqa: E402

SCRATCH = 1 << 20
MODES = {"uid only": (None, False), "namespaces": (SCRATCH, False), "view": (SCRATCH, True)}


def per_worker(launcher: Launcher, folder: Path, uid: int, scratch: int | None, view: bool, workers: int) -> float:
    """-> mean seconds per worker over `workers` workers started one after another."""
    started = time.perf_counter()
    for _ in range(workers):
        code, output = spawn_program(launcher, folder, uid, uid, scratch, "pass", [], 60, view=view)
        if code != 0:
            raise SystemExit(f"a worker failed ({code}): {output[-500:]}")
    return (time.perf_counter() - started) / workers


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker-python", default=os.environ.get("RNN_WORKER_PYTHON"))
    parser.add_argument("--torch-worker-python", default=os.environ.get("RNN_TORCH_WORKER_PYTHON"))
    parser.add_argument("--workers", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--worker-uid", type=int, default=DEFAULT_FIRST_UID)
    args = parser.parse_args()
    if os.geteuid() != 0 or not sandbox.kernel_allows():
        raise SystemExit("run as root where namespaces are allowed")
    if not (args.worker_python and args.torch_worker_python):
        raise SystemExit("give --worker-python and --torch-worker-python (or their RNN_* variables)")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    base = make_base()
    folder = base / "worker"
    folder.mkdir(mode=0o700)
    os.chown(folder, args.worker_uid, args.worker_uid)
    try:
        for name, python, torch in (("numpy", args.worker_python, False), ("torch", args.torch_worker_python, True)):
            launcher = Launcher(python, base, torch=torch)
            try:
                launcher.ready()
                times: dict[str, list[float]] = {mode: [] for mode in MODES}
                for _ in range(args.rounds):
                    for mode, (scratch, view) in MODES.items():
                        times[mode].append(per_worker(launcher, folder, args.worker_uid, scratch, view, args.workers))
            finally:
                launcher.close()
                kill_all(Identity(args.worker_uid, args.worker_uid, python))
            medians = {mode: statistics.median(t) * 1000 for mode, t in times.items()}
            print(f"{name} runtime: " + ", ".join(f"{mode} {ms:.1f} ms" for mode, ms in medians.items())
                  + f" per worker; the view adds {medians['view'] - medians['namespaces']:.1f} ms")
    finally:
        shutil.rmtree(base, ignore_errors=True)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
