"""Oracles for the char_rnn_* steps: the language model written in torch ops, autograd for gradients.

Inputs are fed as one-hot vectors multiplied by Wxh, the textbook form, so the column
lookup that the student's code uses is checked against an independent formulation.
Expected sampling distributions are torch.softmax(alpha * y) along the step's fixed path.
"""

from typing import Sequence

import numpy as np
import torch

from autograder.oracles._torch import array, tensor
from autograder.steps.char_rnn import layer_names, num_layers, param_names


def _layers(P: dict[str, torch.Tensor], L: int, onehots: torch.Tensor,
            h0: np.ndarray) -> tuple[list[torch.Tensor], torch.Tensor]:
    """onehots (T, B, V), h0 (L, B, H) -> every layer's states (T + 1, B, H), top states (T, B, H)."""
    layer_in = onehots
    all_states = []
    for layer in range(L):
        wxh, whh, bh = (P[n] for n in layer_names(layer))
        h = tensor(h0[layer])
        states = [h]
        for t in range(layer_in.shape[0]):
            h = torch.tanh(layer_in[t] @ wxh.T + h @ whh.T + bh[:, 0])
            states.append(h)
        all_states.append(torch.stack(states))
        layer_in = all_states[-1][1:]
    return all_states, layer_in


def _params(inputs: dict[str, np.ndarray], grad: bool = False) -> dict[str, torch.Tensor]:
    return {n: tensor(inputs[n], grad=grad) for n in param_names(num_layers(inputs))}


def window(inputs: dict[str, np.ndarray], grad: bool):
    """The window's forward pass: (params, states per layer, probs (T*B, V), loss)."""
    L = num_layers(inputs)
    P = _params(inputs, grad)
    T, B = inputs["inputs"].shape
    V = inputs["Why"].shape[0]
    onehots = torch.nn.functional.one_hot(torch.tensor(inputs["inputs"]), V).to(torch.float64)
    states, top = _layers(P, L, onehots, inputs["h0"])
    scores = (top @ P["Why"].T + P["by"][:, 0]).reshape(T * B, V)
    targets = torch.tensor(inputs["targets"]).reshape(-1)
    loss = torch.nn.functional.cross_entropy(scores, targets, reduction="sum") / B
    return P, states, torch.softmax(scores, dim=1), loss


def char_rnn_loss(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    with torch.no_grad():
        _, states, probs, loss = window(inputs, grad=False)
    return {"hs": array(torch.stack(states)), "probs": array(probs), "loss": array(loss)}


def char_rnn_backward(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    P, _, _, loss = window(inputs, grad=True)
    names = list(P)
    grads = torch.autograd.grad(loss, [P[n] for n in names])
    return {"d" + n: array(g) for n, g in zip(names, grads)}


def scores_along(inputs: dict[str, np.ndarray], ixs: Sequence[int], h0: np.ndarray) -> np.ndarray:
    """Scores y after feeding each of ixs in turn from state h0 (L, 1, H) -> (len(ixs), V)."""
    L = num_layers(inputs)
    with torch.no_grad():
        P = _params(inputs)
        V = P["Why"].shape[0]
        onehots = torch.nn.functional.one_hot(torch.tensor(list(ixs)), V).to(torch.float64)
        _, top = _layers(P, L, onehots[:, None, :], h0)
        return array(top[:, 0, :] @ P["Why"].T + P["by"][:, 0])


def softmax_alpha(scores: np.ndarray, temperature: float) -> np.ndarray:
    """softmax(alpha * y) along the last axis, alpha = 1 / temperature."""
    return array(torch.softmax(tensor(scores) * (1.0 / temperature), dim=-1))


def char_rnn_sample(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    path = [int(i) for i in inputs["path"]]
    fed = [int(inputs["seed_ix"])] + path[:-1]
    probs = softmax_alpha(scores_along(inputs, fed, inputs["h"]), float(inputs["temperature"]))
    return {"probs": probs, "indices": np.array(path, dtype=np.float64)}


def char_rnn_complete(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    starter = [int(i) for i in inputs["starter"]]
    path = [int(i) for i in inputs["path"]]
    h0 = inputs["h"] if bool(inputs["use_h"]) else np.zeros_like(inputs["h"])
    scores = scores_along(inputs, starter + path[:-1], h0)[len(starter) - 1:]
    return {"probs": softmax_alpha(scores, float(inputs["temperature"])),
            "indices": np.array(path, dtype=np.float64)}


ORACLES = {"char_rnn_loss": char_rnn_loss, "char_rnn_backward": char_rnn_backward,
           "char_rnn_sample": char_rnn_sample, "char_rnn_complete": char_rnn_complete}
