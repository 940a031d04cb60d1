"""Honest handins officially graded per minute, the grader process's own CPU per handin, and memory per slot.

    sudo .venv/bin/python benchmarks/official_throughput.py [--jobs 16 8 4 2 1] [--handins N] [--repeat R]
        [--worker-python PY --torch-worker-python PY] [--hidden-cases K] [--worker-uid UID]

Run it as root with the instructor's environment (requirements-dev.txt: it
has torch). Copies the repository into a private temporary folder (official
grading refuses a repository the worker uids could read), packs N honest
handins (the reference solution, each with its own comment line, so each
draws its own hidden cases) and runs one `python -m autograder.official
grade` process per --jobs value, as an instructor runs it: start-up, plan,
slots, fork servers, probe, every step with the default hidden cases,
results, feedback and gradebook.

For each run it prints the wall time and handins per minute (start-up
included), and the CPU seconds per handin: of the grader process alone while
it grades (the serial part: one process hands out every handin and collects
every grade, so this bounds the speed-up of any number of slots), and of
everything the run started (grader, slots, fork servers, workers; start-up
included), which does not depend on other load on the machine as wall time
does. Memory: the grader's peak, and each slot process's peak and the part
of it that is its own (not shared with the grader it was forked from). The
load average before and after each run says how busy the machine was.

The worker runtimes: interpreters the worker uids can read and execute,
owned by root, one with numpy only and one with numpy and the pinned torch.
Without --worker-python / RNN_WORKER_PYTHON (and the torch one), they are
made once with the system Python from requirements.txt (and the torch pin
of requirements-dev.txt) under /var/lib/rnn-bench-runtimes-<hash>.
"""

import argparse
import hashlib
import io
import os
import re
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

from autograder.official.confine.identity import DEFAULT_FIRST_UID  # noqa: E402 (after the path is set)
from autograder.release import contents  # noqa: E402

SYSTEM_PYTHON = "/usr/bin/python3"


def private_copy(where: Path) -> Path:
    repo = where / "repo"
    shutil.copytree(ROOT, repo, ignore=shutil.ignore_patterns(".git", "__pycache__", "build", "runs", "*.pyc",
                                                              ".venv", ".pytest_cache"))
    return repo


def make_runtime(where: Path, extra: list[str]) -> str:
    """-> the python of a root-owned, world-readable venv of the system Python at `where` with requirements.txt
    and `extra` installed (made once)."""
    python = where / "bin" / "python"
    if not python.exists():
        shutil.rmtree(where, ignore_errors=True)
        subprocess.run([SYSTEM_PYTHON, "-m", "venv", str(where)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(ROOT / "requirements.txt"), *extra],
                       check=True)
        subprocess.run(["chmod", "-R", "a+rX,go-w", str(where)], check=True)
    return str(python)


def runtimes(args: argparse.Namespace) -> tuple[str, str]:
    if args.worker_python and args.torch_worker_python:
        return args.worker_python, args.torch_worker_python
    torch_pin = next(line.strip() for line in (ROOT / "requirements-dev.txt").read_text().splitlines()
                     if line.startswith("torch=="))
    tag = hashlib.sha256((ROOT / "requirements.txt").read_bytes() + torch_pin.encode()).hexdigest()[:12]
    home = Path(f"/var/lib/rnn-bench-runtimes-{tag}")
    home.mkdir(mode=0o755, exist_ok=True)
    print(f"worker runtimes in {home} (made once)", flush=True)
    return make_runtime(home / "numpy", []), make_runtime(home / "torch", [torch_pin])


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
                tar.addfile(info, io.BytesIO(data))
        paths.append(path)
    return paths


