"""The Gradescope bundle, as shipped: unpacked into a simulated /autograder, run_autograder run from elsewhere."""

import os
import shutil
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

# Official grading draws hidden cases from the torch oracles.
pytest.importorskip("torch")

from autograder.release.markers import strip  # noqa: F401 - the bundle's stubs come from the release's markers
from tests.official_setup import (
    needs_root,
    official_cli,
    pack,
    private_course,
    results_of,
    solution,
    torch_worker_python,
    worker_python,
    worker_uid,
)
from tests.release_tree import FULL


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    where = tmp_path_factory.mktemp("bundle")
    repo, secret = private_course(where / "private", "the bundle's secret 1c9f\n")
    out = where / "private" / "autograder.zip"
    proc = official_cli(repo, "gradescope-bundle", "--secret", str(secret), "--out", str(out),
                        "--hidden-cases", "1", "--timeout", "5", "--hidden-visibility", "after_published")
    assert proc.returncode == 0, proc.stderr
    return where, out


def test_the_bundle_holds_the_grader_without_the_solution(bundle):
    _, out = bundle
    with zipfile.ZipFile(out) as zf:
        names = set(zf.namelist())
        modes = {i.filename: stat.S_IMODE(i.external_attr >> 16) for i in zf.infolist()}
        texts = {n: zf.read(n) for n in names}
    assert {"setup.sh", "run_autograder", "course.secret", "autograder/answer_key.py",
            "autograder/official/worker/main.py", "autograder/oracles/rnn_cell.py", "reference_data/manifest.json",
            "mytorch/rnn_cell.py", "hw/mc.py", "requirements.txt"} <= names
    assert modes["course.secret"] == 0o600 and modes["run_autograder"] == 0o700
    assert all(mode & 0o077 == 0 for mode in modes.values())
    for rel, text in texts.items():
        if rel.startswith(("mytorch/", "hw/")) and rel.endswith(".py"):
            assert b"BEGIN SOLUTION" not in text, rel
    assert b"NotImplementedError" in texts["mytorch/rnn_cell.py"]
    assert b"self.dW_hh += dz.T" not in texts["mytorch/rnn_cell.py"]
    assert b"useradd" in texts["setup.sh"] and b"requirements.txt" in texts["setup.sh"]
    # The worker uid comes from one variable, and run_autograder uses what setup.sh chose.
    assert texts["setup.sh"].count(b"61000") == 1 and b'WORKER_UID="${RNN_WORKER_UID:-61000}"' in texts["setup.sh"]
    assert b'echo "$WORKER_UID" > worker_uid' in texts["setup.sh"]
    assert b'RNN_WORKER_UID:-$(cat "$src/worker_uid"' in texts["run_autograder"]
    # Without namespaces, only the torch steps' workers (group rnn-torch) may read the torch runtime.
    assert b"chgrp -R rnn-torch /opt/rnn-worker-torch" in texts["setup.sh"]
    assert b"o-rwx /opt/rnn-worker-torch" in texts["setup.sh"]
    assert not any("__pycache__" in n or n.startswith(("tests/", "benchmarks/", ".ci/")) for n in names)


def layout(bundle, tmp_path: Path) -> Path:
    """Unpack as Gradescope does: the zip in /autograder/source, run_autograder copied to /autograder."""
    _, out = bundle
    top = tmp_path / "private" / "autograder"
    with zipfile.ZipFile(out) as zf:
        zf.extractall(top / "source")  # modes are not kept: run_autograder restores them
    shutil.copyfile(top / "source" / "run_autograder", top / "run_autograder")
    os.chmod(tmp_path / "private", 0o700)
    (top / "submission").mkdir()
    return top


def run(top: Path, elsewhere: Path, uid: str) -> subprocess.CompletedProcess:
    elsewhere.mkdir(exist_ok=True)
    env = {**os.environ, "RNN_GRADER_PYTHON": sys.executable, "RNN_WORKER_PYTHON": worker_python(),
           "RNN_TORCH_WORKER_PYTHON": torch_worker_python(),
           "RNN_WORKER_UID": uid}
    return subprocess.run(["bash", str(top / "run_autograder")], cwd=elsewhere, env=env, capture_output=True,
                          text=True, timeout=600)


@needs_root
@pytest.mark.slow
def test_run_autograder_grades_an_upload_with_any_name_from_another_directory(bundle, tmp_path):
    top = layout(bundle, tmp_path)
    pack(top / "submission" / "handin (1).tar", solution())
    proc = run(top, tmp_path / "elsewhere", str(worker_uid(250)))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    graded = results_of(top / "results" / "results.json")
    assert sum(points for _, points, _ in graded.values()) == FULL
    assert "hidden cases" in graded["rnn_forward"][2]
    assert stat.S_IMODE((top / "source" / "course.secret").stat().st_mode) == 0o600
    assert stat.S_IMODE((top / "source").stat().st_mode) == 0o700


@needs_root
@pytest.mark.slow
def test_an_unusable_upload_says_what_was_found(bundle, tmp_path):
    top = layout(bundle, tmp_path)
    (top / "submission" / "my code.zip").write_bytes(b"PK\x05\x06" + bytes(18))
    proc = run(top, tmp_path / "elsewhere", str(worker_uid(251)))
    assert proc.returncode == 0, proc.stderr
    graded = results_of(top / "results" / "results.json")
    assert sum(points for _, points, _ in graded.values()) == 0
    assert "found my code.zip in the upload; expected one .tar" in graded["activation"][2]


def test_setup_sh_is_valid_shell(bundle, tmp_path):
    with zipfile.ZipFile(bundle[1]) as zf:
        (tmp_path / "setup.sh").write_bytes(zf.read("setup.sh"))
        (tmp_path / "run_autograder").write_bytes(zf.read("run_autograder"))
    for script in ("setup.sh", "run_autograder"):
        assert subprocess.run(["bash", "-n", str(tmp_path / script)], check=False).returncode == 0, script


@needs_root
@pytest.mark.slow
def test_run_from_source_hidden_case_failures_are_held_until_published(bundle, tmp_path):
    from autograder.references.store import load_cases, read_manifest
    from tests.official_setup import linear_forward_replaced_by

    top = layout(bundle, tmp_path)
    # Public expected values copied into the code: passes the stored cases, fails the hidden ones.
    table = [(c.inputs["x"][0].tolist(), c.expected["y"].tolist())
             for c in load_cases("linear_forward", read_manifest())]
    cheat = (f"\n    _TABLE = {table!r}\n    def forward(self, x):\n        for given, y in self._TABLE:\n"
             "            if np.array_equal(np.array(given), x):\n                return np.array(y)\n"
             "        return np.zeros((x.shape[0], self.W.shape[0]))\n")
    (top / "submission" / "mine").mkdir()
    pack(top / "submission" / "mine" / "whatever.tar", linear_forward_replaced_by(cheat))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = {**os.environ, "RNN_GRADER_PYTHON": sys.executable, "RNN_WORKER_PYTHON": worker_python(),
           "RNN_TORCH_WORKER_PYTHON": torch_worker_python(),
           "RNN_WORKER_UID": str(worker_uid(252))}
    proc = subprocess.run(["bash", str(top / "source" / "run_autograder")], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr
    import json
    tests = {t["name"]: t for t in json.loads((top / "results" / "results.json").read_text())["tests"]}
    assert tests["linear_forward"]["score"] == 0 and "hidden case 1" in tests["linear_forward"]["output"]
    assert tests["linear_forward"]["visibility"] == "after_published"
    assert "visibility" not in tests["activation"]
