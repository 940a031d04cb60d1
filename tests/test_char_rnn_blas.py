"""BLAS threads: one by default for the command line, set before numpy loads, changeable by a flag."""
import json
import os
import subprocess
import sys

import numpy  # noqa: F401  (loaded, so that "not loaded yet" is something a test has to arrange)
import pytest

from hw.char_rnn.blas import THREAD_VARIABLES, limit_blas_threads
from tests.tree import REPO


@pytest.fixture
def clean_env(monkeypatch):
    """No thread variables set, and numpy looking not yet loaded (limit_blas_threads checks sys.modules)."""
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delitem(sys.modules, "numpy")
    return monkeypatch


def test_default_is_one_thread(clean_env):
    assert limit_blas_threads(None)
    assert {os.environ[name] for name in THREAD_VARIABLES} == {"1"}


def test_an_explicit_environment_is_kept_unless_the_flag_says_otherwise(clean_env):
    clean_env.setenv("OMP_NUM_THREADS", "3")
    assert limit_blas_threads(None)
    assert os.environ["OMP_NUM_THREADS"] == "3" and "OPENBLAS_NUM_THREADS" not in os.environ
    assert limit_blas_threads(2)
    assert {os.environ[name] for name in THREAD_VARIABLES} == {"2"}


def test_zero_leaves_the_library_default(clean_env):
    assert limit_blas_threads(0)
    assert not any(name in os.environ for name in THREAD_VARIABLES)
    with pytest.raises(ValueError):
        limit_blas_threads(-1)


def test_too_late_once_numpy_is_loaded(monkeypatch):
    for name in THREAD_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert "numpy" in sys.modules
    assert not limit_blas_threads(4)
    assert not any(name in os.environ for name in THREAD_VARIABLES)


PROBE = """
import json, sys
import hw.char_rnn
assert "numpy" not in sys.modules, "importing the package loaded numpy"
from hw.char_rnn.__main__ import main
assert main(sys.argv[1:]) == 0
from threadpoolctl import threadpool_info
print(json.dumps(sorted({p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"})))
"""


def blas_threads_of(*args: str, **env: str) -> list[int]:
    """Run a gradcheck command in a fresh interpreter -> numpy's BLAS thread counts seen afterwards."""
    pytest.importorskip("threadpoolctl")
    base = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    proc = subprocess.run([sys.executable, "-c", PROBE, "gradcheck", "--checks", "2", *args], cwd=REPO,
                          capture_output=True, text=True, env={**base, **env})
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout.splitlines()[-1])


def test_the_command_line_runs_numpy_with_one_blas_thread():
    assert blas_threads_of() == [1]


def test_the_flag_and_the_environment_change_it():
    assert blas_threads_of("--blas-threads", "2") == [2]
    assert blas_threads_of(OPENBLAS_NUM_THREADS="2") == [2]
