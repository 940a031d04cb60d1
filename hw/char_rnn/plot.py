"""Optional matplotlib output. Everything else in the package works without matplotlib."""
from __future__ import annotations

from pathlib import Path
from types import ModuleType

import numpy as np

MATPLOTLIB_MISSING = ("matplotlib is not installed, so no PNG was written "
                      "(pip install matplotlib to get charts; the numbers are in the text output)")


def pyplot_or_none() -> ModuleType | None:
    """matplotlib.pyplot with a file-only backend, or None when matplotlib is missing."""
    try:
        import matplotlib
    except ImportError:
        return None
    # A window-less backend: commands run on servers and in CI without a display.
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_loss_plot(history: np.ndarray, path: str | Path, title: str) -> str:
    """Plot smooth loss against updates.

    history: array of shape (k, 2), rows (iteration, smooth_loss)
    Returns a one-line message saying where the PNG went, or why there is none.
    """
    plt = pyplot_or_none()
    if plt is None:
        return MATPLOTLIB_MISSING
    fig, ax = plt.subplots(figsize=(7, 4))
    ax.plot(history[:, 0], history[:, 1])
    ax.set_xlabel("updates")
    ax.set_ylabel("smooth loss (per window)")
    ax.set_title(title)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return f"wrote {path}"
