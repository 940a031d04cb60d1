"""The student release round trip: build it, run it stubbed, solve it (whole and step by step), hand it in.

Everything is derived from the rubric, the solution regions and the file
tree, so new steps and files are covered without editing these tests.
"""

import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

from autograder.release import contents
from autograder.release.build import ARCHIVE_ROOT
from autograder.release.markers import BEGIN, END
from autograder.steps import QuizStep
from autograder.supported import ANSWERS_FILE
from tests.release_tree import BY_ID, RUBRIC, STEPS, TORCH_STEPS, closure, editable_sources, fresh, restore, run_runner
from tests.tree import REPO


def regions_of(built) -> dict[str, set]:
    """-> step id -> its regions."""
    out: dict[str, set] = {e.id: set() for e in RUBRIC}
    for region in built[0].regions:
        out[region.step].add(region)
    return out


def test_stubs_name_their_step_and_keep_hints(built):
    release, folder = built
    assert release.regions, "the source has no solution regions"
    for region in release.regions:
        text = (folder / region.path).read_text()
        what = region.function or region.path
        assert f'{region.indent}raise NotImplementedError("{region.step}: {what} is not implemented yet")\n' in text
        todo = [line[len(region.indent) + 2:].strip() for line in region.stub()[:-1]]
        assert " ".join(todo) == f"TODO ({region.step}): {region.hint or 'implement ' + what}"
        assert "".join(region.stub()) in text and all(len(line) <= 121 for line in region.stub())
    for rel, data in release.files.items():
        if rel.endswith(".py"):
            compile(data, rel, "exec", dont_inherit=True)
        if contents.is_editable(rel):
            assert BEGIN.encode() not in data and END.encode() not in data, rel


def test_release_holds_what_students_need_and_nothing_else(built):
    release, folder = built
    files = set(release.files)
    assert {"README.md", "create_tarball.sh", "requirements.txt", "autograder/runner.py",
            "autograder/rubric.json", "reference_data/manifest.json"} <= files
    assert {e.file for e in RUBRIC} <= files
    assert set(editable_sources()) <= files
    tops = {rel.split("/", 1)[0] for rel in files}
    assert tops <= set(contents.SHIPPED_DIRS) | set(contents.SHIPPED_FILES) | {"README.md"}
    for rel in files:
        assert not contents.is_instructor_only(rel) and not contents.is_private_data(rel), rel
        assert "__pycache__" not in rel and not rel.endswith(".pyc"), rel
    for path in (REPO / "reference_data").rglob("*"):
        if not path.is_file():
            continue
        rel = path.relative_to(REPO).as_posix()
        assert (rel in files) == (not contents.is_private_data(rel)), rel
    assert (folder / "README.md").read_bytes() == (REPO / contents.STUDENT_README).read_bytes()
    assert contents.bad_requirements((folder / "requirements.txt").read_text()) == []
    assert os.access(folder / "create_tarball.sh", os.X_OK)


def test_stubbed_release_fails_every_step_with_not_implemented(built, no_torch, tmp_path):
    result = run_runner(fresh(built, tmp_path / "r"), no_torch)
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.report["score"] == 0
    assert result.failed() == {e.id for e in RUBRIC} - TORCH_STEPS
    assert "Traceback" not in result.stdout + result.stderr
    for step in TORCH_STEPS:
        assert result.status()[step] == "not run"
        assert f"not run: {BY_ID[step].file} needs torch" in result.output(step)
    for entry in RUBRIC:
        if entry.id in TORCH_STEPS:
            continue
        out = result.output(entry.id)
        # Each step stops at a stub of its own or of a step it uses, and says which.
        assert any(out.startswith(f"{s}: ") and "is not implemented yet" in out for s in closure(entry.id)), out
        assert "start in " in out
    first = RUBRIC[0]
    assert result.stdout.rstrip().splitlines()[-1] == f"first failing step: {first.id}; open {first.file} first"


