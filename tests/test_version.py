"""Every entry point answers --version with the one version string of the toolkit."""
import subprocess
import sys

import pytest

from autograder import __version__
from tests.tree import REPO

ENTRY_POINTS = [
    ("python autograder/runner.py", ["autograder/runner.py"]),
    ("python -m hw.char_rnn", ["-m", "hw.char_rnn"]),
    ("python -m autograder.release", ["-m", "autograder.release"]),
    ("python -m autograder.references", ["-m", "autograder.references"]),
    ("python -m autograder.official", ["-m", "autograder.official"]),
]


@pytest.mark.parametrize("prog, args", ENTRY_POINTS, ids=[p for p, _ in ENTRY_POINTS])
def test_version(prog, args):
    proc = subprocess.run([sys.executable, *args, "--version"], cwd=REPO, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == f"{prog} {__version__}\n"
