"""Poem generation with a two-layer LSTM (torch): preprocessing, model, training, generation.

Run ``python -m hw.poems --help`` for the commands; see handout/poems.md. Only the
preprocessing is plain Python; the model, training and generation need torch, so the
modules load on first use and ``import hw.poems`` works without torch.
"""

from __future__ import annotations

import importlib
from typing import Any

_HOMES = {
    "process_poems": "preprocess",
    "read_poem": "preprocess",
    "build_vocabulary": "preprocess",
    "Corpus": "preprocess",
    "RNN_model": "model",
    "word_embedding": "model",
    "gen_poem": "generate",
    "bptt_gradients": "bptt",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
