"""create_tarball.sh packs exactly the student-editable .py files and the written answers, and refuses to pack
an incomplete copy."""

import shutil
import subprocess
import tarfile

import pytest

from autograder.supported import ANSWERS_FILE
from tests.tree import REPO


@pytest.fixture
def student_copy(tmp_path):
    root = tmp_path / "student"
    for name in ("mytorch", "hw", "autograder"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "create_tarball.sh", root / "create_tarball.sh")
    return root


def pack(root, cwd=None):
    return subprocess.run(["sh", str(root / "create_tarball.sh")], cwd=cwd or root, capture_output=True, text=True)


def expected_members(root):
    answers = [ANSWERS_FILE] if (root / ANSWERS_FILE).is_file() else []
    return sorted([p.relative_to(root).as_posix() for d in ("mytorch", "hw") for p in (root / d).rglob("*.py")]
                  + answers)


def test_packs_exactly_the_py_files_of_mytorch_and_hw(student_copy, tmp_path):
    (student_copy / "hw" / "__pycache__").mkdir()
    (student_copy / "hw" / "__pycache__" / "mc.cpython-311.pyc").write_bytes(b"\0")
    (student_copy / "mytorch" / "notes.txt").write_text("scratch")
    (student_copy / "hw" / "mc.py~").write_text("editor backup")
    (student_copy / "hw" / "extra_helper.py").write_text("# a student's own helper\n")
    # Run from elsewhere: the script finds its own folder.
    proc = pack(student_copy, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    with tarfile.open(student_copy / "handin.tar") as tar:
        names = sorted(m.name for m in tar.getmembers() if m.isfile())
    assert names == expected_members(student_copy)
    assert "hw/extra_helper.py" in names and "hw/rnn_classifier.py" in names and "hw/answers.md" in names
    assert not any("__pycache__" in n or n.endswith((".pyc", ".txt", "~")) or n.startswith("autograder") for n in names)
    # It says what it packed: a count, then one line per file.
    assert f"packed handin.tar with {len(names)} files" in proc.stdout
    for name in names:
        assert f"  {name}" in proc.stdout.splitlines()


def test_missing_required_file_fails_and_names_it(student_copy):
    (student_copy / "hw" / "char_predictor.py").unlink()
    (student_copy / "mytorch" / "gru_cell.py").unlink()
    proc = pack(student_copy)
    assert proc.returncode != 0
    assert "hw/char_predictor.py" in proc.stderr and "mytorch/gru_cell.py" in proc.stderr
    assert "missing" in proc.stderr
    assert not (student_copy / "handin.tar").exists()


def test_repacking_replaces_the_old_tar(student_copy):
    assert pack(student_copy).returncode == 0
    (student_copy / "hw" / "later.py").write_text("x = 1\n")
    assert pack(student_copy).returncode == 0
    with tarfile.open(student_copy / "handin.tar") as tar:
        assert "hw/later.py" in tar.getnames()


def test_packs_without_the_answers_file_when_it_was_removed(student_copy):
    (student_copy / ANSWERS_FILE).unlink()  # not required: the code is what grading needs
    assert pack(student_copy).returncode == 0
    with tarfile.open(student_copy / "handin.tar") as tar:
        assert ANSWERS_FILE not in tar.getnames() and "hw/mc.py" in tar.getnames()
