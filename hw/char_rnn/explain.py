"""Which hidden units make the model write a given next character, tested by ablation.

After a context (say "First Citizen:"), the score of character c is
    y_c = sum_j Why[c, j] * h_j + by[c]
over the top layer's final state h, so Why[c, j] * h_j is unit j's contribution to y_c.
A unit with a large contribution is a candidate for "the unit that writes c". The claim is
then tested: the k largest contributors are zeroed in h and the probability of c is
recomputed, next to the same operation on k randomly chosen units for comparison.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hw.char_rnn.model import CharRNN
from hw.char_rnn.plot import MATPLOTLIB_MISSING, pyplot_or_none
from hw.char_rnn.vocab import Vocabulary


def show_char(c: str) -> str:
    """Return a printable form of a character: repr() makes newline and space visible."""
    return repr(c)


def softmax(y: np.ndarray) -> np.ndarray:
    """Compute the softmax of the scores y.

    Its own copy rather than sampling.softmax_with_temperature, which is student work: the explanation
    tool works even before that is written.

    Inputs:
    - y: scores, of shape (V,)

    Returns:
    - probabilities, of shape (V,)
    """
    e = np.exp(y - y.max())
    return e / e.sum()


@dataclass
class UnitContribution:
    """One hidden unit's share in the score of one character.

    unit: index j; h: its activation h_j; why: Why[c, j]; contribution: why * h
    input_weight: Wxh[j, last context char], how strongly that character drives the unit
                  (None for models with more than one layer: the top layer does not read
                  characters directly)
    recurrent_drive: (Whh h_prev + bh)[j], the part of the pre-activation coming from the
                  state before the last character (None for multi-layer models)
    """

    unit: int
    h: float
    why: float
    contribution: float
    input_weight: float | None
    recurrent_drive: float | None


@dataclass
class CharExplanation:
    """The explanation for one candidate next character c.

    prob: p(c) given the context; units: the top contributors, largest first
    ablated_prob: p(c) with those units zeroed in h
    random_prob: mean p(c) with the same number of random units zeroed
    """

    char: str
    index: int
    prob: float
    score: float
    units: list[UnitContribution]
    ablated_prob: float
    random_prob: float


@dataclass
class Explanation:
    """The full report: context, final state h of shape (H,), p of shape (V,), per char."""

    context: str
    hidden: np.ndarray
    probs: np.ndarray
    chars: list[CharExplanation]
    random_trials: int


def ablated_probs(model: CharRNN, h: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Next-character probabilities, shape (V,), after zeroing h[units] (h of shape (H,))."""
    h = h.copy()
    h[units] = 0.0
    return softmax(model.params["Why"] @ h + model.params["by"][:, 0])


def explain(
    model: CharRNN,
    vocab: Vocabulary,
    context: str,
    top_chars: int = 3,
    top_units: int = 5,
    random_trials: int = 50,
    seed: int = 0,
) -> Explanation:
    """Explain the model's next-character distribution after context.

    context: run from a zero state; its last character is the one whose successor is
             explained (e.g. ':' to ask what follows a colon)
    top_chars: how many of the likeliest next characters to explain
    top_units: k, the number of units listed and ablated per character
    random_trials: random k-unit ablations averaged for the comparison, drawn from a
             generator seeded by seed
    """
    if not context:
        raise ValueError("the context needs at least one character")
    ixs = vocab.encode(context)
    h_before_last = model.initial_state(1)
    for ix in ixs[:-1]:
        _, h_before_last = model.step(np.array([ix]), h_before_last)
    y, hs = model.step(ixs[-1:], h_before_last)
    y = y[0]
    h = hs[-1][0]
    p = softmax(y)
    single_layer = model.num_layers == 1
    if single_layer:
        drive = h_before_last[0][0] @ model.params["Whh"].T + model.params["bh"][:, 0]
        input_column = model.params["Wxh"][:, ixs[-1]]
    rng = np.random.default_rng(seed)
    H = model.hidden_size
    k = min(top_units, H)
    random_sets = [rng.choice(H, size=k, replace=False) for _ in range(random_trials)]
    order = np.argsort(-p, kind="stable")[:top_chars]
    chars = []
    for c in order:
        contrib = model.params["Why"][c] * h
        top = np.argsort(-contrib, kind="stable")[:k]
        units = [
            UnitContribution(
                unit=int(j),
                h=float(h[j]),
                why=float(model.params["Why"][c, j]),
                contribution=float(contrib[j]),
                input_weight=float(input_column[j]) if single_layer else None,
                recurrent_drive=float(drive[j]) if single_layer else None,
            )
            for j in top
        ]
        ablated = float(ablated_probs(model, h, top)[c])
        random_prob = float(np.mean([ablated_probs(model, h, s)[c] for s in random_sets]))
        chars.append(CharExplanation(vocab.chars[c], int(c), float(p[c]), float(y[c]), units, ablated, random_prob))
    return Explanation(context, h, p, chars, random_trials)


