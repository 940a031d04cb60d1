"""Oracles for `rnn_classifier_forward` and `rnn_classifier_backward`.

The graded values (logits, every gradient, dL/dh_0) come from torch.nn.RNN
(tanh, batch_first) + torch.nn.Linear + CrossEntropyLoss(reduction='mean'),
differentiated by autograd. The per-step values used only to locate a
mismatch (its `trace`) come from the same network unrolled with
torch.nn.RNNCell, so that autograd can give the gradient of every
intermediate hidden state; tests check the two agree. Without hints
(see _hints.py) the trace is not computed.
"""

import numpy as np
import torch

from autograder.cases import Expected
from autograder.oracles._hints import hints_wanted
from autograder.oracles._torch import array, tensor
from autograder.oracles.rnn_cell import TORCH_NAMES
from autograder.steps.rnn_classifier import CELL_WEIGHTS, cell_weights, layers_of


def torch_network(inputs: dict[str, np.ndarray]) -> tuple[torch.nn.RNN, torch.nn.Linear]:
    """Build torch.nn.RNN and torch.nn.Linear holding the case's weights."""
    h, d = inputs["W_ih_0"].shape
    c = inputs["W"].shape[0]
    rnn = torch.nn.RNN(d, h, num_layers=layers_of(inputs), nonlinearity="tanh", batch_first=True, dtype=torch.float64)
    linear = torch.nn.Linear(h, c, dtype=torch.float64)
    with torch.no_grad():
        for layer in range(layers_of(inputs)):
            for theirs, value in zip(TORCH_NAMES, cell_weights(inputs, layer)):
                getattr(rnn, f"{theirs}_l{layer}").copy_(tensor(value))
        linear.weight.copy_(tensor(inputs["W"]))
        linear.bias.copy_(tensor(inputs["b"]))
    return rnn, linear


def network_outputs(inputs: dict[str, np.ndarray], gradients: bool = True) -> dict[str, np.ndarray]:
    """Compute the classifier's logits and, if `gradients`, the gradients of the mean loss, from torch.nn.RNN.

    Returns logits (N, C), and with `gradients`: dh_0 (L, N, H), out_dW (C, H), out_db (C,) and
    rnn<l>_d<weight> for every layer's weights.
    """
    rnn, linear = torch_network(inputs)
    h_0 = tensor(inputs["h_0"], grad=True)
    with torch.set_grad_enabled(gradients):
        output, _ = rnn(tensor(inputs["x"]), h_0)
        logits = linear(output[:, -1])
    if not gradients:
        return {"logits": array(logits)}
    loss = torch.nn.functional.cross_entropy(logits, torch.tensor(inputs["labels"]), reduction="mean")
    layers = layers_of(inputs)
    cell_params = [getattr(rnn, f"{n}_l{layer}") for layer in range(layers) for n in TORCH_NAMES]
    grads = torch.autograd.grad(loss, [h_0, linear.weight, linear.bias] + cell_params)
    out = {"logits": array(logits), "dh_0": array(grads[0]), "out_dW": array(grads[1]), "out_db": array(grads[2])}
    for i, g in enumerate(grads[3:]):
        layer, k = divmod(i, len(TORCH_NAMES))
        out[f"rnn{layer}_d{CELL_WEIGHTS[k]}"] = array(g)
    return out


def unrolled_trace(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Unroll the network with torch.nn.RNNCell.

    Returns:
    - logits (N, C)
    - hiddens (T + 1, L, N, H): [0] the initial state, [t + 1][l] layer l after time step t
    - deltas (T, L, N, H): dL/dh_t^(l) per sample (batch x the gradient of the mean loss)
    - dabove (T, L, N, H): the part of deltas that arrives from the layer above
      (from the output layer for the top layer at the last step; zero for the top layer before it)
    """
    x, labels = tensor(inputs["x"]), torch.tensor(inputs["labels"])
    batch, steps = x.shape[0], x.shape[1]
    layers = layers_of(inputs)
    h, d = inputs["W_ih_0"].shape
    cells = []
    for layer in range(layers):
        cell = torch.nn.RNNCell(d if layer == 0 else h, h, nonlinearity="tanh", dtype=torch.float64)
        with torch.no_grad():
            for theirs, value in zip(TORCH_NAMES, cell_weights(inputs, layer)):
                getattr(cell, theirs).copy_(tensor(value))
        cells.append(cell)
    w_out, b_out = tensor(inputs["W"]), tensor(inputs["b"])
    states = [[tensor(inputs["h_0"][layer]) for layer in range(layers)]]
    for t in range(steps):
        below, row = x[:, t], []
        for layer, cell in enumerate(cells):
            below = cell(below, states[t][layer])
            row.append(below)
        states.append(row)
    logits = states[-1][-1] @ w_out.T + b_out
    loss = torch.nn.functional.cross_entropy(logits, labels, reduction="mean")
    flat = [s for row in states[1:] for s in row] + [logits]
    grads = torch.autograd.grad(loss, flat)
    deltas = torch.stack([torch.stack(list(grads[t * layers : (t + 1) * layers])) for t in range(steps)]) * batch
    dlogits = grads[-1] * batch
    hid = torch.stack([torch.stack(row) for row in states]).detach()
    above = torch.zeros_like(deltas)
    with torch.no_grad():
        above[steps - 1, layers - 1] = dlogits @ w_out
        for t in range(steps):
            for layer in range(layers - 1):
                dz = deltas[t, layer + 1] * (1 - hid[t + 1, layer + 1] ** 2)
                above[t, layer] = dz @ cells[layer + 1].weight_ih
    return {
        "logits": array(logits),
        "hiddens": array(hid),
        "deltas": array(deltas),
        "dabove": array(above),
    }


def rnn_classifier_forward(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute the logits (N, C) of x (N, T, D) from h_0 (L, N, H); trace: hiddens (T + 1, L, N, H)."""
    values = network_outputs(inputs, gradients=False)
    if not hints_wanted():
        return Expected(values)
    return Expected(values, trace={"hiddens": unrolled_trace(inputs)["hiddens"]})


def rnn_classifier_backward(inputs: dict[str, np.ndarray]) -> Expected:
    """Compute every gradient of the mean cross-entropy (see network_outputs); trace: see unrolled_trace."""
    out = network_outputs(inputs)
    del out["logits"]
    if not hints_wanted():
        return Expected(out)
    trace = unrolled_trace(inputs)
    del trace["logits"]
    return Expected(out, trace=trace)


ORACLES = {"rnn_classifier_forward": rnn_classifier_forward, "rnn_classifier_backward": rnn_classifier_backward}
