"""LSTM cell, batched, with torch.nn.LSTMCell's weight layout and gate order (input, forget, cell, output).

Shape legend: N batch size, D input_size, H hidden_size.

Forward, for one time step (⊙ is the elementwise product, σ the sigmoid):

    a     = x W_ihᵀ + b_ih + h W_hhᵀ + b_hh       (N, 4H)  pre-activations of the four gates
    i     = σ(a[:, 0:H])                          (N, H)   input gate
    f     = σ(a[:, H:2H])                         (N, H)   forget gate
    g     = tanh(a[:, 2H:3H])                     (N, H)   cell candidate
    o     = σ(a[:, 3H:4H])                        (N, H)   output gate
    c_new = f ⊙ c + i ⊙ g                         (N, H)
    h_new = o ⊙ tanh(c_new)                       (N, H)

Backward, given dh_new = dL/dh_new and dc_new = dL/dc_new per sample, goes
through these equations last one first. c_new reaches the loss twice, directly
and through h_new, so its total gradient is
dc_new + dh_new ⊙ o ⊙ (1 - tanh(c_new)²). Every activation derivative comes
from an activation output that forward stored (i, f, g, o and tanh(c_new)).
"""

import numpy as np

from mytorch.activation import Sigmoid, Tanh


class LSTMCell:
    """LSTMCell(input_size, hidden_size): one step of an LSTM, batched.

    Attributes:
    - input_size: D; hidden_size: H
    - W_ih: input-to-hidden weights, of shape (4H, D); W_hh: hidden-to-hidden weights, of shape (4H, H);
      b_ih, b_hh: biases, of shape (4H,). Rows 0:H belong to the input gate, H:2H to the forget gate,
      2H:3H to the cell candidate and 3H:4H to the output gate, as in torch.nn.LSTMCell.
    - dW_ih, dW_hh, db_ih, db_hh: their gradients, of the same shapes: batch means, accumulated until
      zero_grad()
    - sigmoid: one Sigmoid() for the three gates; tanh: one Tanh() for g and tanh(c_new). Each object only
      remembers its last call, so backward passes the stored output as derivative(state=...).
    - x (N, D), h (N, H), c (N, H), i, f, g, o (N, H), tanh_c_new (N, H): what the last forward cached
    """

    x: np.ndarray
    h: np.ndarray
    c: np.ndarray
    i: np.ndarray
    f: np.ndarray
    g: np.ndarray
    o: np.ndarray
    tanh_c_new: np.ndarray

    def __init__(self, input_size: int, hidden_size: int) -> None:
        """Draw the weights and biases as torch.nn.LSTMCell does; set the gradients to zeros."""
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.sigmoid = Sigmoid()
        self.tanh = Tanh()
        h, d = hidden_size, input_size
        # torch.nn.LSTMCell's default: uniform in (-1/sqrt(H), 1/sqrt(H)), drawn in this order.
        k = 1.0 / np.sqrt(h)
        self.W_ih = np.random.uniform(-k, k, (4 * h, d))
        self.W_hh = np.random.uniform(-k, k, (4 * h, h))
        self.b_ih = np.random.uniform(-k, k, 4 * h)
        self.b_hh = np.random.uniform(-k, k, 4 * h)
        self.zero_grad()

    def init_weights(self, W_ih: np.ndarray, W_hh: np.ndarray, b_ih: np.ndarray, b_hh: np.ndarray) -> None:
        """Set the parameters; the gradients are left as they are.

        Inputs:
        - W_ih: input-to-hidden weights, of shape (4H, D)
        - W_hh: hidden-to-hidden weights, of shape (4H, H)
        - b_ih: input-to-hidden bias, of shape (4H,)
        - b_hh: hidden-to-hidden bias, of shape (4H,)
        """
        self.W_ih = W_ih
        self.W_hh = W_hh
        self.b_ih = b_ih
        self.b_hh = b_hh

    def zero_grad(self) -> None:
        """Reset dW_ih (4H, D), dW_hh (4H, H), db_ih (4H,) and db_hh (4H,) to zeros."""
        h, d = self.hidden_size, self.input_size
        self.dW_ih = np.zeros((4 * h, d))
        self.dW_hh = np.zeros((4 * h, h))
        self.db_ih = np.zeros(4 * h)
        self.db_hh = np.zeros(4 * h)

    def __call__(self, x: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run one time step: the same as forward(x, h, c)."""
        return self.forward(x, h, c)

    def forward(self, x: np.ndarray, h: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Run one time step: the gates i, f, g, o, then c_new and h_new (the module docstring's equations).

        Inputs:
        - x: input at this step, of shape (N, D)
        - h: hidden state of the previous step, of shape (N, H)
        - c: cell state of the previous step, of shape (N, H)

        Returns a tuple of:
        - h_new: the new hidden state, of shape (N, H)
        - c_new: the new cell state, of shape (N, H)

        Caches (backward needs them):
        - self.x, self.h, self.c: the inputs
        - self.i, self.f, self.g, self.o: the gates, each of shape (N, H); self.tanh_c_new: tanh(c_new), (N, H)
        """
        # BEGIN SOLUTION hint: a = x W_ih^T + b_ih + h W_hh^T + b_hh; its H-column blocks are i, f, g, o
        self.x, self.h, self.c = x, h, c
        H = self.hidden_size
        a = x @ self.W_ih.T + self.b_ih + h @ self.W_hh.T + self.b_hh
        self.i = self.sigmoid(a[:, 0:H])
        self.f = self.sigmoid(a[:, H : 2 * H])
        self.g = self.tanh(a[:, 2 * H : 3 * H])
        self.o = self.sigmoid(a[:, 3 * H : 4 * H])
        c_new = self.f * c + self.i * self.g
        self.tanh_c_new = self.tanh(c_new)
        h_new = self.o * self.tanh_c_new
        return h_new, c_new
        # END SOLUTION

    def backward(self, dh_new: np.ndarray, dc_new: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Backpropagate through the last forward step, its equations last one first.

        Inputs:
        - dh_new: dL/dh_new per sample, of shape (N, H)
        - dc_new: dL/dc_new per sample (the gradient reaching c_new from the next step), of shape (N, H)

        Returns a tuple of:
        - dx: dL/dx per sample, of shape (N, D)
        - dh: dL/dh (the previous hidden state) per sample, of shape (N, H)
        - dc: dL/dc (the previous cell state) per sample, of shape (N, H)

        Accumulates (until zero_grad()):
        - self.dW_ih (4H, D), self.dW_hh (4H, H), self.db_ih (4H,), self.db_hh (4H,) += the batch means of
          dL/dW_ih, dL/dW_hh, dL/db_ih, dL/db_hh
        """
        # BEGIN SOLUTION hint: dc_new also gets dh_new * o * (1 - tanh(c_new)^2); derivatives from stored outputs
        batch_size = dh_new.shape[0]
        i, f, g, o, tanh_c_new = self.i, self.f, self.g, self.o, self.tanh_c_new

        # h_new = o * tanh(c_new): c_new reaches the loss directly and through h_new.
        d_o = dh_new * tanh_c_new
        dc_total = dc_new + dh_new * o * self.tanh.derivative(state=tanh_c_new)

        # Back through c_new = f * c + i * g: c is the cached previous cell state.
        d_i = dc_total * g
        d_f = dc_total * self.c
        d_g = dc_total * i
        dc = dc_total * f

        # Back through the gate activations, into the pre-activations a (N, 4H), in torch's gate order.
        d_a_i = d_i * self.sigmoid.derivative(state=i)
        d_a_f = d_f * self.sigmoid.derivative(state=f)
        d_a_g = d_g * self.tanh.derivative(state=g)
        d_a_o = d_o * self.sigmoid.derivative(state=o)
        d_a = np.concatenate([d_a_i, d_a_f, d_a_g, d_a_o], axis=1)
        self.dW_ih += d_a.T @ self.x / batch_size
        self.dW_hh += d_a.T @ self.h / batch_size
        self.db_ih += d_a.sum(axis=0) / batch_size
        self.db_hh += d_a.sum(axis=0) / batch_size
        dx = d_a @ self.W_ih
        dh = d_a @ self.W_hh
        return dx, dh, dc
        # END SOLUTION


LSTM_Cell = LSTMCell
