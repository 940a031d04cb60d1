"""Oracle for `poem_model`: the poem model's forward pass written in torch ops.

Independent of nn.LSTM and nn.Embedding: the embedding is a one-hot product, and each
LSTM layer is the textbook recurrence with torch's gate order (input, forget, cell, output)
from zero states, in float64.
"""

import numpy as np
import torch

from autograder.oracles._torch import array, tensor
from autograder.steps._poems import LAYERS


def lstm_logits(inputs: dict[str, np.ndarray], sentence: np.ndarray) -> torch.Tensor:
    """Run the poem model from zero initial states.

    inputs: the model's weights; sentence: indices of shape (B, T). Returns logits (B, T, V).
    """
    V = inputs["embedding"].shape[0]
    onehot = torch.nn.functional.one_hot(torch.as_tensor(sentence, dtype=torch.int64), V).to(torch.float64)
    x = onehot @ tensor(inputs["embedding"])  # (B, T, E)
    B, T = sentence.shape
    H = inputs["weight_hh_l0"].shape[1]
    for layer in range(LAYERS):
        w_ih, w_hh = tensor(inputs[f"weight_ih_l{layer}"]), tensor(inputs[f"weight_hh_l{layer}"])
        bias = tensor(inputs[f"bias_ih_l{layer}"]) + tensor(inputs[f"bias_hh_l{layer}"])
        h = torch.zeros(B, H, dtype=torch.float64)
        c = torch.zeros(B, H, dtype=torch.float64)
        states = []
        for t in range(T):
            gates = x[:, t] @ w_ih.T + h @ w_hh.T + bias
            i, f, g, o = gates.split(H, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            states.append(h)
        x = torch.stack(states, dim=1)
    return x @ tensor(inputs["fc_weight"]).T + tensor(inputs["fc_bias"])


class LSTMSteps:
    """The same model fed one index at a time, keeping its states (what greedy generation needs).

    Feeding a sentence index by index gives, row by row, the logits lstm_logits gives for it
    (the same recurrence, step by step, one sequence).
    """

    def __init__(self, inputs: dict[str, np.ndarray]) -> None:
        """Take the weights of `inputs` (see lstm_logits); states start at zero."""
        self.V = inputs["embedding"].shape[0]
        self.H = inputs["weight_hh_l0"].shape[1]
        self.embedding = tensor(inputs["embedding"])
        self.layers = []
        for layer in range(LAYERS):
            w_ih, w_hh = tensor(inputs[f"weight_ih_l{layer}"]), tensor(inputs[f"weight_hh_l{layer}"])
            bias = tensor(inputs[f"bias_ih_l{layer}"]) + tensor(inputs[f"bias_hh_l{layer}"])
            self.layers.append((w_ih.T, w_hh.T, bias))
        self.fc = (tensor(inputs["fc_weight"]).T, tensor(inputs["fc_bias"]))
        self.states = [(torch.zeros(1, self.H, dtype=torch.float64),) * 2 for _ in range(LAYERS)]

    def feed(self, index: int) -> torch.Tensor:
        """Feed one index -> the logits (V,) after it."""
        onehot = torch.nn.functional.one_hot(torch.tensor([index]), self.V).to(torch.float64)
        x = onehot @ self.embedding  # (1, E)
        for layer, (w_ih_t, w_hh_t, bias) in enumerate(self.layers):
            h, c = self.states[layer]
            i, f, g, o = (x @ w_ih_t + h @ w_hh_t + bias).split(self.H, dim=1)
            c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
            h = torch.sigmoid(o) * torch.tanh(c)
            self.states[layer] = (h, c)
            x = h
        return (x @ self.fc[0] + self.fc[1])[0]


def poem_model(inputs: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Compute the model's logits for the case's sentences.

    Inputs: the model's weights, sentence (B, T), test_sentence (1, T').
    Returns logits (B * T, V), test_logits (1, V) at the test sentence's last step, and logits_again (B * T, V).
    """
    with torch.no_grad():
        logits = lstm_logits(inputs, inputs["sentence"])
        test = lstm_logits(inputs, inputs["test_sentence"])[0, -1:]
    flat = array(logits.reshape(-1, logits.shape[-1]))
    return {"logits": flat, "test_logits": array(test), "logits_again": flat}


ORACLES = {"poem_model": poem_model}
