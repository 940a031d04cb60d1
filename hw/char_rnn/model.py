"""A character-level language model: stacked vanilla tanh RNN layers and a softmax output.

Shape legend used throughout this package:
    V: vocabulary size          H: hidden size           L: number of layers
    T: window length (seq_length)                         B: parallel streams (batch)

For layer l (l = 0 is the one that reads characters) and step t:
    a_t^l = Wxh^l x_t^l + bh^l          input projection (for l = 0: column x_t of Wxh)
    h_t^l = tanh(a_t^l + Whh^l h_{t-1}^l)
    y_t   = Why h_t^{L-1} + by          unnormalised scores over the next character
    p_t   = softmax(y_t)
and the loss of a window is  sum_t -log p_t[target_t], averaged over the B streams.

Parameter shapes follow the snapshot format that courses distribute, with column-vector
biases: Wxh (H, V), Whh (H, H), Why (V, H), bh (H, 1), by (V, 1). Layers above the first
have Wxh_l (H, H), Whh_l (H, H), bh_l (H, 1). Hidden states are stored as rows, (B, H), so
a step computes h @ Whh.T; that is the same recurrence written for a batch.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def layer_param_names(layer: int) -> tuple[str, str, str]:
    """Names of (Wxh, Whh, bh) for a layer: plain for layer 0, suffixed '_l' above it."""
    suffix = "" if layer == 0 else f"_{layer}"
    return f"Wxh{suffix}", f"Whh{suffix}", f"bh{suffix}"


def param_shapes(vocab_size: int, hidden_size: int, num_layers: int) -> dict[str, tuple[int, int]]:
    """Shape of every parameter of a model, in a fixed order (layers bottom-up, then output)."""
    shapes: dict[str, tuple[int, int]] = {}
    for layer in range(num_layers):
        wxh, whh, bh = layer_param_names(layer)
        shapes[wxh] = (hidden_size, vocab_size if layer == 0 else hidden_size)
        shapes[whh] = (hidden_size, hidden_size)
        shapes[bh] = (hidden_size, 1)
    shapes["Why"] = (vocab_size, hidden_size)
    shapes["by"] = (vocab_size, 1)
    return shapes


@dataclass
class WindowCache:
    """What the backward pass needs from the forward pass over one window.

    - inputs: the characters fed in, int array of shape (T, B)
    - targets: the characters to predict, int array of shape (T, B)
    - hs: one array per layer, of shape (T + 1, B, H); hs[layer][0] is the carried-in state
    - probs: softmax outputs, of shape (T * B, V), rows ordered (t, b)
    """

    inputs: np.ndarray
    targets: np.ndarray
    hs: list[np.ndarray]
    probs: np.ndarray


class CharRNN:
    """Stacked vanilla RNN language model over characters.

    All parameters live in one flat float64 buffer (``flat_params``) and ``params`` holds
    named views into it; gradients likewise (``flat_grads`` / ``grads``). The optimizer and
    gradient clipping then work on one array instead of a loop over parameters. Never rebind
    an entry of ``params``: assign into it (``model.params["Whh"][...] = w``).
    """

    def __init__(
        self, vocab_size: int, hidden_size: int = 100, num_layers: int = 1, seed: int = 0, init_scale: float = 0.01
    ) -> None:
        """Weights ~ N(0, init_scale^2), biases zero, drawn from a generator seeded by seed."""
        if num_layers < 1:
            raise ValueError("num_layers must be at least 1")
        self.vocab_size = vocab_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        shapes = param_shapes(vocab_size, hidden_size, num_layers)
        total = sum(rows * cols for rows, cols in shapes.values())
        self.flat_params = np.zeros(total)
        self.flat_grads = np.zeros(total)
        self.params: dict[str, np.ndarray] = {}
        self.grads: dict[str, np.ndarray] = {}
        offset = 0
        for name, (rows, cols) in shapes.items():
            size = rows * cols
            self.params[name] = self.flat_params[offset : offset + size].reshape(rows, cols)
            self.grads[name] = self.flat_grads[offset : offset + size].reshape(rows, cols)
            offset += size
        rng = np.random.default_rng(seed)
        for name, value in self.params.items():
            if name.startswith("W"):
                value[...] = rng.standard_normal(value.shape) * init_scale

    def initial_state(self, batch: int = 1) -> list[np.ndarray]:
        """Zero hidden state: a list of L arrays of shape (batch, H)."""
        return [np.zeros((batch, self.hidden_size)) for _ in range(self.num_layers)]

    def step(self, ix: np.ndarray, hs: list[np.ndarray]) -> tuple[np.ndarray, list[np.ndarray]]:
        """Advance the network by one character: h^l = tanh(Wxh^l x^l + bh^l + Whh^l h^l), y = Why h^(L-1) + by.

        Inputs:
        - ix: the current characters, int array of shape (B,)
        - hs: the hidden state before this character, a list of L arrays of shape (B, H) (not modified)

        Returns a tuple of:
        - y: the unnormalised scores of the next character, of shape (B, V)
        - new_hs: the new hidden state, a new list of L arrays of shape (B, H)
        """
        new_hs = []
        below = None
        for layer, h in enumerate(hs):
            wxh, whh, bh = (self.params[n] for n in layer_param_names(layer))
            # Indexing a column of Wxh is the product of Wxh with a one-hot vector, without
            # building the vector or touching the other V - 1 columns.
            a = wxh.T[ix] if layer == 0 else below @ wxh.T
            below = np.tanh(a + h @ whh.T + bh[:, 0])
            new_hs.append(below)
        y = below @ self.params["Why"].T + self.params["by"][:, 0]
        return y, new_hs

    def forward(self, inputs: np.ndarray, targets: np.ndarray, h0: list[np.ndarray]) -> tuple[float, WindowCache]:
        """Compute the loss of one window: sum over t of -log p_t[targets[t]], averaged over the B streams.

        The recurrence is the only loop over time; everything else is one array operation per layer.

        Inputs:
        - inputs: the characters fed in, int array of shape (T, B)
        - targets: the characters to predict, int array of shape (T, B); targets[t] follows inputs[t]
        - h0: the state carried in from the last window, a list of L arrays of shape (B, H)

        Returns a tuple of:
        - loss: a float
        - cache: the WindowCache backward() needs (inputs, targets, hs, probs); the state to carry into the
          next window is [hs[-1] for hs in cache.hs]
        """
        T, B = inputs.shape
        H = self.hidden_size
        hs: list[np.ndarray] = []
        # BEGIN SOLUTION hint: loop over t for the recurrence only; log p = shifted score - log(row sum)
        for layer in range(self.num_layers):
            wxh, whh, bh = (self.params[n] for n in layer_param_names(layer))
            if layer == 0:
                a = wxh.T[inputs] + bh[:, 0]  # (T, B, H): a column lookup per character
            else:
                a = (hs[-1][1:].reshape(T * B, H) @ wxh.T + bh[:, 0]).reshape(T, B, H)
            h = np.empty((T + 1, B, H))
            h[0] = h0[layer]
            whh_t = whh.T
            rows = list(h)
            for prev, out, a_t in zip(rows, rows[1:], a):
                np.dot(prev, whh_t, out=out)
                out += a_t
                np.tanh(out, out=out)
            hs.append(h)
        top = hs[-1][1:].reshape(T * B, H)
        scores = top @ self.params["Why"].T + self.params["by"][:, 0]
        # Shifting each row by its max leaves softmax unchanged and keeps exp from overflowing.
        scores -= scores.max(axis=1, keepdims=True)
        probs = np.exp(scores)
        sums = probs.sum(axis=1, keepdims=True)
        probs /= sums
        # log p from the shifted scores, not log(probs): a tiny probability would round to 0.
        log_picked = scores[np.arange(T * B), targets.reshape(-1)] - np.log(sums[:, 0])
        loss = float(-log_picked.sum() / B)
        return loss, WindowCache(inputs=inputs, targets=targets, hs=hs, probs=probs)
        # END SOLUTION

    def backward(self, cache: WindowCache) -> dict[str, np.ndarray]:
        """Compute the gradients of forward()'s loss with respect to every parameter (truncated BPTT).

        The carried-in state h0 is a constant: backpropagation stops at the window's start.

        Inputs:
        - cache: the WindowCache returned by forward()

        Returns:
        - self.grads: parameter name -> dL/dparameter, of the parameter's shape

        Overwrites (each window is one update: nothing accumulates):
        - every array of self.grads, in place (grads[name][...] = ..., or out=grads[name]); never bind a new
          array to grads[name]: those arrays are views of the one buffer self.flat_grads that gradient
          clipping and the optimizer read, and the grader fails a gradient that is not in it
        """
        T, B = cache.inputs.shape
        H = self.hidden_size
        grads = self.grads
        # BEGIN SOLUTION hint: dscores = (probs - onehot) / B; loop backwards over t for the recurrence only
        dscores = cache.probs.copy()
        dscores[np.arange(T * B), cache.targets.reshape(-1)] -= 1.0
        dscores /= B
        top = cache.hs[-1][1:].reshape(T * B, H)
        np.dot(dscores.T, top, out=grads["Why"])
        grads["by"][:, 0] = dscores.sum(axis=0)
        dh_from_above = (dscores @ self.params["Why"]).reshape(T, B, H)
        for layer in reversed(range(self.num_layers)):
            wxh, whh, bh = layer_param_names(layer)
            h = cache.hs[layer]
            dtanh = 1.0 - h[1:] * h[1:]
            dpre = np.empty((T, B, H))  # gradient at the tanh input, per step
            rows = list(dpre)
            np.multiply(dh_from_above[T - 1], dtanh[T - 1], out=rows[T - 1])
            for t in range(T - 2, -1, -1):
                out = rows[t]
                np.dot(rows[t + 1], self.params[whh], out=out)
                out += dh_from_above[t]
                out *= dtanh[t]
            dpre_flat = dpre.reshape(T * B, H)
            np.dot(dpre_flat.T, h[:-1].reshape(T * B, H), out=grads[whh])
            grads[bh][:, 0] = dpre_flat.sum(axis=0)
            if layer == 0:
                # Each step's gradient belongs in the column of its input character. One
                # product with the window's one-hot matrix does that for all steps at once,
                # adding up the steps that share a character.
                onehot = np.zeros((T * B, self.vocab_size))
                onehot[np.arange(T * B), cache.inputs.reshape(-1)] = 1.0
                np.dot(dpre_flat.T, onehot, out=grads[wxh])
            else:
                below = cache.hs[layer - 1][1:].reshape(T * B, H)
                np.dot(dpre_flat.T, below, out=grads[wxh])
                dh_from_above = (dpre_flat @ self.params[wxh]).reshape(T, B, H)
        return grads
        # END SOLUTION

    def loss_and_grads(
        self, inputs: np.ndarray, targets: np.ndarray, h0: list[np.ndarray]
    ) -> tuple[float, dict[str, np.ndarray], list[np.ndarray]]:
        """Run forward() then backward() on one window.

        Inputs:
        - inputs, targets: int arrays of shape (T, B), as forward() takes them
        - h0: the state carried in, a list of L arrays of shape (B, H)

        Returns a tuple of:
        - loss: a float
        - grads: self.grads, as backward() returns it
        - h_last: a list of L arrays of shape (B, H), the state after the window's last character, to carry
          into the next one
        """
        loss, cache = self.forward(inputs, targets, h0)
        grads = self.backward(cache)
        return loss, grads, [h[-1].copy() for h in cache.hs]
