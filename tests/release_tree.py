"""Helpers for tests on the student release: the rubric, copies of a built release, running its runner.

The `built` and `no_torch` fixtures live in conftest.py.
"""

import json
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.release import contents
from autograder.release.markers import strip
from autograder.rubric import load_rubric
from autograder.steps import Step, all_steps
from tests.tree import REPO, RunResult

RUBRIC = load_rubric()
STEPS = all_steps()
BY_ID = {e.id: e for e in RUBRIC}
FULL = sum(e.points for e in RUBRIC)  # the most a handin can score
# Steps whose student code imports torch: without torch they are not run (neither passed nor failed).
TORCH_STEPS = {e.id for e in RUBRIC if isinstance(STEPS[e.id], Step) and STEPS[e.id].needs_torch}


def closure(step: str) -> set[str]:
    """-> the step and every step it depends on, transitively."""
    seen: set[str] = set()
    todo = [step]
    while todo:
        s = todo.pop()
        if s not in seen:
            seen.add(s)
            todo += BY_ID[s].depends
    return seen


# What a copy of the whole repository leaves behind: version control, build output, caches.
NOT_COPIED = (".git", "build", ".venv", "__pycache__", "*.pyc", ".mypy_cache", ".ruff_cache", ".pytest_cache")


def repository_copy(where: Path) -> Path:
    """A copy of the whole instructor repository (what a release is built from) at `where`."""
    shutil.copytree(REPO, where, ignore=shutil.ignore_patterns(*NOT_COPIED))
    return where


def fresh(built, where: Path) -> Path:
    shutil.copytree(built[1], where)
    return where


def run_runner(root: Path, env: dict, *args: str) -> RunResult:
    """Run the runner of the tree at root (torch blocked by env) -> its output and JSON report."""
    report = root / "results.json"
    report.unlink(missing_ok=True)
    proc = subprocess.run([sys.executable, "autograder/runner.py", "--json", str(report), *args], cwd=root,
                          capture_output=True, text=True, env=env, timeout=300)
    data = json.loads(report.read_text()) if report.exists() else None
    return RunResult(proc.returncode, proc.stdout, proc.stderr, data)


def editable_sources() -> list[str]:
    """-> the solution files students edit (what create_tarball.sh packs), relative to the repository."""
    return [rel for rel in contents.shipped_sources(REPO) if contents.is_editable(rel)]


def restore(root: Path, steps: set[str]) -> None:
    """Write the editable files into root with the solution regions of `steps` restored, the rest stubbed."""
    for rel in editable_sources():
        text, _ = strip((REPO / rel).read_text(), rel, RUBRIC, keep=lambda region: region.step in steps)
        (root / rel).write_text(text)