def test_stubbed_release_fails_the_torch_steps_with_not_implemented_when_torch_is_installed(built, tmp_path):
    pytest.importorskip("torch")
    assert TORCH_STEPS, "no step needs torch"
    root = fresh(built, tmp_path / "r")
    result = run_runner(root, {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}, "--no-torch",
                        *(f"--step={s}" for s in sorted(TORCH_STEPS)))
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.failed() == TORCH_STEPS
    for step in TORCH_STEPS:
        out = result.output(step)
        assert any(out.startswith(f"{s}: ") and "is not implemented yet" in out for s in closure(step)), out


def test_solution_copied_over_release_gets_full_marks_without_torch(built, no_torch, tmp_path):
    root = fresh(built, tmp_path / "r")
    for rel in editable_sources():
        shutil.copyfile(REPO / rel, root / rel)
    result = run_runner(root, no_torch)
    assert "torch is not installed" in result.stdout  # really numpy only
    assert result.returncode == 0, result.stdout + result.stderr
    # Full marks for everything the runner can mark; the multiple-choice points come at official grading.
    assert result.report["max_score"] == sum(e.points for e in RUBRIC)
    assert result.report["score"] == sum(e.points for e in RUBRIC
                                         if not isinstance(STEPS[e.id], QuizStep) and e.id not in TORCH_STEPS)
    assert result.failed() == set()
    assert {s for s, status in result.status().items() if status == "not run"} == TORCH_STEPS
    assert "not run without torch" in result.stdout
    assert "first failing step" not in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("step", [e.id for e in RUBRIC])
def test_solving_one_step_at_a_time(built, no_torch, tmp_path, step):
    if step in TORCH_STEPS:
        pytest.importorskip("torch")
    regions = regions_of(built)

    def expected_to_pass(restored: set[str]) -> set[str]:
        # A step passes once its own regions and those of everything it uses are restored.
        return {e.id for e in RUBRIC if all(s in restored or not regions[s] for s in closure(e.id))
                and (e.id not in TORCH_STEPS or env is not no_torch)}

    root = fresh(built, tmp_path / "r")
    restored = closure(step)
    restore(root, restored)
    # A step that needs torch is only run where torch is installed (the references stay the only oracle).
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"} if step in TORCH_STEPS else no_torch
    result = run_runner(root, env, "--no-torch")
    passed = {s for s, status in result.status().items() if status == "passed"}
    assert step in passed, result.output(step)
    assert passed == expected_to_pass(restored), result.stdout

    stubbed_deps = {d for d in closure(step) - {step} if regions[d]}
    if not stubbed_deps:
        return
    restore(root, {step})
    result = run_runner(root, env, "--no-torch")
    assert step in result.failed(), f"{step} passes with {sorted(stubbed_deps)} stubbed: is `depends` too wide?"
    out = result.output(step)
    failed_direct = [d for d in BY_ID[step].depends if d in result.failed()]
    assert failed_direct and "which failed above" in out
    for dep in failed_direct:
        assert dep in out.splitlines()[1], out
    assert f"start in {BY_ID[failed_direct[0]].file}" in out  # where the fix starts, not this step's file
    # The cause is a dependency's stub, named as such, not a confusing error.
    assert any(out.startswith(f"{d}: ") and "is not implemented yet" in out for d in stubbed_deps), out


def _packed_names(tar_path: Path) -> list[str]:
    with tarfile.open(tar_path) as tar:
        return sorted(m.name for m in tar.getmembers() if m.isfile())


