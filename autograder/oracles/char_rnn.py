"""Oracles for the char_rnn_* steps: the language model written in torch ops, autograd for gradients.

Inputs are fed as one-hot vectors multiplied by Wxh, the textbook form, so the column
lookup that the student's code uses is checked against an independent formulation.
Expected sampling distributions are torch.softmax(alpha * y) along the step's fixed path.
The known bugs of autograder/steps/char_rnn.py are computed on the same inputs: forward
and sampling bugs by their formula, backward bugs by autograd on a formula whose values
are the model's but whose derivative is the bug's.
"""

from typing import Sequence

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._hints import hints_wanted
from autograder.oracles._torch import add_alternative, array, distinct, tensor, with_slope
from autograder.steps.char_rnn import layer_names, num_layers, param_names

LOSS_BUGS = ("Whh_untransposed", "lower_layer_previous")
BACKWARD_BUGS = ("tanh_derivative_no_square", "dWhh_from_h_t", "backward_Whh_transposed")


def _recurrence(h: torch.Tensor, whh: torch.Tensor, h_next: torch.Tensor, bug: str | None) -> torch.Tensor:
    """Compute h @ whh.T (B, H), as `bug` computes it.

    h: states (B, H); whh: (H, H); h_next: the state this step produces (B, H), for dWhh_from_h_t.
    """
    if bug == "Whh_untransposed":
        return h @ whh
    if bug == "backward_Whh_transposed":  # dh_prev = dpre @ Whh.T
        return h.detach() @ whh.T + (h - h.detach()) @ whh.detach()
    if bug == "dWhh_from_h_t":  # dWhh pairs dpre_t with h_t
        return h @ whh.detach().T + h_next @ (whh - whh.detach()).T
    return h @ whh.T


def _layers(
    P: dict[str, torch.Tensor], L: int, onehots: torch.Tensor, h0: np.ndarray, bug: str | None = None
) -> tuple[list[torch.Tensor], torch.Tensor]:
    """Run the L layers.

    onehots (T, B, V), h0 (L, B, H). Returns every layer's states (T + 1, B, H) and the top states (T, B, H).
    """
    layer_in = onehots
    all_states = []
    for layer in range(L):
        wxh, whh, bh = (P[n] for n in layer_names(layer))
        h = tensor(h0[layer])
        states = [h]
        for t in range(layer_in.shape[0]):
            with torch.no_grad():
                h_next = torch.tanh(layer_in[t] @ wxh.T + h @ whh.T + bh[:, 0])
            pre = layer_in[t] @ wxh.T + _recurrence(h, whh, h_next, bug) + bh[:, 0]
            h = torch.tanh(pre)
            if bug == "tanh_derivative_no_square":
                h = with_slope(h, pre, 1 - h)
            states.append(h)
        all_states.append(torch.stack(states))
        # Layer l reads the states layer l - 1 produced at the same time step (not the ones before them).
        layer_in = all_states[-1][:-1] if bug == "lower_layer_previous" else all_states[-1][1:]
    return all_states, layer_in


def _params(inputs: dict[str, np.ndarray], grad: bool = False) -> dict[str, torch.Tensor]:
    return {n: tensor(inputs[n], grad=grad) for n in param_names(num_layers(inputs))}


def window(inputs: dict[str, np.ndarray], grad: bool, bug: str | None = None):
    """Run the window's forward pass, as `bug` computes it.

    Returns (params, states (T + 1, B, H) per layer, probs (T*B, V), loss ()).
    """
    L = num_layers(inputs)
    P = _params(inputs, grad)
    T, B = inputs["inputs"].shape
    V = inputs["Why"].shape[0]
    onehots = torch.nn.functional.one_hot(torch.tensor(inputs["inputs"]), V).to(torch.float64)
    states, top = _layers(P, L, onehots, inputs["h0"], bug)
    scores = (top @ P["Why"].T + P["by"][:, 0]).reshape(T * B, V)
    targets = torch.tensor(inputs["targets"]).reshape(-1)
    loss = torch.nn.functional.cross_entropy(scores, targets, reduction="sum") / B
    return P, states, torch.softmax(scores, dim=1), loss


