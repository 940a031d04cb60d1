"""The probe: grading refuses (exit 2, saying what was reachable and how to fix it) unless workers reach nothing."""

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

# Official grading draws hidden cases from the torch oracles.
pytest.importorskip("torch")

from autograder.official.confine import identity, sandbox
from autograder.official.confine.identity import IdentityError, worker_identities
from tests.official_setup import (
    needs_root,
    official_cli,
    pack,
    private_course,
    private_repo,
    private_runtime,
    solution,
    worker_python,
    worker_uid,
)

UID = str(worker_uid(150))


@pytest.fixture(scope="module")
def setup(tmp_path_factory):
    where = tmp_path_factory.mktemp("probe")
    repo, secret = private_course(where / "private", "a secret for the probe tests\n")
    handin = pack(where / "private" / "alice.tar", solution())
    return where, repo, secret, handin


@pytest.fixture
def public():
    """A folder every user can enter (tmp_path is inside a private one), where workers see it too: outside the
    temporary folders their namespaces replace."""
    where = Path(tempfile.mkdtemp(prefix="rnn-probe-public-", dir=sandbox.base_folder()))
    os.chmod(where, 0o755)
    yield where
    shutil.rmtree(where, ignore_errors=True)


def grade(setup, out: Path, secret: Path | None = None, python: str | None = None, isolation: str = "permissions"):
    """Grade with the numpy runtime alone; with file permissions only as the isolation (what these tests check:
    a worker's own view hides all of it, see test_a_readable_checkout_is_hidden_by_the_view)."""
    where, repo, default_secret, handin = setup
    return official_cli(repo, "grade", str(handin), "--out", str(out), "--secret", str(secret or default_secret),
                        "--hidden-cases", "0", "--worker-python", python or worker_python(), "--worker-uid", UID,
                        "--skip-torch-steps", "--isolation", isolation)


needs_namespaces = pytest.mark.skipif(not (identity.os.geteuid() == 0 and sandbox.kernel_allows()),
                                      reason="the kernel gives workers no namespaces here")


@needs_root
@needs_namespaces
def test_a_readable_checkout_is_hidden_by_the_view(setup, public):
    where, _, secret, handin = setup
    repo = private_repo(public / "checkout")
    os.chmod(public / "checkout", 0o755)
    done = grade((where, repo, secret, handin), where / "private" / "out-view", isolation="namespaces")
    assert done.returncode == 0, done.stderr
    results = json.loads((where / "private" / "out-view" / "alice" / "results.json").read_text())
    assert results["extra_data"]["isolation"] == "namespaces"
    assert (where / "private" / "out-view" / "gradebook.csv").read_text().splitlines()[1].endswith(",namespaces")


@needs_root
@pytest.mark.slow
def test_a_safe_setup_is_accepted_and_an_unsafe_one_refused_with_the_fix(setup, public):
    where, _, secret, handin = setup
    # Where workers get no view of their own, a world-readable torch runtime elsewhere on the machine is found
    # (and refused: see test_the_numpy_worker_cannot_import_torch_however_it_searches).
    isolation = "namespaces" if sandbox.kernel_allows() else "permissions"
    ok = grade(setup, where / "private" / "out", isolation=isolation)
    assert ok.returncode == 0, ok.stderr
    results = json.loads((where / "private" / "out" / "alice" / "results.json").read_text())
    assert results["extra_data"]["isolation"] == isolation
    assert "25 of the rubric's 275 points were left out" in ok.stderr
    for step in ("poem_model", "poem_generate"):
        output = next(t["output"] for t in results["tests"] if t["name"] == step)
        assert "not graded: the grader was run without a torch runtime" in output, output
        assert "first" not in output, output
    # The same repository where every user can read it (as a checkout with umask 022 usually is).
    repo = private_repo(public / "checkout")
    os.chmod(public / "checkout", 0o755)
    refused = grade((where, repo, secret, handin), where / "private" / "out2")
    assert refused.returncode == 2
    assert f"refusing to grade: the worker identity (uid {UID}) can reach what it must not" in refused.stderr
    assert f"the answer key: read {repo}/autograder/answer_key.py" in refused.stderr
    assert f"the reference solution: read {repo}/mytorch/rnn_cell.py" in refused.stderr
    assert "fix: make the instructor repository private" in refused.stderr
    assert not (where / "private" / "out2" / "alice").exists()


