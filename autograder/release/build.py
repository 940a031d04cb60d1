"""Assemble the student release from the instructor's source, check it, and write it out."""

import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from autograder.release import contents
from autograder.release.archive import tar_gz_bytes
from autograder.release.generate import COMMAND, GeneratedRegionError, stale_regions
from autograder.release.markers import BEGIN, END, MarkerError, Region, strip
from autograder.rubric import RubricEntry, load_rubric

ARCHIVE_ROOT = "rnn-handout"
RUBRIC = "autograder/rubric.json"


class BuildError(Exception):
    """The source cannot be released as it is; `problems` lists each one as 'file:line: what'."""

    def __init__(self, problems: list[str]) -> None:
        """Keep `problems`, one 'file:line: what' each; the message lists them a line each."""
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass
class Release:
    """The release in memory.

    files: release-relative path -> bytes; executable: paths with mode 0755;
    regions: every solution region that was stubbed; warnings: things worth
    knowing that do not stop the build.
    """

    files: dict[str, bytes]
    executable: set[str]
    regions: list[Region]
    warnings: list[str] = field(default_factory=list)

    def archive(self) -> bytes:
        """-> the reproducible .tar.gz of the release (top folder ARCHIVE_ROOT)."""
        return tar_gz_bytes(self.files, self.executable, ARCHIVE_ROOT)


def _text(data: bytes) -> str | None:
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _check_not_editable(rel: str, text: str, problems: list[str]) -> None:
    # Outside student files a marker would ship as it is: the solution it fences would leak.
    for n, line in enumerate(text.splitlines(), start=1):
        if BEGIN[2:] in line or END[2:] in line:
            problems.append(f"{rel}:{n}: solution marker in a file students do not edit (it would ship as is)")


def _check_imports(files: dict[str, bytes], instructor: set[str], problems: list[str]) -> None:
    for rel, data in files.items():
        if not rel.endswith(".py"):
            continue
        try:
            imports = contents.imported_modules(data.decode("utf-8"), rel)
        except SyntaxError:
            continue  # reported by the compile check
        for line, name in imports:
            module = contents.forbidden_import(name, instructor)
            if module:
                problems.append(f"{rel}:{line}: imports {name}, but {module} is instructor-only and not shipped")


def _check_rubric(
    rubric: list[RubricEntry], regions: list[Region], files: dict[str, bytes], problems: list[str], warnings: list[str]
) -> None:
    claimed = {(r.step, r.function) for r in regions}
    for entry in rubric:
        if not any(r.step == entry.id for r in regions):
            problems.append(
                f"{RUBRIC}: step {entry.id!r} has no solution region: the release would give its points away"
            )
        for fn in entry.functions:
            if (entry.id, fn) not in claimed:
                warnings.append(f"{RUBRIC}: step {entry.id!r} lists {fn}, which has no solution region")
        if entry.file not in files:
            warnings.append(f"{RUBRIC}: step {entry.id!r} names file {entry.file}, which is not in the release")


def _check_references(source: Path, problems: list[str]) -> None:
    # The source's own step definitions decide whether its data is stale, so ask them, in a fresh process.
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run(
        [sys.executable, "-m", "autograder.references.store"], cwd=source, env=env, capture_output=True, text=True
    )
    if proc.returncode == 1:
        problems += [f"reference data: {line}" for line in proc.stdout.splitlines() if line.strip()]
    elif proc.returncode != 0:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        problems.append(f"reference data: could not be checked ({tail})")


def _check_generated(source: Path, rubric: list[RubricEntry], problems: list[str]) -> None:
    # The tables and create_tarball.sh's list restate the rubric: a stale one would tell students wrong points or files.
    try:
        stale = stale_regions(source, rubric)
    except GeneratedRegionError as exc:
        problems.append(str(exc))
        return
    problems += [f"{region}: generated region differs from {RUBRIC}: run `{COMMAND}`" for region in stale]


