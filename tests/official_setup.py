"""Shared setup of the official-grading tests: handins, a worker runtime, a private copy of the repository.

Official grading runs student code as other uids, which needs root, and with an
interpreter those uids can execute (the development Python often lives in a
private folder). `.ci/run` prepares one and names it in RNN_WORKER_PYTHON (and
one with torch, for the steps whose student code uses it, in
RNN_TORCH_WORKER_PYTHON); without them, `worker_python()` and
`torch_worker_python()` make one (a venv of the system Python with
requirements.txt, plus the pinned torch) in a world-readable folder, or the
tests that need it skip and say why.
"""

import hashlib
import io
import os
import shutil
import subprocess
import tarfile
from pathlib import Path

import pytest

from autograder.official.confine.identity import Identity
from autograder.official.judging.batch import Grader
from autograder.official.judging.worker_folder import make_base
from tests.release_tree import editable_sources
from tests.tree import REPO

IS_ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not IS_ROOT, reason="official grading switches to worker uids, which needs root "
                                                     "(CI runs these tests as root)")
# Worker uids of the tests: fixed offsets from one base, so that two test runs on one machine (pytest-xdist
# workers, or separate checkouts given their own RNN_TEST_FIRST_UID) never grade as the same uid.
UIDS_PER_RUN = 1000


def worker_uid(offset: int) -> int:
    """offset: 0 to 999, fixed per test -> the worker uid it uses in this run: RNN_TEST_FIRST_UID (default
    61100) plus UIDS_PER_RUN for each pytest-xdist worker before this one (gw0, gw1, ...)."""
    assert 0 <= offset < UIDS_PER_RUN, offset
    base = int(os.environ.get("RNN_TEST_FIRST_UID", "61100"))
    worker = os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw")
    return base + UIDS_PER_RUN * (int(worker) if worker.isdigit() else 0) + offset


SYSTEM_PYTHONS = ("/usr/bin/python3.11", "/usr/bin/python3.12", "/usr/bin/python3.10", "/usr/bin/python3")
LINEAR = "mytorch/linear.py"


def _world_executable(path: Path) -> bool:
    path = path.resolve()
    if not (path.is_file() and path.stat().st_mode & 0o001):
        return False
    return all(p.stat().st_mode & 0o001 for p in path.parents)


def pinned_torch() -> str:
    """-> the torch requirement pinned in requirements-dev.txt ("torch==...")."""
    return next(line.strip() for line in (REPO / "requirements-dev.txt").read_text().splitlines()
                if line.startswith("torch=="))


def _make_worker_python(name: str = "rnn-worker-python", extra: tuple[str, ...] = ()) -> str | None:
    requirements = (REPO / "requirements.txt").read_bytes()
    tag = hashlib.sha256(requirements + " ".join(extra).encode()).hexdigest()[:12]
    for base in SYSTEM_PYTHONS:
        if not _world_executable(Path(base)):
            continue
        # Not in /tmp: workers get a private /tmp of their own, where this would not be.
        home = Path("/var/lib") if os.access("/var/lib", os.W_OK) else Path("/tmp")
        where = home / f"{name}-{tag}"
        python = where / "bin" / "python"
        if not python.exists():
            shutil.rmtree(where, ignore_errors=True)
            made = subprocess.run([base, "-m", "venv", str(where)], capture_output=True)
            if made.returncode == 0:
                made = subprocess.run([str(python), "-m", "pip", "install", "-q", "-r", str(REPO / "requirements.txt"),
                                       *extra], capture_output=True)
            if made.returncode != 0:
                shutil.rmtree(where, ignore_errors=True)
                continue
            os.chmod(where, 0o755)
        return str(python)
    return None


_WORKER_PYTHON: list[str | None] = []
_TORCH_WORKER_PYTHON: list[str | None] = []


def torch_worker_python() -> str:
    """-> an interpreter worker uids can run, with numpy and the pinned torch; skips the test when there is none."""
    if not _TORCH_WORKER_PYTHON:
        given = os.environ.get("RNN_TORCH_WORKER_PYTHON")
        _TORCH_WORKER_PYTHON.append(given if given else _make_worker_python("rnn-worker-torch", (pinned_torch(),)))
    python = _TORCH_WORKER_PYTHON[0]
    if python is None:
        pytest.skip("no torch worker runtime: set RNN_TORCH_WORKER_PYTHON to an interpreter every user can run, "
                    "with numpy and torch (`.ci/run` makes one)")
    return python