@pytest.mark.slow
def test_handin_round_trip_reproduces_the_score(built, no_torch, tmp_path):
    student = fresh(built, tmp_path / "student")
    # A student halfway through: the first half of the steps (closed under depends: they come earlier).
    half = {e.id for e in RUBRIC[: max(1, len(RUBRIC) // 2)]}
    restore(student, half)
    required = contents.tarball_required((student / "create_tarball.sh").read_text())
    for rel in required:
        # Files other parts of the course add; an unfinished (here empty) file is fine to pack.
        if not (student / rel).exists():
            (student / rel).write_text("")
    pack = subprocess.run(["sh", "create_tarball.sh"], cwd=student, capture_output=True, text=True)
    assert pack.returncode == 0, pack.stdout + pack.stderr
    editable = sorted([p.relative_to(student).as_posix() for top in contents.EDITABLE_DIRS
                       for p in (student / top).rglob("*.py")] + [ANSWERS_FILE])
    assert _packed_names(student / "handin.tar") == editable

    grader = fresh(built, tmp_path / "grader")
    # tar(1), not TarFile.extractall: its filter= argument arrived in a patch release (3.11.4).
    subprocess.run(["tar", "-xf", str(student / "handin.tar"), "-C", str(grader)], check=True)
    mine, graded = run_runner(student, no_torch), run_runner(grader, no_torch)
    assert graded.status() == mine.status()
    assert graded.report["score"] == mine.report["score"]
    assert 0 < graded.report["score"] < graded.report["max_score"]


def _secret_lines(built) -> set[str]:
    """-> every line from inside a solution region that is not also a line of the code students receive."""
    release = built[0]
    inside: dict[str, set[int]] = {}
    for region in release.regions:
        inside.setdefault(region.path, set()).update(range(region.begin, region.end + 1))
    outside = set()
    for rel in editable_sources():
        lines = (REPO / rel).read_text().splitlines()
        outside.update(line.strip() for n, line in enumerate(lines, 1) if n not in inside.get(rel, set()))
    body = {line.strip() for region in release.regions for line in region.body if line.strip()}
    # A region ends with its return; `return h_new, c_new` names what the docstring says is returned: no secret.
    plain_returns = {line for line in body if re.fullmatch(r"return \w+(, \w+)*", line)}
    return body - outside - plain_returns


def _leaks(name: str, data: bytes, secret: set[str]) -> list[str]:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return []
    found = [f"{name}: {line.strip()}" for line in text.splitlines() if line.strip() in secret]
    found += [f"{name}: marker" for marker in (BEGIN, END) if marker[2:] in text]
    return found


def test_no_solution_answer_key_or_private_data_in_release_or_archive(built):
    release, folder = built
    secret = _secret_lines(built)
    assert secret, "no solution lines to look for"
    leaks = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            leaks += _leaks(path.relative_to(folder).as_posix(), path.read_bytes(), secret)
    with tarfile.open(fileobj=io.BytesIO(release.archive())) as tar:
        for member in tar.getmembers():
            rel = member.name.split("/", 1)[1] if "/" in member.name else ""
            assert not (contents.is_instructor_only(rel) or contents.is_private_data(rel)), member.name
            assert rel.split("/", 1)[0] not in ("tests", "benchmarks", ".ci") and rel != "requirements-dev.txt"
            if member.isfile():
                leaks += _leaks(member.name, tar.extractfile(member).read(), secret)
    assert leaks == []


def test_build_command_is_reproducible(tmp_path):
    archives = []
    for name in ("a", "b"):
        proc = subprocess.run([sys.executable, "-m", "autograder.release", "build", "--out", str(tmp_path / name)],
                              cwd=REPO, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        assert "wrote" in proc.stdout
        archives.append((tmp_path / name / f"{ARCHIVE_ROOT}.tar.gz").read_bytes())
    assert archives[0] == archives[1]
    data = archives[0]
    assert data[4:8] == b"\0\0\0\0" and not data[3] & 0x08  # gzip: no time stamp, no file name
    folder = tmp_path / "a" / "release"
    with tarfile.open(fileobj=io.BytesIO(gzip.decompress(data))) as tar:
        members = tar.getmembers()
        names = [m.name for m in members]
        assert names == sorted(names)
        for m in members:
            assert (m.mtime, m.uid, m.gid, m.uname, m.gname) == (0, 0, 0, "", "")
            executable = m.isdir() or m.name.endswith(".sh")
            assert m.mode == (0o755 if executable else 0o644), m.name
        shipped = {m.name[len(ARCHIVE_ROOT) + 1:]: tar.extractfile(m).read() for m in members if m.isfile()}
    on_disk = {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}
    assert shipped == on_disk
