"""Adagrad with gradient clipping, applied to a model's flat parameter buffer."""

from __future__ import annotations

import numpy as np


class Adagrad:
    """Per-entry adaptive step: mem += g*g; p -= lr * g / sqrt(mem + eps).

    params: flat float64 array of shape (P,), updated in place
    memory: flat array of shape (P,), the running sum of squared (clipped) gradients; it is
            part of a snapshot so that training can resume with the same step sizes.
    """

    def __init__(self, params: np.ndarray, lr: float = 0.1, clip: float = 5.0, eps: float = 1e-8) -> None:
        """Start with zero memory, updating `params` in place."""
        self.params = params
        self.lr = lr
        self.clip = clip
        self.eps = eps
        self.memory = np.zeros_like(params)
        self._scratch = np.empty_like(params)

    def step(self, grads: np.ndarray) -> None:
        """Clip grads (shape (P,)) to [-clip, clip] in place, then update params and memory.

        One pass of whole-array operations over every parameter at once; the scratch
        buffer avoids allocating a temporary of size P per operation.
        """
        scratch = self._scratch
        np.clip(grads, -self.clip, self.clip, out=grads)
        np.multiply(grads, grads, out=scratch)
        self.memory += scratch
        np.add(self.memory, self.eps, out=scratch)
        np.sqrt(scratch, out=scratch)
        np.divide(grads, scratch, out=scratch)
        scratch *= self.lr
        self.params -= scratch