@needs_root
@pytest.mark.slow
def test_a_readable_secret_or_out_folder_is_refused(setup, public):
    secret = public / "course.secret"
    secret.write_text("a secret anyone can read\n")
    os.chmod(secret, 0o644)
    where = setup[0]
    refused = grade(setup, where / "private" / "out3", secret=secret)
    assert refused.returncode == 2 and f"the secret: read {secret}" in refused.stderr
    assert "chmod 600 the secret file" in refused.stderr
    out = public / "out"
    out.mkdir(mode=0o777)
    os.chmod(out, 0o777)
    refused = grade(setup, out)
    assert refused.returncode == 2
    assert f"the out folder: read {out}" in refused.stderr
    assert f"the out folder: create files in {out}" in refused.stderr


@needs_root
def test_a_worker_python_the_worker_cannot_run_is_refused_naming_the_folder(setup, tmp_path):
    # A venv whose base interpreter lies in a folder only root may enter (a pyenv Python under /root, say).
    private = Path(tempfile.mkdtemp(prefix="rnn-probe-private-", dir="/var/tmp"))
    try:
        os.chmod(private, 0o700)
        base = private / "python3"
        shutil.copy2(Path(worker_python()).resolve(), base)
        os.chmod(base, 0o755)
        venv = Path(tempfile.mkdtemp(prefix="rnn-probe-venv-", dir="/var/tmp"))
        os.chmod(venv, 0o755)
        (venv / "bin").mkdir()
        (venv / "bin" / "python").symlink_to(base)
        site = Path(worker_python()).parent.parent
        (venv / "pyvenv.cfg").write_text((site / "pyvenv.cfg").read_text().replace(
            "home = ", f"home = {private}\n# was: "))
        (venv / "lib").symlink_to(site / "lib")
        refused = grade(setup, setup[0] / "private" / "out4", python=str(venv / "bin" / "python"))
    finally:
        shutil.rmtree(private, ignore_errors=True)
        shutil.rmtree(venv, ignore_errors=True)
    assert refused.returncode == 2, refused.stderr
    assert f"which lies under {private} (mode 700), a folder the worker uid {UID} cannot enter" in refused.stderr
    assert "/usr/bin/python3 -m venv" in refused.stderr


def test_without_root_grading_refuses_unless_a_trial_is_asked_for(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 1000)
    with pytest.raises(IdentityError, match="needs root.*--same-user-trial"):
        worker_identities(61000, 1, sys.executable)


def test_a_uid_already_in_use_is_refused(monkeypatch):
    monkeypatch.setattr(os, "geteuid", lambda: 0)
    monkeypatch.setattr(identity, "processes_of", lambda uid, zombies=False: [4242] if uid == 61001 else [])
    with pytest.raises(IdentityError, match="uid 61001 already runs processes"):
        worker_identities(61000, 2, sys.executable)


@needs_root
def test_each_runtime_must_have_torch_exactly_when_its_steps_use_it(public, monkeypatch):
    from autograder.official.confine import probe as probes
    from autograder.official.confine.identity import Identity
    from autograder.official.confine.launcher import Launcher
    from autograder.official.confine.probe import Guarded, ProbeError, probe
    from tests.official_setup import torch_worker_python

    # Only the runtimes are in question here (this checkout may be readable: other tests cover that).
    monkeypatch.setattr(probes, "_targets", lambda guarded, other: {"read": [], "write": [], "grader": 1,
                                                                     "token": "t"})
    guarded = Guarded(None, None)
    uid = worker_uid(153)
    numpy_only, with_torch = Identity(uid, uid, worker_python()), Identity(uid, uid, torch_worker_python())
    servers = Launcher(numpy_only.python, public), Launcher(with_torch.python, public, torch=True)
    try:
        assert probe(numpy_only, servers[0], public, guarded)
        assert probe(with_torch, servers[1], public, guarded, torch=True)
        with pytest.raises(ProbeError, match="can import torch"):
            probe(with_torch, servers[1], public, guarded)
        with pytest.raises(ProbeError, match="cannot import torch"):
            probe(numpy_only, servers[0], public, guarded, torch=True)
    finally:
        for server in servers:
            server.close()


@needs_root
@pytest.mark.slow
def test_a_worker_runtime_its_users_could_write_into_is_refused(setup, public):
    # The fork server loads that runtime as root, and every later worker loads it: no worker may change it.
    # A private copy: other tests grade with the shared runtime meanwhile, and must never see it writable.
    python = private_runtime(worker_python(), public)
    found = subprocess.run([python, "-I", "-c", "import numpy; print(numpy.__path__[0])"],
                           capture_output=True, text=True, check=True)
    package = Path(found.stdout.strip())
    assert package.is_relative_to(public)
    os.chmod(package, 0o777)
    refused = grade(setup, setup[0] / "private" / "out5", python=python)
    assert refused.returncode == 2
    assert f"its Python runtime, which later workers and the fork server load: create files in {package}" \
        in refused.stderr
    assert "chmod -R go-w RUNTIME" in refused.stderr


