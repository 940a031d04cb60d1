"""Check your mytorch and hw code, step by step: `python autograder/runner.py` (see --help).

This launcher only makes sure the environment can run the autograder, so that
an unsupported Python or a missing numpy gets one line and exit code 2 instead
of a traceback, then hands over to autograder/cli.py. It must stay parseable
by any Python, old ones included: no f-strings, no annotations.
"""

import os
import sys

MIN_PYTHON = (3, 10)
MIN_NUMPY = (1, 24)


def _refuse(message):
    sys.stderr.write("error: " + message + "\n")
    sys.exit(2)


if sys.version_info[:2] < MIN_PYTHON:
    _refuse(
        "the autograder needs Python %d.%d or newer; %s is Python %d.%d"
        % (MIN_PYTHON[0], MIN_PYTHON[1], sys.executable, sys.version_info[0], sys.version_info[1])
    )

# Run as a script, Python puts autograder/ first on the path; the package root is one up.
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if sys.path and os.path.abspath(sys.path[0]) == os.path.join(_ROOT, "autograder"):
    sys.path.pop(0)
sys.path.insert(0, _ROOT)

try:
    import numpy
except ImportError:
    _refuse("numpy is not installed for %s: run `pip install -r requirements.txt`" % sys.executable)
_numpy_version = tuple(int(p) for p in numpy.__version__.split(".")[:2] if p.isdigit())
if _numpy_version < MIN_NUMPY:
    _refuse(
        "the autograder needs numpy %d.%d or newer; this is numpy %s: run `pip install -r requirements.txt`"
        % (MIN_NUMPY + (numpy.__version__,))
    )

if __name__ == "__main__":
    from autograder.cli import run

    run()