def char_rnn_loss(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute a window's forward pass.

    Inputs: the parameters, inputs and targets (T, B) ints, h0 (L, B, H).
    Returns hs (L, T + 1, B, H), probs (T*B, V) and loss (), the cross-entropy summed over the window divided
    by B.
    """
    with torch.no_grad():
        _, states, probs, loss = window(inputs, grad=False)
        values = {"hs": array(torch.stack(states)), "probs": array(probs), "loss": array(loss)}
        if not hints_wanted():
            return Expected(values)
        alternatives: dict[str, dict[str, np.ndarray]] = {}
        for bug in LOSS_BUGS:
            _, bug_states, bug_probs, bug_loss = window(inputs, grad=False, bug=bug)
            bugged = {"hs": torch.stack(bug_states), "probs": bug_probs, "loss": bug_loss}
            for key, value in bugged.items():
                add_alternative(alternatives, key, bug, array(value), values[key])
        # Without the max shift, exp overflows: inf / inf = nan where it does, finite / inf = 0 beside it.
        e = torch.exp(_scores(inputs))
        add_alternative(alternatives, "probs", "no_max_shift", array(e / e.sum(dim=1, keepdim=True)), values["probs"])
    return Expected(values, alternatives)


def _scores(inputs: dict[str, np.ndarray]) -> torch.Tensor:
    """Compute the window's output scores (T*B, V)."""
    L = num_layers(inputs)
    P = _params(inputs)
    T, B = inputs["inputs"].shape
    V = inputs["Why"].shape[0]
    onehots = torch.nn.functional.one_hot(torch.tensor(inputs["inputs"]), V).to(torch.float64)
    _, top = _layers(P, L, onehots, inputs["h0"])
    return (top @ P["Why"].T + P["by"][:, 0]).reshape(T * B, V)


def _gradients(inputs: dict[str, np.ndarray], bug: str | None = None) -> dict[str, np.ndarray]:
    P, _, _, loss = window(inputs, grad=True, bug=bug)
    names = list(P)
    grads = torch.autograd.grad(loss, [P[n] for n in names])
    return {"d" + n: array(g) for n, g in zip(names, grads)}


def char_rnn_backward(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute the gradient of the window's loss for every parameter: d<name> of the parameter's shape."""
    values = _gradients(inputs)
    if not hints_wanted():
        return Expected(values)
    alternatives: dict[str, dict[str, np.ndarray]] = {}
    for bug in BACKWARD_BUGS:
        for key, alt in _gradients(inputs, bug).items():
            add_alternative(alternatives, key, bug, alt, values[key])
    return Expected(values, alternatives)


def scores_along(inputs: dict[str, np.ndarray], ixs: Sequence[int], h0: np.ndarray) -> np.ndarray:
    """Compute the scores y after feeding each of ixs in turn from state h0 (L, 1, H); shape (len(ixs), V)."""
    L = num_layers(inputs)
    with torch.no_grad():
        P = _params(inputs)
        V = P["Why"].shape[0]
        onehots = torch.nn.functional.one_hot(torch.tensor(list(ixs)), V).to(torch.float64)
        _, top = _layers(P, L, onehots[:, None, :], h0)
        return array(top[:, 0, :] @ P["Why"].T + P["by"][:, 0])


def softmax_alpha(scores: np.ndarray, temperature: float) -> np.ndarray:
    """Compute softmax(alpha * y) along the last axis, alpha = 1 / temperature; scores y of any shape."""
    return array(torch.softmax(tensor(scores) * (1.0 / temperature), dim=-1))


def _naive_softmax(scores: np.ndarray, alpha: float) -> np.ndarray:
    # exp without the max shift: inf / inf = nan where it overflows.
    e = torch.exp(tensor(scores) * alpha)
    return array(e / e.sum(dim=-1, keepdim=True))


def char_rnn_sample(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute the sampling distributions along the case's fixed path.

    Inputs: the parameters, h (L, 1, H), seed_ix (), path (n,) ints, temperature ().
    Returns probs (n, V) and indices (n,), the path.
    """
    path = [int(i) for i in inputs["path"]]
    seed, h, temperature = int(inputs["seed_ix"]), inputs["h"], float(inputs["temperature"])
    fed = [seed] + path[:-1]
    scores = scores_along(inputs, fed, h)
    values = {"probs": softmax_alpha(scores, temperature), "indices": np.array(path, dtype=np.float64)}
    if not hints_wanted():
        return Expected(values)
    bugs = {
        "temperature_multiplies": softmax_alpha(scores, 1.0 / temperature),
        "no_max_shift": _naive_softmax(scores, 1.0 / temperature),
        "seed_every_step": softmax_alpha(scores_along(inputs, [seed] * len(fed), h), temperature),
        "state_not_carried": softmax_alpha(np.concatenate([scores_along(inputs, [ix], h) for ix in fed]), temperature),
    }
    return Expected(values, distinct({"probs": bugs}, values))


def char_rnn_complete(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute the distributions of a completion fed the starter first.

    Inputs: the parameters, starter (k,) ints, path (n,) ints, temperature (), h (L, 1, H) used when use_h ().
    Returns probs (n, V) and indices (n,), the path.
    """
    starter = [int(i) for i in inputs["starter"]]
    path = [int(i) for i in inputs["path"]]
    h0 = inputs["h"] if bool(inputs["use_h"]) else np.zeros_like(inputs["h"])
    temperature = float(inputs["temperature"])
    start = len(starter) - 1
    scores = scores_along(inputs, starter + path[:-1], h0)[start:]
    values = {"probs": softmax_alpha(scores, temperature), "indices": np.array(path, dtype=np.float64)}
    if not hints_wanted():
        return Expected(values)
    fed_as = {
        "starter_last_only": ([starter[-1]] + path[:-1], h0, 0),
        "last_starter_twice": (starter + [starter[-1]] + path[:-1], h0, start + 1),
        "seeded_with_first": (starter[:-1] + [starter[0]] + path[:-1], h0, start),
        "given_state_ignored": (starter + path[:-1], np.zeros_like(h0), start),
    }
    bugs = {
        tag: softmax_alpha(scores_along(inputs, fed, h)[skip:], temperature) for tag, (fed, h, skip) in fed_as.items()
    }
    return Expected(values, distinct({"probs": bugs}, values))


ORACLES = {
    "char_rnn_loss": char_rnn_loss,
    "char_rnn_backward": char_rnn_backward,
    "char_rnn_sample": char_rnn_sample,
    "char_rnn_complete": char_rnn_complete,
}