def test_the_probe_reports_memory_shared_with_its_parent_and_descriptors_it_was_not_given(tmp_path):
    from autograder.official.confine.probe import PROBE

    targets = {"read": [], "write": [], "grader": 1, "token": "t"}
    clean = "import os\nos.dup2(1, 3)\n"
    leaky = clean + "import mmap\nshared = mmap.mmap(-1, 4096)\nkept = open(os.devnull)\n"
    reports = []
    for setup in (clean, leaky):
        done = subprocess.run([sys.executable, "-I", "-c", setup + PROBE, json.dumps(targets)],
                              capture_output=True, text=True, check=True, cwd=tmp_path)
        reports.append(json.loads(done.stdout.splitlines()[-1])["reached"])
    assert not any("shares" in r or "descriptors" in r for r in reports[0]), reports[0]
    assert any(r.startswith("memory it shares with the fork server") for r in reports[1]), reports[1]
    assert any(r.startswith("file descriptors it was not given") for r in reports[1]), reports[1]


# A student's search for torch: the path of every runtime it can read of, from the grader's processes' command
# lines, the usual places, and a walk of whatever it can list.
SEARCH_TORCH = r'''
import glob, json, os, sys
found = set(sys.argv[1:])
for p in os.listdir("/proc"):
    try:
        words = open(f"/proc/{p}/cmdline", "rb").read().split(b"\0")
    except OSError:
        continue
    for w in words:
        if b"python" in w:
            found.add(os.path.dirname(os.path.dirname(w.decode(errors="replace"))))
found.update(glob.glob("/*/*/lib/python3*/site-packages") + glob.glob("/*/*/*/lib/python3*/site-packages"))
for top in ("/opt", "/var", "/usr", "/home", "/srv", "/root"):
    for where, dirs, files in os.walk(top):
        if "torch" in dirs:
            found.add(where)
        if where.count("/") > 6:
            dirs.clear()
imported = []
for where in sorted(found):
    for path in (where, *glob.glob(where + "/lib/python3*/site-packages")):
        pid = os.fork()  # a foreign torch may crash this interpreter: try each in a child
        if pid == 0:
            sys.path.insert(0, path)
            try:
                import torch
                os._exit(0)
            except BaseException:
                os._exit(1)
        _, status = os.waitpid(pid, 0)
        if status != 1 << 8:  # imported, or crashed once the files were read
            imported.append(path)
            break
print(json.dumps(imported))
'''


@needs_root
@needs_namespaces
@pytest.mark.slow
def test_the_numpy_worker_cannot_import_torch_however_it_searches(public):
    from autograder.official.confine.launcher import Launcher, spawn_program
    from tests.official_setup import torch_worker_python

    uid = worker_uid(154)
    folder = public / "worker"
    folder.mkdir()
    os.chown(folder, uid, uid)
    torch_runtime = str(Path(torch_worker_python()).parent.parent)
    numpy_server = Launcher(worker_python(), public)
    torch_server = Launcher(torch_worker_python(), public, torch=True)  # its command line names its runtime
    try:
        torch_server.ready()
        seen = {}
        for view in (True, False):
            code, output = spawn_program(numpy_server, folder, uid, uid, 1 << 20, SEARCH_TORCH, [torch_runtime], 120,
                                         view=view)
            assert code == 0, output
            seen[view] = json.loads(output.strip().splitlines()[-1])
    finally:
        numpy_server.close()
        torch_server.close()
        identity.kill_all(identity.Identity(uid, uid, worker_python()))
    assert seen[True] == []
    # Without its own view the same search finds the torch runtime (world-readable here): the test can fail.
    if os.stat(torch_runtime).st_mode & 0o005 == 0o005:
        assert seen[False], "the search found no torch even without a view"


