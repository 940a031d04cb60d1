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

from autograder.official import identity, sandbox
from autograder.official.identity import IdentityError, worker_identities
from tests.official_setup import (
    needs_root,
    official_cli,
    pack,
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
    repo = private_repo(where / "private")
    secret = where / "private" / "course.secret"
    secret.write_text("a secret for the probe tests\n")
    os.chmod(secret, 0o600)
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


def grade(setup, out: Path, secret: Path | None = None, python: str | None = None):
    where, repo, default_secret, handin = setup
    return official_cli(repo, "grade", str(handin), "--out", str(out), "--secret", str(secret or default_secret),
                        "--hidden-cases", "0", "--worker-python", python or worker_python(), "--worker-uid", UID)


@needs_root
def test_a_safe_setup_is_accepted_and_an_unsafe_one_refused_with_the_fix(setup, public):
    where, _, secret, handin = setup
    ok = grade(setup, where / "private" / "out")
    assert ok.returncode == 0, ok.stderr
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
def test_a_worker_python_the_worker_cannot_run_is_refused(setup):
    python = Path(sys.executable)
    if all(p.stat().st_mode & 0o001 for p in [python.resolve(), *python.resolve().parents]):
        pytest.skip("this interpreter is executable by every user here")
    refused = grade(setup, setup[0] / "private" / "out4", python=sys.executable)
    assert refused.returncode == 2 and "cannot run" in refused.stderr and "--worker-python" in refused.stderr


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
    from autograder.official import probe as probes
    from autograder.official.identity import Identity
    from autograder.official.launcher import Launcher
    from autograder.official.probe import Guarded, ProbeError, probe
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
    from autograder.official.probe import PROBE

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
