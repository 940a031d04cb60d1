"""Time full runner passes over the reference solution, with and without live torch checks.

    python benchmarks/runner_speed.py [--repeat N]

Each pass is a fresh `python autograder/runner.py` process, as a student runs it,
so interpreter start-up and imports are included. Prints the median and best
wall time of each mode.
"""

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def time_runs(args: list[str], repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "autograder/runner.py", *args], cwd=ROOT, capture_output=True)
        times.append(time.perf_counter() - start)
        if proc.returncode != 0:
            raise SystemExit(f"runner {' '.join(args)} failed:\n{proc.stdout.decode()}{proc.stderr.decode()}")
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=10, help="passes per mode (default: %(default)s)")
    args = parser.parse_args()
    modes = [("stored references only (--no-torch)", ["--no-torch"])]
    try:
        import torch  # noqa: F401

        modes.append(("references + live torch checks (--torch)", ["--torch"]))
    except ImportError:
        print("torch is not installed: timing --no-torch only")
    for label, flags in modes:
        times = time_runs(flags, args.repeat)
        print(f"{label:45s} median {statistics.median(times):.3f} s   best {min(times):.3f} s   ({args.repeat} runs)")


if __name__ == "__main__":
    main()