def format_explanation(ex: Explanation) -> str:
    """Format the text report."""
    last = show_char(ex.context[-1])
    lines = [
        f"context {ex.context!r}: what follows the last character {last}?",
        "likeliest next characters: " + ", ".join(f"{show_char(c.char)} {c.prob:.3f}" for c in ex.chars),
    ]
    for c in ex.chars:
        k = len(c.units)
        lines.append("")
        lines.append(
            f"next {show_char(c.char)}: p = {c.prob:.4f}, score y = {c.score:.3f}; "
            f"top {k} units by contribution Why[c, j] * h_j"
        )
        lines.append(
            f"  {'unit':>5} {'h_j':>8} {'Why[c,j]':>9} {'contrib':>8} {'Wxh[j,' + last + ']':>12} {'(Whh h+bh)_j':>13}"
        )
        for u in c.units:
            iw = f"{u.input_weight:12.3f}" if u.input_weight is not None else f"{'n/a':>12}"
            rd = f"{u.recurrent_drive:13.3f}" if u.recurrent_drive is not None else f"{'n/a':>13}"
            lines.append(f"  {u.unit:>5} {u.h:8.3f} {u.why:9.3f} {u.contribution:8.3f} {iw} {rd}")
        units = ", ".join(str(u.unit) for u in c.units)
        lines.append(
            f"  ablation: zeroing units {units} moves p({show_char(c.char)}) "
            f"{c.prob:.4f} -> {c.ablated_prob:.4f} ({c.ablated_prob - c.prob:+.4f}); "
            f"zeroing {k} random units: {c.random_prob:.4f} "
            f"(mean of {ex.random_trials})"
        )
    return "\n".join(lines)


def save_explanation_chart(ex: Explanation, path: str | Path) -> str:
    """Draw bar charts of the top contributions and of p(c) before/after ablation into a PNG.

    Inputs:
    - ex: the Explanation to draw
    - path: where the PNG goes

    Returns:
    - a one-line message saying where the PNG went, or why there is none
    """
    plt = pyplot_or_none()
    if plt is None:
        return MATPLOTLIB_MISSING
    n = len(ex.chars)
    fig, axes = plt.subplots(n, 2, figsize=(10, 2.8 * n), squeeze=False)
    for row, c in enumerate(ex.chars):
        ax = axes[row][0]
        ax.bar([str(u.unit) for u in c.units], [u.contribution for u in c.units])
        ax.set_title(f"next {show_char(c.char)}: contributions Why[c,j]*h_j")
        ax.set_xlabel("hidden unit j")
        ax = axes[row][1]
        ax.bar(
            ["as is", "top units zeroed", "random units zeroed"],
            [c.prob, c.ablated_prob, c.random_prob],
            color=["C0", "C3", "C7"],
        )
        ax.set_ylim(0, 1)
        ax.set_title(f"p({show_char(c.char)}) after {ex.context[-8:]!r}")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return f"wrote {path}"
