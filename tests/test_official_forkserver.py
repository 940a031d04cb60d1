"""The fork server's child: what a worker is, and is not, given before any student code runs."""

import json
import os
import shutil
import signal

import pytest

from autograder.official.confine import sandbox
from autograder.official.confine.identity import Identity, kill_all
from autograder.official.confine.launcher import WORKER_ENV, Launcher, spawn_program
from autograder.official.judging.worker_folder import make_base
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
        # In its own view too: pid 1 of its PID namespace and the process outside end as the worker ended.
        if sandbox.kernel_allows():
            code, output = spawn_program(launcher, folder, UID, UID, 1 << 20, program, [], 60, view=True)
            assert code == expected, (program, "view", output)
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


WHAT_IT_SEES = """
import ctypes, errno, json, os, sys, numpy
libc = ctypes.CDLL(None, use_errno=True)
written = []
for where in (os.path.dirname(numpy.__file__), "/", "/usr", "/handin", "/tmp"):
    try:
        open(os.path.join(where, "probe-write"), "w").close()
        written.append(where)
    except OSError:
        pass
keyctl = libc.syscall(250, 0, -4, 0)  # KEYCTL_GET_KEYRING_ID of the user keyring (x86_64)
print(json.dumps({
    "top": sorted(os.listdir("/")), "pids": sorted(p for p in os.listdir("/proc") if p.isdigit()),
    "pid": os.getpid(), "ppid": os.getppid(), "cwd": os.getcwd(), "home": os.environ["HOME"],
    "dev": sorted(os.listdir("/dev")), "written": written, "keyctl": [keyctl, ctypes.get_errno()],
    "ids": [os.getresuid(), os.getgroups()], "session_leader": os.getsid(0) == os.getpid(),
}))
"""


@needs_root
def test_in_its_own_view_the_worker_sees_its_runtime_its_folder_and_itself(served):
    if not sandbox.kernel_allows():
        pytest.skip("no namespaces here")
    launcher, folder = served
    # The folder, given by its path on the machine, is the worker's /handin; HOME follows it.
    code, output = spawn_program(launcher, folder, UID, UID, 1 << 20, WHAT_IT_SEES, [], 60, view=True)
    assert code == 0, output
    seen = json.loads(output)
    allowed = {"bin", "dev", "etc", "handin", "lib", "lib32", "lib64", "libx32", "proc", "sbin", "tmp", "usr",
               worker_python().strip("/").split("/")[0]}
    assert set(seen["top"]) <= allowed and {"handin", "proc", "tmp", "dev"} <= set(seen["top"])
    assert not {"home", "root", "opt", "srv", "run"} & set(seen["top"])
    assert seen["pids"] == ["1", "2"] and (seen["pid"], seen["ppid"]) == (2, 1)
    assert seen["cwd"] == seen["home"] == "/handin"
    assert seen["dev"] == ["fd", "null", "random", "shm", "stderr", "stdin", "stdout", "urandom", "zero"]
    assert seen["written"] == ["/handin", "/tmp"]  # its runtime and the root are read-only
    if __import__("platform").machine() == "x86_64":
        assert seen["keyctl"] == [-1, 1]  # EPERM: no keyring calls
    assert seen["ids"] == [[UID] * 3, []] and seen["session_leader"]
    assert (folder / "probe-write").exists()  # what it wrote in /handin is the folder's


@needs_root
def test_a_worker_gets_exactly_the_supplementary_groups_asked_for(served):
    # The torch steps' workers: the group that may read the torch runtime where permissions alone protect it.
    launcher, folder = served
    for view in (False, True) if sandbox.kernel_allows() else (False,):
        code, output = spawn_program(launcher, folder, UID, UID, 1 << 20 if view else None,
                                     "import os; print(os.getgroups())", [], 60, view=view, groups=(UID + 7,))
        assert (code, output.strip()) == (0, f"[{UID + 7}]"), (view, output)


def test_precompiled_modules_serve_only_the_exact_same_source(tmp_path, monkeypatch):
    from autograder.official.confine import forkserver

    monkeypatch.setattr(forkserver, "COMPILED", {})
    (tmp_path / "autograder" / "steps").mkdir(parents=True)
    (tmp_path / "autograder" / "steps" / "x.py").write_text("VALUE = 1\n")
    (tmp_path / "autograder" / "broken.py").write_text("def (\n")
    (tmp_path / "outside.py").write_text("SECRET = 2\n")
    (tmp_path / "autograder" / "linked.py").symlink_to(tmp_path / "outside.py")
    forkserver.precompile(str(tmp_path))
    path = f"{forkserver.VIEW_FOLDER}/autograder/steps/x.py"
    assert set(forkserver.COMPILED) == {path}  # no broken file, no symbolic link followed
    loader = forkserver.importlib.machinery.SourceFileLoader("autograder.steps.x", path)
    code = forkserver._source_to_code(loader, b"VALUE = 1\n", path)
    assert code is forkserver.COMPILED[path][1] and code.co_filename == path
    changed = forkserver._source_to_code(loader, b"VALUE = 3\n", path)
    namespace: dict = {}
    exec(changed, namespace)
    assert changed is not code and namespace["VALUE"] == 3
    elsewhere = forkserver._source_to_code(loader, b"VALUE = 1\n", "/elsewhere/autograder/steps/x.py")
    assert elsewhere is not code and elsewhere.co_filename == "/elsewhere/autograder/steps/x.py"
    linked_folder = tmp_path / "linked"
    linked_folder.mkdir()
    (linked_folder / "autograder").symlink_to(tmp_path / "autograder")
    monkeypatch.setattr(forkserver, "COMPILED", {})
    forkserver.precompile(str(linked_folder))
    assert forkserver.COMPILED == {}
