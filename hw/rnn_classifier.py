"""A multi-layer Elman RNN that classifies a whole sequence (e.g. a phoneme) from its last step.

Layer l at time t computes h_t^(l) = RNNCell_l(h_t^(l-1), h_{t-1}^(l)), with
h_t^(-1) = x[:, t] (the input); the logits are Linear(h_{T-1}^(L-1)), the
last layer's state at the last time step.

Shape legend: N batch size, T seq_len, D input_size, H hidden_size,
C output_size, L num_layers.
"""

import numpy as np

from mytorch.linear import Linear
from mytorch.rnn_cell import RNNCell


class RNNPhonemeClassifier:
    """RNNPhonemeClassifier(input_size, hidden_size, output_size, num_layers=2): L stacked RNN cells and a Linear.

    Attributes:
    - rnn: list of L RNNCell; rnn[0] takes D inputs, the others H
    - output_layer: Linear(H, C)
    - x: the last forward's input, of shape (N, T, D)
    - hiddens: list of T + 1 arrays of shape (L, N, H): hiddens[0] is the
      initial state, hiddens[t + 1][l] is layer l's output at time step t
    """

    x: np.ndarray

    def __init__(self, input_size: int, hidden_size: int, output_size: int, num_layers: int = 2) -> None:
        """Create the cells and the output layer (each draws its own weights)."""
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.output_size = output_size
        self.num_layers = num_layers
        self.rnn = [RNNCell(input_size if layer == 0 else hidden_size, hidden_size) for layer in range(num_layers)]
        self.output_layer = Linear(hidden_size, output_size)
        self.hiddens: list[np.ndarray] = []

    def init_weights(self, rnn_weights: list, linear_weights: list) -> None:
        """Set every weight; the gradients are left as they are.

        Inputs:
        - rnn_weights: one [W_ih, W_hh, b_ih, b_hh] per layer, shaped as RNNCell.init_weights expects
        - linear_weights: [W (C, H), b (C,)]
        """
        for cell, weights in zip(self.rnn, rnn_weights):
            cell.init_weights(*weights)
        W, b = linear_weights
        # Older code passed the bias as a column (C, 1); the layer wants (C,).
        self.output_layer.init_weights(W, np.reshape(b, -1))

    def __call__(self, x: np.ndarray, h_0: np.ndarray | None = None) -> np.ndarray:
        """Classify the sequences: the same as forward(x, h_0)."""
        return self.forward(x, h_0)

    def forward(self, x: np.ndarray, h_0: np.ndarray | None = None) -> np.ndarray:
        """Run all layers over all time steps: h_t^(l) = rnn[l](h_t^(l-1), h_{t-1}^(l)), logits = Linear(h_{T-1}^(L-1)).

        Inputs:
        - x: input, of shape (N, T, D)
        - h_0: initial hidden states, of shape (L, N, H); zeros if None

        Returns:
        - logits: of shape (N, C), from the last layer at the last time step

        Caches (backward needs them):
        - self.x: x (given)
        - self.hiddens: T + 1 arrays of shape (L, N, H); the first (the initial state) is given, append a copy
          of the states after each time step
        """
        batch_size, seq_len = x.shape[0], x.shape[1]
        if h_0 is None:
            hidden = np.zeros((self.num_layers, batch_size, self.hidden_size), dtype=np.float64)
        else:
            hidden = np.array(h_0, dtype=np.float64, copy=True)
        self.x = x
        self.hiddens = [hidden.copy()]
        # BEGIN SOLUTION hint: per time step, each layer gets the layer below's output; store a copy in self.hiddens
        for t in range(seq_len):
            layer_input = x[:, t, :]
            for layer, cell in enumerate(self.rnn):
                hidden[layer] = cell(layer_input, hidden[layer])
                layer_input = hidden[layer]
            self.hiddens.append(hidden.copy())
        logits = self.output_layer(hidden[-1])
        return logits
        # END SOLUTION

    def backward(self, delta: np.ndarray) -> np.ndarray:
        """Backpropagate through time and through every layer.

        Inputs:
        - delta: dL/dlogits per sample, of shape (N, C)

        Returns:
        - dh_0: dL/dh_0, of shape (L, N, H), divided by the batch size (the initial state is treated like a
          parameter, whose gradient is a batch mean)

        Accumulates:
        - every cell's and the output layer's gradients (through their backward)
        """
        batch_size, seq_len = self.x.shape[0], self.x.shape[1]
        # dh[layer] collects dL/dh per sample for that layer at the time step being processed.
        dh = np.zeros((self.num_layers, batch_size, self.hidden_size), dtype=np.float64)
        dh[-1] = self.output_layer.backward(delta)
        # Pseudocode:
        # for t from T - 1 down to 0:
        #     for layer from L - 1 down to 0:
        #         h        = this layer's output at step t (self.hiddens[0] is the initial state,
        #                    so that is self.hiddens[t + 1][layer])
        #         h_prev_l = this layer's input at step t: x[:, t] for layer 0, else the output of
        #                    the layer below at step t
        #         h_prev_t = this layer's output at step t - 1
        #         dx, dh[layer] = self.rnn[layer].backward(dh[layer], h, h_prev_l, h_prev_t)
        #         if layer > 0: dx is a gradient for the output of the layer below: add it to dh[layer - 1]
        # dh_0 = dh divided by the batch size
        # BEGIN SOLUTION
        for t in reversed(range(seq_len)):
            for layer in reversed(range(self.num_layers)):
                h = self.hiddens[t + 1][layer]
                h_prev_l = self.x[:, t, :] if layer == 0 else self.hiddens[t + 1][layer - 1]
                h_prev_t = self.hiddens[t][layer]
                dx, dh[layer] = self.rnn[layer].backward(dh[layer], h, h_prev_l, h_prev_t)
                if layer > 0:
                    dh[layer - 1] += dx
        dh_0 = dh / batch_size
        return dh_0
        # END SOLUTION


RNN_Phoneme_Classifier = RNNPhonemeClassifier