def worker_python() -> str:
    """-> an interpreter worker uids can run, with numpy only; skips the test when there is none."""
    if not _WORKER_PYTHON:
        given = os.environ.get("RNN_WORKER_PYTHON")
        _WORKER_PYTHON.append(given if given else _make_worker_python())
    python = _WORKER_PYTHON[0]
    if python is None:
        pytest.skip("no worker runtime: set RNN_WORKER_PYTHON to an interpreter every user can run, with numpy "
                    "(`.ci/run` makes one), or install python3-venv")
    return python


def private_runtime(python: str, where: Path) -> str:
    """python: a worker runtime's interpreter (a venv's bin/python); where: a folder every user can enter,
    outside /tmp -> the interpreter of a copy of that venv in `where`, for a test that changes the runtime:
    the shared one is in use by other tests (pytest-xdist workers, other checkouts) at the same time."""
    root = Path(python).parent.parent
    copy = where / root.name
    shutil.copytree(root, copy, symlinks=True)  # bin/python stays a link to the system interpreter
    os.chmod(copy, 0o755)
    return str(copy / "bin" / Path(python).name)


def runtime_args() -> list[str]:
    """-> the grade command's options naming both worker runtimes (numpy only; numpy and torch)."""
    return ["--worker-python", worker_python(), "--torch-worker-python", torch_worker_python()]


def in_process_grader(plan, first_uid: int, count: int = 1) -> Grader:
    """-> a Grader for tests in this process: worker uids when root (no probe: this repository may be
    readable), else the same-user trial mode with this interpreter."""
    if IS_ROOT:
        python, torch_python = worker_python(), torch_worker_python()
        identities = [Identity(uid, uid, python) for uid in range(first_uid, first_uid + count)]
    else:
        import sys
        torch_python = sys.executable
        identities = [Identity(None, None, sys.executable)] * count
    return Grader(plan, identities, make_base(), torch_python=torch_python)


def private_repo(where: Path) -> Path:
    """Copy the repository's files (no .git, caches or build output) into `where`/repo, with `where` 0700."""
    where.mkdir(parents=True, exist_ok=True)
    os.chmod(where, 0o700)
    repo = where / "repo"
    shutil.copytree(REPO, repo, ignore=shutil.ignore_patterns(".git", "__pycache__", "build", "runs", ".pytest_cache",
                                                              "*.pyc", ".venv"))
    return repo


def private_course(where: Path, secret_text: str | None = None) -> tuple[Path, Path]:
    """A private copy of the repository (see private_repo) and `where`/course.secret beside it, mode 0600 ->
    (repo, secret). The secret holds `secret_text`, or one the copy's own new-secret command makes."""
    repo = private_repo(where)
    secret = where / "course.secret"
    if secret_text is None:
        assert official_cli(repo, "new-secret", str(secret)).returncode == 0
    else:
        secret.write_text(secret_text)
        os.chmod(secret, 0o600)
    return repo, secret


def solution() -> dict[str, str]:
    return {rel: (REPO / rel).read_text() for rel in editable_sources()}


def with_change(rel: str, old: str, new: str) -> dict[str, str]:
    files = solution()
    assert files[rel].count(old) == 1, old
    files[rel] = files[rel].replace(old, new)
    return files


def linear_forward_replaced_by(code: str) -> dict[str, str]:
    """The solution's files with Linear.forward replaced by `code` (the original is kept, renamed)."""
    files = solution()
    files[LINEAR] = files[LINEAR].replace("\n    def forward(self, x: np.ndarray)",
                                          code + "\n    def _unused(self, x: np.ndarray)")
    return files


def pack(path: Path, files: dict[str, str | bytes], links: dict[str, str] | None = None) -> Path:
    """Write a plain tar of regular files (and symlinks name -> target) exactly as named, unsafe names included."""
    with tarfile.open(path, "w") as tar:
        for name, data in files.items():
            raw = data.encode() if isinstance(data, str) else data
            info = tarfile.TarInfo(name)
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
        for name, target in (links or {}).items():
            info = tarfile.TarInfo(name)
            info.type, info.linkname = tarfile.SYMTYPE, target
            tar.addfile(info)
    return path


def official_cli(repo: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run `python -m autograder.official ARGS` from the repository copy `repo` (its code, its ROOT)."""
    import sys
    return subprocess.run([sys.executable, "-m", "autograder.official", *args], cwd=repo, capture_output=True,
                          text=True, env={**os.environ, **(env or {})}, timeout=900)


def results_of(path: Path) -> dict[str, tuple[str, float, str]]:
    """results.json -> step id -> (status, points, output)."""
    import json
    data = json.loads(path.read_text())
    return {t["name"]: (t["status"], t["score"], t["output"]) for t in data["tests"]}
