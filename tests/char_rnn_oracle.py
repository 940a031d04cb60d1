"""torch (float64, autograd) versions of the char-RNN computations, used as the reference."""
from __future__ import annotations

from typing import Sequence

import numpy as np
import torch

from hw.char_rnn.model import layer_param_names


def _run_layers(P: dict[str, torch.Tensor], num_layers: int, onehots: torch.Tensor,
                h0: Sequence[np.ndarray]) -> tuple[torch.Tensor, list[torch.Tensor]]:
    """onehots: (T, B, V). Returns top-layer states (T, B, H) and each layer's last state."""
    layer_in = onehots
    last = []
    for layer in range(num_layers):
        wxh, whh, bh = (P[n] for n in layer_param_names(layer))
        h = torch.tensor(np.asarray(h0[layer]), dtype=torch.float64)
        outs = []
        for t in range(layer_in.shape[0]):
            h = torch.tanh(layer_in[t] @ wxh.T + h @ whh.T + bh[:, 0])
            outs.append(h)
        layer_in = torch.stack(outs)
        last.append(h)
    return layer_in, last


def window_loss_and_grads(params: dict[str, np.ndarray], num_layers: int, inputs: np.ndarray,
                          targets: np.ndarray, h0: Sequence[np.ndarray]
                          ) -> tuple[float, dict[str, np.ndarray], list[np.ndarray]]:
    """Loss (sum over time of cross-entropy, mean over streams), its gradients, last states.

    inputs, targets: int arrays of shape (T, B); h0: L arrays of shape (B, H).
    The one-hot product is the textbook form; autograd differentiates it independently of
    the column-lookup code under test.
    """
    P = {k: torch.tensor(v, dtype=torch.float64, requires_grad=True) for k, v in params.items()}
    T, B = inputs.shape
    V = P["Why"].shape[0]
    onehots = torch.nn.functional.one_hot(torch.tensor(inputs), V).to(torch.float64)
    top, last = _run_layers(P, num_layers, onehots, h0)
    scores = top @ P["Why"].T + P["by"][:, 0]
    loss = torch.nn.functional.cross_entropy(
        scores.reshape(T * B, V), torch.tensor(targets).reshape(-1), reduction="sum") / B
    loss.backward()
    grads = {k: v.grad.numpy().copy() for k, v in P.items()}
    return float(loss.detach()), grads, [h.detach().numpy() for h in last]


def scores_along(params: dict[str, np.ndarray], num_layers: int, ixs: Sequence[int],
                 h0: Sequence[np.ndarray] | None = None) -> np.ndarray:
    """Scores y after feeding each of ixs in turn from state h0 (zeros if None): (n, V)."""
    P = {k: torch.tensor(v, dtype=torch.float64) for k, v in params.items()}
    V, H = P["Why"].shape
    if h0 is None:
        h0 = [np.zeros((1, H)) for _ in range(num_layers)]
    onehots = torch.nn.functional.one_hot(torch.tensor(list(ixs)), V).to(torch.float64)
    top, _ = _run_layers(P, num_layers, onehots[:, None, :], h0)
    return (top[:, 0, :] @ P["Why"].T + P["by"][:, 0]).numpy()


def softmax_alpha(scores: np.ndarray, temperature: float) -> np.ndarray:
    """torch.softmax(alpha * y) along the last axis, alpha = 1 / temperature."""
    return torch.softmax(torch.tensor(scores) * (1.0 / temperature), dim=-1).numpy()
