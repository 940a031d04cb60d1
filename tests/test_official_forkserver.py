"""The fork server's child: what a worker is, and is not, given before any student code runs."""

import json
import os
import shutil
import signal

import pytest

from autograder.official.identity import Identity, kill_all
from autograder.official.launcher import WORKER_ENV, Launcher, spawn_program
from autograder.official.supervise import make_base
from tests.official_setup import needs_root, worker_python, worker_uid

UID = worker_uid(190)

WHAT_IT_HAS = """
import json, os, sys
status = dict(line.split(":", 1) for line in open("/proc/self/status").read().splitlines() if ":" in line)
server = int(sys.argv[1])
signalled = True
try:
    os.kill(server, 0)
except OSError:
    signalled = False
print(json.dumps({
    "ids": [os.getresuid(), os.getresgid(), os.getgroups()],
    "fds": sorted(int(fd) for fd in os.listdir("/proc/self/fd")),
    "cwd": os.getcwd(), "env": dict(os.environ), "session_leader": os.getsid(0) == os.getpid(),
    "no_new_privs": status["NoNewPrivs"].strip(), "capabilities": status["CapEff"].strip(),
    "signalled_server": signalled, "numpy_loaded": "numpy" in sys.modules,
}))
"""


@pytest.fixture
def place():
    """-> (base, folder owned by the test uid); everything of the uid is killed afterwards."""
    base = make_base()
    folder = base / "worker"
    folder.mkdir(mode=0o700)
    if os.geteuid() == 0:
        os.chown(folder, UID, UID)
    yield base, folder
    if os.geteuid() == 0:
        kill_all(Identity(UID, UID, worker_python()))
    shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def served(place):
    """-> (a fork server of the worker runtime, the worker folder)."""
    base, folder = place
    launcher = Launcher(worker_python(), base)
    yield launcher, folder
    launcher.close()


def _server_pid(launcher: Launcher) -> int:
    assert launcher._proc is not None
    return launcher._proc.pid


@needs_root
def test_the_child_is_the_worker_identity_with_three_pipes_and_nothing_of_the_server(served):
    launcher, folder = served
    code, output = spawn_program(launcher, folder, UID, UID, None, WHAT_IT_HAS, [str(_server_pid(launcher))], 60)
    assert code == 0, output
    seen = json.loads(output)
    assert seen["ids"] == [[UID] * 3, [UID] * 3, []]
    # 0, 1, 2 and the frames pipe 3, plus the descriptor listdir itself held: not the server's socket.
    assert seen["fds"][:4] == [0, 1, 2, 3] and len(seen["fds"]) == 5
    assert seen["cwd"] == str(folder)
    assert seen["env"] == {**WORKER_ENV, "HOME": str(folder)}
    assert seen["session_leader"] and seen["no_new_privs"] == "1" and int(seen["capabilities"], 16) == 0
    assert not seen["signalled_server"]
    assert seen["numpy_loaded"]  # started with the server's imports


@needs_root
def test_exit_codes_come_back_as_subprocess_gives_them_and_the_server_goes_on(served):
    launcher, folder = served
    server = _server_pid(launcher)
    for program, expected in [("import os; os._exit(7)", 7),
                              ("import os, signal; os.kill(os.getpid(), signal.SIGSEGV)", -signal.SIGSEGV),
                              ("import os, signal; os.killpg(0, signal.SIGKILL)", -signal.SIGKILL),
                              ("raise SystemExit(3)", 3), ("raise ValueError('no')", 1), ("pass", 0)]:
        code, output = spawn_program(launcher, folder, UID, UID, None, program, [], 60)
        assert code == expected, (program, output)
    assert _server_pid(launcher) == server  # the same server all along


@needs_root
def test_a_child_that_cannot_be_placed_runs_nothing(served):
    launcher, folder = served
    code, output = spawn_program(launcher, folder / "missing", UID, UID, None, "print('ran')", [], 60)
    assert code == 70 and "ran" not in output and "No such file or directory" in output


@needs_root
def test_a_server_that_died_is_started_again(served):
    launcher, folder = served
    first = _server_pid(launcher)
    launcher.ready()
    os.kill(first, signal.SIGKILL)
    launcher._proc.wait()  # type: ignore[union-attr]
    code, output = spawn_program(launcher, folder, UID, UID, None, "print('again')", [], 60)
    assert (code, output.strip()) == (0, "again") and _server_pid(launcher) != first


def test_as_the_graders_own_user_it_runs_unchanged(place, tmp_path):
    # The same-user trial mode: no identity switch, no namespaces.
    base, folder = place
    launcher = Launcher(worker_python() if os.geteuid() == 0 else __import__("sys").executable, base)
    try:
        code, output = spawn_program(launcher, folder, None, None, None,
                                     "import os; print(os.getuid(), os.getcwd())", [], 60)
    finally:
        launcher.close()
    assert code == 0 and output.split() == [str(os.getuid()), str(folder)]
