"""A throwaway copy of the toolkit in which student code can be broken on purpose."""

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COPIED = ("autograder", "mytorch", "hw", "reference_data")


@dataclass
class RunResult:
    """What one runner invocation printed and reported."""

    returncode: int
    stdout: str
    stderr: str
    report: dict | None

    def status(self) -> dict[str, str]:
        """-> step id -> 'passed' / 'failed', or 'not run' (a step that needs torch, without torch)."""
        assert self.report is not None, self.stdout + self.stderr
        return {t["name"]: t.get("status", "not run") for t in self.report["tests"]}

    def failed(self) -> set[str]:
        return {name for name, s in self.status().items() if s == "failed"}

    def output(self, step: str) -> str:
        assert self.report is not None
        return next(t["output"] for t in self.report["tests"] if t["name"] == step)


class Tree:
    """A copy of the repository's graded folders under `root`."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for name in COPIED:
            if (REPO / name).exists():
                shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("__pycache__"))

    def replace(self, rel: str, old: str, new: str) -> None:
        """Replace the single occurrence of `old` in file `rel` (fails if it is not there exactly once)."""
        path = self.root / rel
        text = path.read_text()
        count = text.count(old)
        assert count == 1, f"{rel}: expected exactly one {old!r}, found {count}"
        path.write_text(text.replace(old, new))

    def run(self, *args: str, torch: bool = False, env: dict | None = None, timeout: float = 300,
            torch_importable: bool = True) -> RunResult:
        """Run this copy's runner with args; the JSON report is always collected.

        torch_importable=False: `import torch` fails in the runner, so the steps whose student code is torch
        (the poem steps) are not run (NEEDS TORCH, never failed). For a change outside hw/poems/, whose code
        imports no other student code (test_mutants_poems checks it), they would run the solution's code as
        on the unchanged tree; importing torch for them is most of the CPU time of a run of every step.
        """
        report_path = self.root / "results.json"
        if report_path.exists():
            report_path.unlink()
        cmd = [sys.executable, str(self.root / "autograder" / "runner.py"), "--json", str(report_path)]
        cmd += list(args) + ([] if torch else ["--no-torch"])
        if not torch_importable:
            assert not torch, "torch=True needs torch"
            blocker = self.root.parent / "no_torch"
            blocker.mkdir(exist_ok=True)
            (blocker / "sitecustomize.py").write_text("import sys\nsys.modules['torch'] = None\n")
            env = {"PYTHONPATH": str(blocker), **(env or {})}
        full_env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
        proc = subprocess.run(cmd, cwd=self.root, capture_output=True, text=True, timeout=timeout, env=full_env)
        report = json.loads(report_path.read_text()) if report_path.exists() else None
        return RunResult(proc.returncode, proc.stdout, proc.stderr, report)