def children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def grade(repo: Path, handins: list[Path], out: Path, secret: Path, jobs: int, python: str, torch_python: str,
          hidden: int, first_uid: int) -> dict[str, float]:
    """-> the run's figures: wall, cpu (everything, per handin), own (grader process, per handin), grader and slot
    memory."""
    cpu_before = children_cpu()
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "autograder.official", "grade", *map(str, handins), "--out", str(out),
                           "--secret", str(secret), "--jobs", str(jobs), "--worker-python", python,
                           "--torch-worker-python", torch_python, "--hidden-cases", str(hidden),
                           "--worker-uid", str(first_uid)],
                          cwd=repo, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        raise SystemExit(f"grading failed:\n{proc.stderr}")
    book = (out / "gradebook.csv").read_text().splitlines()[1:]
    if len(book) != len(handins) or not all(line.split(",")[1] == line.split(",")[2] for line in book):
        raise SystemExit("an honest handin did not get full marks:\n" + "\n".join(book))
    found = re.search(r"grader process: [\d.]+ s of CPU while grading \(([\d.]+) s per handin\), grader peak memory "
                      r"(\d+) MiB; each slot process: peak (\d+) MiB, its own \(not shared with the grader\) (\d+) MiB",
                      proc.stderr)
    if found is None:
        raise SystemExit(f"the grader did not report its figures:\n{proc.stderr}")
    own, grader_mib, slot_mib, slot_own_mib = (float(g) for g in found.groups())
    return {"wall": wall, "cpu": (children_cpu() - cpu_before) / len(handins), "own": own,
            "grader_mib": grader_mib, "slot_mib": slot_mib, "slot_own_mib": slot_own_mib}


def load() -> str:
    return "/".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker-python", default=os.environ.get("RNN_WORKER_PYTHON"))
    parser.add_argument("--torch-worker-python", default=os.environ.get("RNN_TORCH_WORKER_PYTHON"))
    parser.add_argument("--handins", type=int, default=60)
    parser.add_argument("--jobs", type=int, nargs="+", default=[2, 1], help="one run per value (default: 2 1)")
    parser.add_argument("--hidden-cases", type=int, default=2)
    parser.add_argument("--worker-uid", type=int, default=DEFAULT_FIRST_UID,
                        help="first of the worker uids, one per slot (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=1, help="runs per --jobs value (median reported)")
    args = parser.parse_args()
    if os.geteuid() != 0:
        raise SystemExit("needs root: official grading runs student code as other uids")
    python, torch_python = runtimes(args)
    where = Path(tempfile.mkdtemp(prefix="official-bench-"))
    try:
        repo = private_copy(where)
        secret = where / "course.secret"
        secret.write_text(os.urandom(16).hex() + "\n")
        os.chmod(secret, 0o600)
        handins = honest_handins(repo, where / "handins", args.handins)
        print(f"{args.handins} honest handins, {args.hidden_cases} hidden cases per spec, {os.cpu_count()} cores; "
              "CPU seconds per handin: of the grader process while grading, and of everything the run started")
        for jobs in args.jobs:
            runs = []
            for r in range(args.repeat):
                before = load()
                out = where / f"out-{jobs}-{r}"
                runs.append(grade(repo, handins, out, secret, jobs, python, torch_python, args.hidden_cases,
                                  args.worker_uid))
                shutil.rmtree(out)
                print(f"  --jobs {jobs} run {r + 1}: {runs[-1]['wall']:.1f} s, grader {runs[-1]['own']:.4f} s and "
                      f"all {runs[-1]['cpu']:.2f} s CPU per handin (load average {before} before, {load()} after)",
                      flush=True)
            wall = statistics.median(run["wall"] for run in runs)
            own = statistics.median(run["own"] for run in runs)
            cpu = statistics.median(run["cpu"] for run in runs)
            print(f"--jobs {jobs}: {wall:.1f} s, {60 * args.handins / wall:.0f} handins/min (start-up included); "
                  f"CPU per handin: grader process {own:.4f} s, all {cpu:.2f} s; memory: grader peak "
                  f"{max(r['grader_mib'] for r in runs):.0f} MiB, each slot peak "
                  f"{max(r['slot_mib'] for r in runs):.0f} MiB of which its own "
                  f"{max(r['slot_own_mib'] for r in runs):.0f} MiB", flush=True)
    finally:
        shutil.rmtree(where, ignore_errors=True)


if __name__ == "__main__":
    main()
