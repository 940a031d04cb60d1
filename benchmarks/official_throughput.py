"""Honest handins officially graded per minute, and the grader's peak memory.

    sudo python benchmarks/official_throughput.py --worker-python PY --torch-worker-python PY [--handins N]
        [--jobs 2 1] [--hidden-cases K] [--repeat R]

Copies the repository into a private temporary folder (official grading
refuses a repository the worker uids could read), packs N honest handins (the
reference solution, each with its own comment line, so each draws its own
hidden cases) and times one `python -m autograder.official grade` process per
--jobs value, as an instructor runs it: start-up, plan, fork servers, probe,
every step with the default hidden cases, results, feedback and gradebook.
The peak memory is the largest resident size among the processes it ran (the
grader itself; each slot's torch fork server holds about 220 MiB). For scale
it also times the local runner on the same solution (`python
autograder/runner.py --no-torch`, one process).

PY: an interpreter the worker uids can read and execute, owned by root, with numpy (e.g. a venv of
/usr/bin/python3 made by root in a folder every user can read); defaults to RNN_WORKER_PYTHON (and
RNN_TORCH_WORKER_PYTHON for the one with torch).
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.release import contents  # noqa: E402 (after the path is set)


def private_copy(where: Path) -> Path:
    repo = where / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(".git", "__pycache__", "build", "runs", "*.pyc"))
    return repo


def honest_handins(repo: Path, folder: Path, count: int) -> list[Path]:
    editable = [rel for rel in contents.shipped_sources(repo) if contents.is_editable(rel)]
    folder.mkdir()
    paths = []
    for k in range(count):
        path = folder / f"student{k:03d}.tar"
        with tarfile.open(path, "w") as tar:
            for rel in editable:
                data = (repo / rel).read_bytes()
                if rel == "hw/mc.py":
                    data += f"# handed in by student {k}\n".encode()
                info = tarfile.TarInfo(rel)
                info.size = len(data)
                tar.addfile(info, __import__("io").BytesIO(data))
        paths.append(path)
    return paths


def grade(repo: Path, handins: list[Path], out: Path, secret: Path, jobs: int, python: str, torch_python: str,
          hidden: int) -> tuple[float, float]:
    """-> (wall seconds, peak resident MiB of the processes it ran)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "autograder.official", "grade", *map(str, handins), "--out", str(out),
                           "--secret", str(secret), "--jobs", str(jobs), "--worker-python", python,
                           "--torch-worker-python", torch_python, "--hidden-cases", str(hidden)],
                          cwd=repo, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"grading failed:\n{proc.stderr}")
    book = (out / "gradebook.csv").read_text().splitlines()[1:]
    if len(book) != len(handins) or not all(line.split(",")[1] == line.split(",")[2] for line in book):
        raise SystemExit("an honest handin did not get full marks:\n" + "\n".join(book))
    peak = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    return wall, peak


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker-python", default=os.environ.get("RNN_WORKER_PYTHON"))
    parser.add_argument("--torch-worker-python", default=os.environ.get("RNN_TORCH_WORKER_PYTHON"))
    parser.add_argument("--handins", type=int, default=60)
    parser.add_argument("--jobs", type=int, nargs="+", default=[os.cpu_count() or 1, 1])
    parser.add_argument("--hidden-cases", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=1, help="runs per --jobs value (median reported)")
    args = parser.parse_args()
    if os.geteuid() != 0 or not args.worker_python or not args.torch_worker_python:
        raise SystemExit("needs root (worker uids), --worker-python and --torch-worker-python (or RNN_WORKER_PYTHON "
                         "and RNN_TORCH_WORKER_PYTHON)")
    where = Path(tempfile.mkdtemp(prefix="official-bench-"))
    try:
        repo = private_copy(where)
        secret = where / "course.secret"
        secret.write_text(os.urandom(16).hex() + "\n")
        os.chmod(secret, 0o600)
        handins = honest_handins(repo, where / "handins", args.handins)
        runner = []
        for _ in range(5):
            start = time.perf_counter()
            subprocess.run([sys.executable, "autograder/runner.py", "--no-torch"], cwd=repo, capture_output=True)
            runner.append(time.perf_counter() - start)
        print(f"local runner, one solution, --no-torch: median {statistics.median(runner):.2f} s")
        print(f"{args.handins} honest handins, {args.hidden_cases} hidden cases per spec, {os.cpu_count()} cores")
        for jobs in args.jobs:
            runs = []
            for r in range(args.repeat):
                out = where / f"out-{jobs}-{r}"
                runs.append(grade(repo, handins, out, secret, jobs, args.worker_python, args.torch_worker_python,
                                  args.hidden_cases))
            wall = statistics.median(w for w, _ in runs)
            peak = max(p for _, p in runs)
            print(f"--jobs {jobs}: {wall:.1f} s, {60 * args.handins / wall:.0f} handins/min "
                  f"({wall / args.handins:.2f} s each, start-up included); grader peak memory {peak:.0f} MiB")
    finally:
        shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    main()
