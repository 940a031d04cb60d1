"""Character-level RNN language model homework ("Fun with RNNs").

Run ``python -m hw.char_rnn --help`` for the commands; see handout/char_rnn.md.
"""

from __future__ import annotations

import importlib
from typing import Any

# Loaded on first use rather than here: `python -m hw.char_rnn` imports this package before
# its command line runs, and the command line must choose numpy's BLAS threads before numpy
# loads (see blas.py).
_HOMES = {
    "CharRNN": "model",
    "WindowCache": "model",
    "complete": "sampling",
    "make_draw": "sampling",
    "sample": "sampling",
    "softmax_with_temperature": "sampling",
}

__all__ = ["CharRNN", "WindowCache", "complete", "make_draw", "sample", "softmax_with_temperature"]


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
