"""The grader's side of the fork server: start-up, versions, waiting on a worker, and a runtime that cannot serve."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.official.confine.launcher import WORKER_ENV, Launcher, LaunchError, write_server_files
from autograder.official.judging.worker_folder import make_base
from autograder.official.worker import wire


@pytest.fixture
def base():
    where = make_base()
    yield where
    shutil.rmtree(where, ignore_errors=True)


def test_ready_says_what_the_runtime_loaded(base):
    pytest.importorskip("torch")
    plain, with_torch = Launcher(sys.executable, base), Launcher(sys.executable, base, torch=True)
    try:
        import numpy

        assert plain.ready()["numpy"] == numpy.__version__ and plain.ready()["torch"] is False
        assert with_torch.ready()["numpy"] == numpy.__version__ and with_torch.ready()["torch"] is True
        # What a worker's own view shows of the runtime: the interpreter, its libraries, not its whole folder.
        view = plain.ready()["view"]
        assert str(Path(sys.executable).resolve()) in view["files"]
        assert not {"/", "/usr", "/usr/bin"} & set(view["dirs"])
    finally:
        plain.close()
        with_torch.close()
    assert [p.name for p in base.iterdir()] == []  # each server's folder goes with it


def test_a_worker_is_waited_for_with_a_timeout(base):
    launcher = Launcher(sys.executable, base)
    stdin_r, stdin_w = os.pipe()
    out_r, out_w = os.pipe()
    frames_r, frames_w = os.pipe()
    try:
        proc = launcher.spawn(base, None, None, None, dict(WORKER_ENV), (stdin_r, out_w, frames_w),
                              program=("import sys; sys.stdin.readline()", []))
        for fd in (stdin_r, out_w, frames_w):
            os.close(fd)
        assert proc.poll() is None
        started = time.monotonic()
        with pytest.raises(subprocess.TimeoutExpired):
            proc.wait(0.3)
        assert time.monotonic() - started >= 0.3
        os.write(stdin_w, b"go\n")
        assert proc.wait(30) == 0 and proc.poll() == 0 and proc.returncode == 0
    finally:
        for fd in (stdin_w, out_r, frames_r):
            os.close(fd)
        launcher.close()


def test_a_runtime_without_numpy_cannot_serve_and_says_why(base):
    python = shutil.which("python3", path="/usr/bin:/bin")
    if python is None or subprocess.run([python, "-I", "-c", "import numpy"], capture_output=True).returncode == 0:
        pytest.skip("no system Python without numpy here")
    launcher = Launcher(python, base)
    with pytest.raises(LaunchError, match="cannot start workers: ModuleNotFoundError: No module named 'numpy'"):
        launcher.ready()


def test_a_missing_interpreter_is_a_launch_error(base):
    with pytest.raises(LaunchError, match="cannot run /no/such/python"):
        Launcher("/no/such/python", base)


def test_a_worker_nobody_waited_for_does_not_confuse_the_next(base):
    launcher = Launcher(sys.executable, base)
    try:
        for expected in (5, 6):
            ends = [os.pipe() for _ in range(3)]
            proc = launcher.spawn(base, None, None, None, dict(WORKER_ENV), (ends[0][0], ends[1][1], ends[2][1]),
                                  program=(f"raise SystemExit({expected})", []))
            for r, w in ends:
                os.close(r)
                os.close(w)
        assert proc.wait(30) == 6
    finally:
        launcher.close()


def test_once_ready_the_server_writes_nowhere_anyone_must_read(base):
    # A warning per fork (Python 3.12+ warns when forking with threads) must not fill a pipe and block it.
    launcher = Launcher(sys.executable, base)
    try:
        launcher.ready()
        assert os.readlink(f"/proc/{launcher._proc.pid}/fd/2") == "/dev/null"  # type: ignore[union-attr]
    finally:
        launcher.close()


def _state(pid: int) -> str | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            return next(line.split()[1] for line in f if line.startswith("State:"))
    except FileNotFoundError:
        return None


def test_an_ended_worker_keeps_its_pid_until_released(base):
    # Until then no other process can get its pid, so signalling its process group cannot hit a stranger.
    launcher = Launcher(sys.executable, base)
    ends = [os.pipe() for _ in range(3)]
    try:
        proc = launcher.spawn(base, None, None, None, dict(WORKER_ENV), (ends[0][0], ends[1][1], ends[2][1]),
                              program=("pass", []))
        assert proc.wait(30) == 0
        time.sleep(0.2)
        assert _state(proc.pid) == "Z"
        proc.release()
        deadline = time.monotonic() + 10
        while _state(proc.pid) is not None and time.monotonic() < deadline:
            time.sleep(0.01)
        assert _state(proc.pid) is None
    finally:
        for r, w in ends:
            os.close(r)
            os.close(w)
        launcher.close()


def test_the_servers_folder_holds_a_worker_and_wire_format_that_load_alone_and_speak_to_the_grader(tmp_path):
    write_server_files(tmp_path)
    code = ("import sys\nsys.path.insert(0, sys.argv[1])\nimport numpy as np\nimport _wire, _worker\n"
            "assert not [m for m in sys.modules if m.split('.')[0] == 'autograder'], 'the grader was imported'\n"
            "sys.stdout.buffer.write(_wire.frame(_wire.READY, {'kind': 'ready'}, {})\n"
            "    + _wire.frame(0, *_wire.encode_case({'y': np.arange(3.0)}, {}, None, None)))\n")
    proc = subprocess.run([sys.executable, "-I", "-B", "-c", code, str(tmp_path)], capture_output=True, timeout=60)
    assert proc.returncode == 0, proc.stderr.decode()
    assert not list(tmp_path.rglob("__pycache__"))
    reader = wire.FrameReader(0, 1)
    frames = reader.feed(proc.stdout)
    assert reader.error is None and [n for n, _, _ in frames] == [wire.READY, 0]
    record, arrays = wire.decode_frame(*frames[1][1:])
    outputs, _, error, _ = wire.decode_case(record, arrays, None, ("exception",))
    assert outputs["y"].tolist() == [0.0, 1.0, 2.0] and error is None