def test_the_probe_names_what_a_worker_without_its_own_view_reaches(tmp_path):
    import socket

    from autograder.official.confine.probe import PROBE

    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path = str(tmp_path / "bus.sock")
    listener.bind(path)
    listener.listen()
    # A key in a session keyring of the probe's own (not the test's): keyctl(JOIN_SESSION_KEYRING), add_key.
    with_key = ("import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\n"
                "assert libc.syscall(250, 1, None) > 0\n"
                "assert libc.syscall(248, b'user', b'left-by-a-handin', b'x', 1, -3) > 0\n")
    # Another Python installation where the probe can list it: its standard library and its packages.
    other = tmp_path / "other-python" / "lib" / "python3.99"
    (other / "site-packages").mkdir(parents=True)
    (other / "os.py").write_text("")
    targets = {"read": [], "write": [], "grader": 1, "token": "t", "sockets": [path], "allowed_top": ["proc"],
               "walk_limit": 2000, "walk_depth": 2, "other_runtimes": [str(tmp_path / "other-python")]}
    try:
        done = subprocess.run([sys.executable, "-I", "-c", with_key + PROBE, json.dumps(targets)],
                              capture_output=True, text=True, cwd=tmp_path)
    finally:
        listener.close()
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    exposed = " | ".join(report["exposed"])
    # /etc: no runtime lives there (/usr may be the runtime's own, as for a venv of the system Python).
    assert "folders of the machine: " in exposed and "/etc" in exposed
    assert f"unix sockets it can connect to: {path}" in exposed
    assert "other processes in /proc" in exposed
    assert f"other Python installations: {other}" in exposed and f"{other}/site-packages" in exposed
    assert any(r.startswith("keys in its keyrings") and "left-by-a-handin" in r for r in report["reached"])


@needs_root
@needs_namespaces
def test_in_its_own_view_the_probe_finds_nothing_and_a_view_that_shows_more_is_refused(public, monkeypatch):
    from autograder.official.confine import probe as probes
    from autograder.official.confine.launcher import Launcher
    from autograder.official.confine.probe import Guarded, ProbeError, probe

    monkeypatch.setattr(probes, "_targets", lambda guarded, other: {"read": [], "write": [], "grader": 1,
                                                                     "token": "t"})
    uid = worker_uid(155)
    numpy_only = identity.Identity(uid, uid, worker_python())
    server = Launcher(numpy_only.python, public)
    try:
        assert probe(numpy_only, server, public, Guarded(None, None))
        monkeypatch.setattr(probes, "VIEW_TOP", {"dev"})
        with pytest.raises(ProbeError) as refused:
            probe(numpy_only, server, public, Guarded(None, None))
    finally:
        server.close()
    assert "folders of the machine: " in str(refused.value)
    assert all(f"/{top}" in str(refused.value) for top in ("handin", "proc", "tmp"))
    assert "(its view of the machine is not its own)" in str(refused.value)
    assert "--isolation permissions" in str(refused.value)


def test_without_namespaces_grading_refuses_unless_the_weaker_isolation_is_accepted(monkeypatch):
    import argparse

    from autograder.official import __main__ as cli
    from autograder.official.judging.plan import GradingError

    monkeypatch.setattr(sandbox, "kernel_allows", lambda: False)
    monkeypatch.setattr(sandbox, "_PERMISSIONS_ONLY", [])
    with pytest.raises(GradingError, match="cannot give each worker a view of its own.*--isolation permissions"):
        cli._isolation(argparse.Namespace(same_user_trial=False, isolation="namespaces"))
    assert sandbox.available() is False
    cli._isolation(argparse.Namespace(same_user_trial=False, isolation="auto"))  # Gradescope's default
    assert sandbox.isolation(identity.Identity(61000, 61000, "python")) == sandbox.PERMISSIONS


@needs_root
def test_torch_steps_without_a_torch_runtime_are_refused_unless_skipped(setup):
    where, repo, secret, handin = setup
    refused = official_cli(repo, "grade", str(handin), "--out", str(where / "private" / "out6"), "--secret",
                           str(secret), "--worker-python", worker_python(), "--worker-uid", UID)
    assert refused.returncode == 2
    assert "poem_model, poem_generate (25 points) run student code that uses torch" in refused.stderr
    assert "--skip-torch-steps" in refused.stderr


@needs_root
def test_the_probe_refuses_a_numpy_runtime_that_can_import_torch_from_a_folder_it_finds(tmp_path):
    from autograder.official.confine.probe import PROBE
    from tests.official_setup import torch_worker_python

    torch_runtime = Path(torch_worker_python()).parent.parent
    if not os.stat(torch_runtime).st_mode & 0o005:
        pytest.skip("the torch runtime is hidden from other users here")
    targets = {"read": [], "write": [], "grader": 1, "token": "t", "other_runtimes": [str(torch_runtime)],
               "walk_limit": 100_000, "walk_depth": 6}
    done = subprocess.run([worker_python(), "-I", "-c", PROBE, json.dumps(targets)], capture_output=True, text=True,
                          cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["torch"] is False
    assert any(r.startswith(f"torch, importable from {torch_runtime}") for r in report["reached"]), report
