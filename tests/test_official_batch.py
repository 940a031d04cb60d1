"""Batch grading from the command line: parallel worker uids, names made unique, feedback, a gradebook always."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

# Official grading draws hidden cases from the torch oracles.
pytest.importorskip("torch")

from autograder.official.judging.batch import handin_names
from tests import official_setup as official
from tests.release_tree import FULL, RUBRIC, fresh


def test_names_are_made_unique_and_usable():
    paths = [Path("h/alice smith.tar"), Path("h/alice_smith.tar"), Path("x/carol/handin.tar"),
             Path("y/carol/handin.tar"), Path("h/d\u00e9j\u00e0 vu!.tar"), Path("h/..tar")]
    names = handin_names(paths)
    assert names == ["alice_smith", "alice_smith-2", "carol", "carol-2", "d_j__vu_", "handin"]
    assert len(set(names)) == len(names)


def test_a_missing_handin_is_an_error_before_anything_is_graded(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "autograder.official", "grade", str(tmp_path / "nope.tar"),
                           "--out", str(tmp_path / "out")], capture_output=True, text=True)
    assert proc.returncode == 2 and "no such handin file" in proc.stderr
    assert not (tmp_path / "out").exists()


@official.needs_root
@pytest.mark.slow
def test_grade_command_runs_handins_in_parallel_deterministically_with_feedback(built, tmp_path):  # noqa: F811
    repo, secret = official.private_course(tmp_path / "private")
    handins = tmp_path / "private" / "handins"
    handins.mkdir()
    good = official.pack(handins / "alice smith.tar", official.solution())
    bad = official.pack(handins / "bob.tar", {"../x.py": "", **official.solution()})
    for folder in ("carol", "carol2"):
        (handins / folder).mkdir()
    stub_root = fresh(built, tmp_path / "stub")
    subprocess.run(["sh", "create_tarball.sh"], cwd=stub_root, check=True, capture_output=True)
    shutil.copyfile(stub_root / "handin.tar", handins / "carol" / "handin.tar")
    (handins / "carol2" / "carol.tar").write_bytes(good.read_bytes())
    books = []
    for out in ("o1", "o2"):
        proc = official.official_cli(repo, "grade", str(handins / "carol" / "handin.tar"), str(good), str(bad),
                                     str(handins / "carol2" / "carol.tar"), "--out", str(tmp_path / "private" / out),
                                     "--secret", str(secret), "--hidden-cases", "1", "--jobs", "2",
                                     *official.runtime_args(), "--worker-uid", str(official.worker_uid(100)))
        assert proc.returncode == 0, proc.stderr
        assert "with 2 at once" in proc.stderr and "grader peak memory" in proc.stderr
        books.append((tmp_path / "private" / out / "gradebook.csv").read_bytes())
    assert books[0] == books[1]
    lines = books[0].decode().splitlines()
    assert lines[0] == "handin,total,max," + ",".join(e.id for e in RUBRIC) + ",isolation"
    assert all(line.endswith(",namespaces") for line in lines[1:])  # each worker saw only its runtime and folder
    full = f"{sum(e.points for e in RUBRIC):g}"
    assert [line.split(",")[:3] for line in lines[1:]] == [
        ["alice_smith", full, full], ["bob", "0", full], ["carol", "0", full], ["carol-2", full, full]]
    out = tmp_path / "private" / "o1"
    bob = official.results_of(out / "bob" / "results.json")
    assert "handin rejected: '../x.py': path with '..'" in bob["activation"][2]
    feedback = (out / "carol" / "feedback.txt").read_text()
    assert "--- rnn_forward: FAIL" in feedback and "not implemented yet" in feedback
    assert oct(os.stat(out).st_mode & 0o777) == "0o700"


@official.needs_root
def test_autolab_prints_the_feedback_then_the_scores_line_last(tmp_path):
    import json

    repo = official.private_repo(tmp_path / "private")
    handin = official.pack(tmp_path / "private" / "handin.tar", official.solution())
    proc = official.official_cli(repo, "autolab", str(handin), "--scoreboard", "--hidden-cases", "0",
                                 "--out", str(tmp_path / "private" / "autolab"), *official.runtime_args(),
                                 "--worker-uid", str(official.worker_uid(160)))
    assert proc.returncode == 0, proc.stderr
    last = json.loads(proc.stdout.strip().splitlines()[-1])
    assert last["scores"] == {e.id: e.points for e in RUBRIC}
    assert last["scoreboard"][0] == FULL
    assert "official grading of handin.tar" in proc.stdout
