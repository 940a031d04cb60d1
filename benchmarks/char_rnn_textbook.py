"""The textbook character-RNN training step, kept only as the benchmark's baseline.

One-hot input vectors, one matrix-vector product per step for every term, a softmax per
step, and the gradients accumulated step by step with outer products: the way the model
is usually first written down. Column vectors (H, 1) throughout.
"""
from __future__ import annotations

import numpy as np


def textbook_loss_and_grads(params: dict[str, np.ndarray], inputs: list[int], targets: list[int],
                            hprev: np.ndarray) -> tuple[float, dict[str, np.ndarray], np.ndarray]:
    """inputs, targets: lists of T indices; hprev (H, 1) -> loss, clipped grads, last state (H, 1)."""
    Wxh, Whh, Why, bh, by = (params[k] for k in ("Wxh", "Whh", "Why", "bh", "by"))
    V = Why.shape[0]
    xs, hs, ps = {}, {-1: np.copy(hprev)}, {}
    loss = 0.0
    for t in range(len(inputs)):
        xs[t] = np.zeros((V, 1))
        xs[t][inputs[t]] = 1
        hs[t] = np.tanh(np.dot(Wxh, xs[t]) + np.dot(Whh, hs[t - 1]) + bh)
        y = np.dot(Why, hs[t]) + by
        ps[t] = np.exp(y) / np.sum(np.exp(y))
        loss += -np.log(ps[t][targets[t], 0])
    grads = {k: np.zeros_like(v) for k, v in params.items()}
    dhnext = np.zeros_like(hs[0])
    for t in reversed(range(len(inputs))):
        dy = np.copy(ps[t])
        dy[targets[t]] -= 1
        grads["Why"] += np.dot(dy, hs[t].T)
        grads["by"] += dy
        dh = np.dot(Why.T, dy) + dhnext
        dhraw = (1 - hs[t] * hs[t]) * dh
        grads["bh"] += dhraw
        grads["Wxh"] += np.dot(dhraw, xs[t].T)
        grads["Whh"] += np.dot(dhraw, hs[t - 1].T)
        dhnext = np.dot(Whh.T, dhraw)
    for g in grads.values():
        np.clip(g, -5, 5, out=g)
    return loss, grads, hs[len(inputs) - 1]


def textbook_train(params: dict[str, np.ndarray], text: str, char_to_ix: dict[str, int],
                   updates: int, seq_length: int = 25, lr: float = 0.1) -> float:
    """Train in place with Adagrad for `updates` windows -> the final smooth loss."""
    V = len(char_to_ix)
    H = params["Whh"].shape[0]
    memory = {k: np.zeros_like(v) for k, v in params.items()}
    smooth = -np.log(1.0 / V) * seq_length
    p, hprev = 0, np.zeros((H, 1))
    for _ in range(updates):
        if p + seq_length + 1 > len(text):
            p, hprev = 0, np.zeros((H, 1))
        inputs = [char_to_ix[c] for c in text[p:p + seq_length]]
        targets = [char_to_ix[c] for c in text[p + 1:p + seq_length + 1]]
        loss, grads, hprev = textbook_loss_and_grads(params, inputs, targets, hprev)
        smooth = smooth * 0.999 + loss * 0.001
        for k in params:
            memory[k] += grads[k] * grads[k]
            params[k] += -lr * grads[k] / np.sqrt(memory[k] + 1e-8)
        p += seq_length
    return smooth
