"""Generating text from a trained CharRNN: sampling with a temperature, and completion.

The draw rule is pinned so that sampling can be graded exactly: every generated character
comes from exactly one call ``draw(p)``, where p is the full probability vector of shape
(V,) for that position, and the returned index is the character that is emitted and fed
back in. Do not draw random numbers any other way inside sample() or complete().
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from hw.char_rnn.model import CharRNN

Draw = Callable[[np.ndarray], int]


def make_draw(seed: int | None = 0) -> Draw:
    """Make the default draw rule: an index i with probability p[i], from a seeded generator.

    Inputs:
    - seed: the generator's seed (None: fresh entropy)

    Returns:
    - draw: draw(p) -> int, for p of shape (V,) that sums to 1
    """
    rng = np.random.default_rng(seed)

    def draw(p: np.ndarray) -> int:
        return int(rng.choice(p.shape[0], p=p))

    return draw


def softmax_with_temperature(y: np.ndarray, temperature: float) -> np.ndarray:
    """Compute p = softmax(alpha * y) with alpha = 1 / temperature.

    Low temperatures sharpen the distribution towards the argmax; high ones flatten it.

    Inputs:
    - y: scores, of shape (V,)
    - temperature: a positive float

    Returns:
    - p: probabilities, of shape (V,), non-negative, summing to 1
    """
    if temperature <= 0:
        raise ValueError("temperature must be positive")
    # BEGIN SOLUTION hint: scale by alpha, subtract the max before exp so tiny temperatures do not overflow
    z = y / temperature
    z = z - z.max()
    e = np.exp(z)
    return e / e.sum()
    # END SOLUTION


def sample(
    model: CharRNN, h: list[np.ndarray], seed_ix: int, n: int, temperature: float = 1.0, draw: Draw | None = None
) -> list[int]:
    """Generate n characters, starting by feeding seed_ix in state h.

    Inputs:
    - model: a CharRNN; use model.step() to advance it
    - h: list of L arrays of shape (1, H), the state before seed_ix (not modified)
    - seed_ix: index of the character fed first
    - n: number of characters to generate
    - temperature: 1/alpha in p = softmax(alpha * y)
    - draw: the draw rule, draw(p) -> int with p of shape (V,); defaults to make_draw(0)

    Returns:
    - the n generated indices, a list; index k is drawn from the distribution that follows the seed and
      the k characters generated before it
    """
    if draw is None:
        draw = make_draw(0)
    out: list[int] = []
    # BEGIN SOLUTION
    ix = seed_ix
    for _ in range(n):
        y, h = model.step(np.array([ix]), h)
        ix = draw(softmax_with_temperature(y[0], temperature))
        out.append(ix)
    return out
    # END SOLUTION


def complete(
    model: CharRNN,
    starter: Sequence[int],
    n: int,
    temperature: float = 1.0,
    draw: Draw | None = None,
    h: list[np.ndarray] | None = None,
) -> list[int]:
    """Continue a starter string by n characters.

    The starter is run through the network first, so that the first generated character is drawn from
    the distribution that follows the starter's last character, in the hidden state the whole starter
    produced.

    Inputs:
    - model, n, temperature, draw: as sample() takes them
    - starter: indices of the starter characters, at least one
    - h: list of L arrays of shape (1, H), the state before the starter; zeros if None

    Returns:
    - the n generated indices, a list, as sample() returns them
    """
    if len(starter) == 0:
        raise ValueError("the starter needs at least one character")
    if h is None:
        h = model.initial_state(1)
    # BEGIN SOLUTION hint: feed every starter character but the last, then let sample() take over from the last one
    for ix in starter[:-1]:
        _, h = model.step(np.array([ix]), h)
    return sample(model, h, starter[-1], n, temperature, draw)
    # END SOLUTION
