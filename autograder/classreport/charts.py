"""The report's charts, drawn with matplotlib into PNG bytes (inlined in the page as data: URIs)."""

import base64
import io

from autograder.classreport.summary import StepRates

# Fixed metadata: the same results draw the same bytes.
_PNG_METADATA = {"Software": None}


def _png(fig) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, metadata=_PNG_METADATA)
    return buf.getvalue()


def _figure(width: float, height: float):
    # The object-oriented API with the Agg canvas: no display, no global pyplot state.
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def score_histogram(scores: list[float], max_score: float) -> bytes:
    """scores: one total per handin; max_score: the most a handin can get -> the histogram as PNG bytes."""
    fig = _figure(7, 3.2)
    ax = fig.add_subplot()
    top = max([max_score] + scores) or 1.0
    ax.hist(scores, bins=20, range=(0, top), color="#4c72b0", edgecolor="white")
    ax.set_xlabel(f"total score (of {max_score:g})")
    ax.set_ylabel("handins")
    ax.set_title(f"Scores of {len(scores)} handins")
    ax.yaxis.get_major_locator().set_params(integer=True)
    return _png(fig)


def pass_rates(steps: list[StepRates]) -> bytes:
    """Draw the pass rate of each step as a horizontal bar labelled with its points.

    steps: per-step counts, in rubric order. Returns the chart as PNG bytes.
    """
    shown = [s for s in steps if s.pass_rate is not None]
    fig = _figure(7, 0.8 + 0.28 * max(1, len(shown)))
    ax = fig.add_subplot()
    labels = [f"{s.id} ({s.max_points:g} pts)" for s in shown]
    rates = [100 * (s.pass_rate or 0.0) for s in shown]
    ax.barh(range(len(shown)), rates, color="#55a868")
    ax.set_yticks(range(len(shown)), labels, fontsize=8)
    ax.invert_yaxis()
    ax.set_xlim(0, 100)
    ax.set_xlabel("handins that passed the step (%)")
    for y, rate in enumerate(rates):
        ax.text(min(rate + 1, 92), y, f"{rate:.0f}%", va="center", fontsize=7)
    return _png(fig)


def data_uri(png: bytes) -> str:
    """PNG bytes -> a data: URI for an <img src>."""
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")