def _shipped_bytes(
    source: Path, rel: str, rubric: list[RubricEntry], regions: list[Region], problems: list[str]
) -> bytes | None:
    """-> what ships for one source file (stubbed, for a student file; its regions join `regions`), or None."""
    data = (source / rel).read_bytes()
    text = _text(data)
    if contents.is_editable(rel):
        if text is None:
            problems.append(f"{rel}:1: not UTF-8 text")
            return None
        try:
            stubbed, found = strip(text, rel, rubric)
        except MarkerError as exc:
            problems.append(str(exc))
            return None
        regions += found
        return stubbed.encode("utf-8")
    if text is not None:
        _check_not_editable(rel, text, problems)
        if rel.endswith(".py"):
            try:
                compile(text, rel, "exec", dont_inherit=True)
            except SyntaxError as exc:
                problems.append(f"{rel}:{exc.lineno}: does not compile: {exc.msg}")
    return data


def assemble(source: Path) -> Release:
    """source: the instructor's repository root -> the Release. Raises BuildError listing every problem."""
    problems: list[str] = []
    warnings: list[str] = []
    try:
        rubric = load_rubric(source / RUBRIC)
    except (OSError, ValueError) as exc:
        raise BuildError([f"{RUBRIC}: {exc}"]) from None
    if not (source / contents.STUDENT_README).is_file():
        problems.append(f"{contents.STUDENT_README}: missing (it becomes the release's README.md)")
    files: dict[str, bytes] = {}
    regions: list[Region] = []
    for rel in contents.shipped_sources(source):
        data = _shipped_bytes(source, rel, rubric, regions, problems)
        if data is not None:
            files["README.md" if rel == contents.STUDENT_README else rel] = data

    _check_imports(files, contents.instructor_modules(source), problems)
    for n, req in contents.bad_requirements(files.get("requirements.txt", b"").decode()):
        problems.append(f"requirements.txt:{n}: {req!r}: students install numpy only")
    if "requirements.txt" not in files:
        problems.append("requirements.txt: missing")
    script = files.get("create_tarball.sh")
    if script is None:
        problems.append("create_tarball.sh: missing")
    else:
        for rel in contents.tarball_required(script.decode()):
            if rel not in files:
                warnings.append(
                    f"create_tarball.sh requires {rel}, which the source does not have: "
                    "students cannot pack their handin until it exists"
                )
    _check_rubric(rubric, regions, files, problems, warnings)
    _check_generated(source, rubric, problems)
    _check_references(source, problems)
    if problems:
        raise BuildError(problems)
    executable = {rel for rel in files if rel in contents.EXECUTABLE}
    return Release(files, executable, regions, warnings)


def _looks_like_release(path: Path) -> bool:
    return (path / "create_tarball.sh").is_file() and (path / "autograder" / "runner.py").is_file()


def write_tree(release: Release, directory: Path) -> None:
    """Write the release as a folder, replacing an earlier release there (and refusing to replace anything else)."""
    if directory.exists() and any(directory.iterdir()):
        if not _looks_like_release(directory):
            raise BuildError([f"{directory}: exists and is not an earlier release; not overwriting it"])
        shutil.rmtree(directory)
    for rel, data in sorted(release.files.items()):
        path = directory / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        path.chmod(0o755 if rel in release.executable else 0o644)


def build(source: Path, out: Path) -> tuple[Release, Path, Path]:
    """source: repository root; out: build folder -> (release, out/release folder, out/rnn-handout.tar.gz)."""
    release = assemble(source)
    directory = out / "release"
    archive = out / f"{ARCHIVE_ROOT}.tar.gz"
    out.mkdir(parents=True, exist_ok=True)
    write_tree(release, directory)
    archive.write_bytes(release.archive())
    return release, directory, archive


def digest(path: Path) -> str:
    """-> the SHA-256 of a file, in hex."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
