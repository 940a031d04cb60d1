"""Torch oracles: for each step id, inputs -> expected values, computed by torch in float64.

Expected values never come from the reference solution: modules are run in
torch (torch.nn layers where torch has the same layer, otherwise the formula
in torch ops) and every gradient comes from autograd, then converted to this
assignment's conventions. Only imported when torch is available.

An oracle module defines `ORACLES`, step id -> function(inputs) returning
either the expected values (a dict) or an `Expected` that also carries
known-bug alternatives and a trace; under `values_only()` (see _hints.py) it
computes neither and returns the values alone, bit for bit the same.
"""

import functools
import importlib
import pkgutil
from typing import Any, Callable

import numpy as np

from autograder.cases import Expected
from autograder.oracles._hints import computing_hints, hints_wanted, values_only

__all__ = ["Oracle", "computing_hints", "hints_wanted", "load_oracles", "values_only"]

Oracle = Callable[[dict[str, np.ndarray]], Expected]


def _as_expected(fn: Callable[[dict[str, np.ndarray]], Any]) -> Oracle:
    @functools.wraps(fn)  # keeps __module__: reference fingerprints name the oracle's source
    def oracle(inputs: dict[str, np.ndarray]) -> Expected:
        result = fn(inputs)
        return result if isinstance(result, Expected) else Expected(dict(result))

    return oracle


def load_oracles() -> dict[str, Oracle]:
    """-> step id -> oracle, for every oracle module in this package. Raises ImportError without torch."""
    import torch

    # Reproducible bits: reductions must not depend on how many threads run them.
    torch.set_num_threads(1)
    oracles: dict[str, Oracle] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        oracles.update({step: _as_expected(fn) for step, fn in getattr(module, "ORACLES", {}).items()})
    return oracles
