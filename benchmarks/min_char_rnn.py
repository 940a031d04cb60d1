"""The benchmark's baseline: the training loop of Karpathy's min-char-rnn.py, reproduced.

It does the same work per update as that program, which is what people know a character
RNN's speed by:
- per-step dicts of column vectors (inputs, states, scores, probabilities);
- a fresh one-hot column vector per input character, multiplied by Wxh;
- one matrix-vector product per term per step, the softmax of each step on its own
  (exp computed twice, as there), the loss summed over the window;
- gradients accumulated step by step with outer products, each clipped to [-5, 5];
- Adagrad per parameter, mem += g*g; p -= lr * g / sqrt(mem + 1e-8);
- the smooth loss 0.999 * smooth + 0.001 * loss, starting at -log(1/V) * seq_length;
- the data pointer reset to 0 with a zero state on the first update and whenever
  p + seq_length + 1 >= len(text).
Left out: the 200-character sample and the print every 100 updates, and the random
initialisation: the weights are passed in, so the benchmark can start this loop and
hw.char_rnn from the same ones.

Checked against the original: ported to Python 3, its sample and print removed and its
loop stopped after N updates, the original and this loop were timed alternately from the
same seed (see docs/char-rnn.md, "Speed"); this one was as fast, and both ended at the same
smooth loss. The original is not part of this repository.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

NAMES = ("Wxh", "Whh", "Why", "bh", "by")


def loss_fun(params: dict[str, np.ndarray], inputs: list[int], targets: list[int],
             hprev: np.ndarray) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
    """One window, forward and backward.

    params: Wxh (H, V), Whh (H, H), Why (V, H), bh (H, 1), by (V, 1)
    inputs, targets: lists of T character indices; hprev: the carried state, (H, 1)
    Returns (loss summed over the window, clipped gradients by name, last state (H, 1)).
    """
    Wxh, Whh, Why, bh, by = (params[k] for k in NAMES)
    V = Why.shape[0]
    xs: dict[int, np.ndarray] = {}
    hs: dict[int, np.ndarray] = {-1: np.copy(hprev)}
    ys: dict[int, np.ndarray] = {}
    ps: dict[int, np.ndarray] = {}
    loss = 0.0
    for t in range(len(inputs)):
        xs[t] = np.zeros((V, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        ys[t] = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(ys[t]) / np.sum(np.exp(ys[t]))
        loss += -np.log(ps[t][targets[t], 0])
    dWxh, dWhh, dWhy = np.zeros_like(Wxh), np.zeros_like(Whh), np.zeros_like(Why)
    dbh, dby = np.zeros_like(bh), np.zeros_like(by)
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        dWhy += np.dot(dy, hs[t].T)
        dby += dy
        dh = np.dot(Why.T, dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        dbh += dhraw
        dWxh += np.dot(dhraw, xs[t].T)
        dWhh += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(Whh.T, dhraw)
    grads = dict(zip(NAMES, (dWxh, dWhh, dWhy, dbh, dby)))
    for g in grads.values():
        np.clip(g, -5, 5, out=g)
    return float(loss), grads, hs[len(inputs) - 1]


def train(params: dict[str, np.ndarray], text: str, char_to_ix: dict[str, int], updates: int,
          seq_length: int = 25, lr: float = 0.1, every: int = 100,
          on_smooth: Callable[[int, float], None] | None = None) -> float:
    """Train params in place for `updates` windows -> the final smooth loss.

    on_smooth: called with (update, smooth loss) every `every` updates, as hw.char_rnn's
    train() calls its on_history
    """
    H = params["Whh"].shape[0]
    memory = {k: np.zeros_like(params[k]) for k in NAMES}
    smooth = -np.log(1.0 / len(char_to_ix)) * seq_length
    p, n = 0, 0
    hprev = np.zeros((H, 1))
    while n < updates:
        if p + seq_length + 1 >= len(text) or n == 0:
            hprev = np.zeros((H, 1))
            p = 0
        inputs = [char_to_ix[ch] for ch in text[p:p + seq_length]]
        targets = [char_to_ix[ch] for ch in text[p + 1:p + seq_length + 1]]
        loss, grads, hprev = loss_fun(params, inputs, targets, hprev)
        smooth = smooth * 0.999 + loss * 0.001
        for k in NAMES:
            memory[k] += grads[k] * grads[k]
            params[k] += -lr * grads[k] / np.sqrt(memory[k] + 1e-8)
        p += seq_length
        n += 1
        if on_smooth is not None and n % every == 0:
            on_smooth(n, float(smooth))
    return float(smooth)
