"""Optional matplotlib output. Everything else in the package works without matplotlib."""

from __future__ import annotations

import textwrap
from pathlib import Path
from types import ModuleType

import numpy as np

MATPLOTLIB_MISSING = (
    "matplotlib is not installed, so no PNG was written "
    "(pip install matplotlib to get charts; the numbers are in the text output)"
)


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


FIG_SIZE = (7.0, 4.0)  # inches
TITLE_POINTS = 11.0


def fit_title(title: str, width_inches: float, points: float = TITLE_POINTS) -> str:
    """Break the title into lines that fit a figure width_inches wide at a font of `points`.

    An average character of matplotlib's default font is about 0.6 em wide; the margin
    leaves room for wide letters.
    """
    chars_per_line = max(10, int(width_inches * 72 / (0.6 * points) * 0.85))
    return "\n".join(textwrap.wrap(title, chars_per_line, break_on_hyphens=False)) or title


def loss_figure(history: np.ndarray, title: str):
    """Draw smooth loss against updates.

    Inputs:
    - history: array of shape (k, 2), rows (iteration, smooth_loss)
    - title: the figure's title

    Returns:
    - a matplotlib Figure, or None without matplotlib
    """
    plt = pyplot_or_none()
    if plt is None:
        return None
    fig, ax = plt.subplots(figsize=FIG_SIZE)
    ax.plot(history[:, 0], history[:, 1])
    ax.set_xlabel("updates")
    ax.set_ylabel("smooth loss (per window)")
    ax.set_title(fit_title(title, FIG_SIZE[0]), fontsize=TITLE_POINTS)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    return fig


def save_loss_plot(history: np.ndarray, path: str | Path, title: str) -> str:
    """Plot smooth loss against updates into a PNG at path.

    Inputs:
    - history: array of shape (k, 2), rows (iteration, smooth_loss)
    - path: where the PNG goes
    - title: the figure's title

    Returns:
    - a one-line message saying where the PNG went, or why there is none
    """
    plt = pyplot_or_none()
    fig = loss_figure(history, title)
    if plt is None or fig is None:
        return MATPLOTLIB_MISSING
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return f"wrote {path}"
