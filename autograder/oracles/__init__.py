"""Torch oracles: for each step id, inputs -> expected values, computed by torch in float64.

Expected values never come from the reference solution: modules are run in
torch (torch.nn layers where torch has the same layer, otherwise the formula
in torch ops) and every gradient comes from autograd, then converted to this
assignment's conventions. Only imported when torch is available.
"""

import importlib
import pkgutil
from typing import Callable

import numpy as np

Oracle = Callable[[dict[str, np.ndarray]], dict[str, np.ndarray]]


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
        oracles.update(getattr(module, "ORACLES", {}))
    return oracles
