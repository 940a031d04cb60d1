"""Elman RNN cell: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh).

Shape legend: N batch size, D input_size, H hidden_size.
"""

import numpy as np

from mytorch.activation import Tanh


class RNNCell:
    """RNNCell(input_size, hidden_size): one step of an Elman RNN, batched.

    Attributes:
    - W_ih: input-to-hidden weights, of shape (H, D); W_hh: hidden-to-hidden weights, of shape (H, H)
    - b_ih, b_hh: biases, of shape (H,)
    - dW_ih, dW_hh, db_ih, db_hh: their gradients, of the same shapes: batch means, accumulated until zero_grad()
    - activation: Tanh()
    The cell caches nothing: backward is given the step's output and inputs.
    """

    def __init__(self, input_size: int, hidden_size: int) -> None:
        """Draw the weights and biases from N(0, 1); set the gradients to zeros."""
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.activation = Tanh()
        h, d = hidden_size, input_size
        # Drawn in this order so seeded runs match the classic assignment.
        self.W_ih = np.random.randn(h, d)
        self.W_hh = np.random.randn(h, h)
        self.b_ih = np.random.randn(h)
        self.b_hh = np.random.randn(h)
        self.zero_grad()

    def init_weights(self, W_ih: np.ndarray, W_hh: np.ndarray, b_ih: np.ndarray, b_hh: np.ndarray) -> None:
        """Set the parameters; the gradients are left as they are.

        Inputs:
        - W_ih: input-to-hidden weights, of shape (H, D)
        - W_hh: hidden-to-hidden weights, of shape (H, H)
        - b_ih: input-to-hidden bias, of shape (H,)
        - b_hh: hidden-to-hidden bias, of shape (H,)
        """
        self.W_ih = W_ih
        self.W_hh = W_hh
        self.b_ih = b_ih
        self.b_hh = b_hh

    def zero_grad(self) -> None:
        """Reset dW_ih, dW_hh, db_ih and db_hh to zeros."""
        self.dW_ih = np.zeros((self.hidden_size, self.input_size))
        self.dW_hh = np.zeros((self.hidden_size, self.hidden_size))
        self.db_ih = np.zeros(self.hidden_size)
        self.db_hh = np.zeros(self.hidden_size)

    def __call__(self, x: np.ndarray, h: np.ndarray) -> np.ndarray:
        """Run one time step: the same as forward(x, h)."""
        return self.forward(x, h)

    def forward(self, x: np.ndarray, h: np.ndarray) -> np.ndarray:
        """Run one time step: h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh).

        Inputs:
        - x: input at this step, of shape (N, D)
        - h: hidden state of the previous step, of shape (N, H)

        Returns:
        - h_prime: the new hidden state, of shape (N, H)
        """
        # BEGIN SOLUTION
        z = x @ self.W_ih.T + self.b_ih + h @ self.W_hh.T + self.b_hh
        return self.activation(z)
        # END SOLUTION

    def backward(
        self, delta: np.ndarray, h: np.ndarray, h_prev_l: np.ndarray, h_prev_t: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Backpropagate through one time step: dz = delta * (1 - h'^2), dx = dz W_ih, dh = dz W_hh.

        Inputs:
        - delta: dL/dh_prime per sample, of shape (N, H)
        - h: this step's output h_prime, of shape (N, H)
        - h_prev_l: this step's input x (the layer below's output), of shape (N, D)
        - h_prev_t: the previous step's hidden state, of shape (N, H)

        Returns a tuple of:
        - dx: dL/dx per sample, of shape (N, D)
        - dh: dL/dh_prev_t per sample, of shape (N, H)

        Accumulates (until zero_grad()):
        - self.dW_ih += dz^T h_prev_l / N; self.dW_hh += dz^T h_prev_t / N
        - self.db_ih += sum of dz / N; self.db_hh += sum of dz / N
        """
        # BEGIN SOLUTION hint: the tanh derivative comes from the output: self.activation.derivative(state=h)
        batch_size = delta.shape[0]
        dz = self.activation.derivative(state=h) * delta
        self.dW_ih += dz.T @ h_prev_l / batch_size
        self.dW_hh += dz.T @ h_prev_t / batch_size
        self.db_ih += dz.sum(axis=0) / batch_size
        self.db_hh += dz.sum(axis=0) / batch_size
        dx = dz @ self.W_ih
        dh = dz @ self.W_hh
        return dx, dh
        # END SOLUTION


RNN_Cell = RNNCell
