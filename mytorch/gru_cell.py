"""GRU cell without biases, with the reset gate applied before the matmul.

    z  = sigmoid(Wzh h + Wzx x)
    r  = sigmoid(Wrh h + Wrx x)
    h~ = tanh(Wh (r * h) + Wx x)
    h_t = (1 - z) * h + z * h~

This is not torch.nn.GRUCell (which computes r * (W h + b) and swaps the roles
of z). The cell is unbatched. Shape legend: D in_dim, H hidden_dim.
"""

import numpy as np

from mytorch.activation import Sigmoid, Tanh


class GRUCell:
    """GRUCell(in_dim, hidden_dim): one step of the bias-free GRU above, unbatched.

    Attributes:
    - d: D; h: H
    - Wzh, Wrh, Wh: hidden-to-hidden weights of z, r and h~, of shape (H, H)
    - Wzx, Wrx, Wx: input-to-hidden weights of z, r and h~, of shape (H, D)
    - dWzh, dWrh, dWh, dWzx, dWrx, dWx: their gradients, of the same shapes, accumulated until zero_grad()
    - z_act, r_act: Sigmoid(); h_act: Tanh()
    - x (D,), hidden (H,), z (H,), r (H,), h_tilda (H,): what the last forward cached
    """

    x: np.ndarray
    hidden: np.ndarray
    z: np.ndarray
    r: np.ndarray
    h_tilda: np.ndarray

    def __init__(self, in_dim: int, hidden_dim: int) -> None:
        """Draw the six weights from N(0, 1); set the gradients to zeros."""
        self.d = in_dim
        self.h = hidden_dim
        h, d = hidden_dim, in_dim
        # Drawn in this order so seeded runs match the classic assignment.
        self.Wzh = np.random.randn(h, h)
        self.Wrh = np.random.randn(h, h)
        self.Wh = np.random.randn(h, h)
        self.Wzx = np.random.randn(h, d)
        self.Wrx = np.random.randn(h, d)
        self.Wx = np.random.randn(h, d)
        self.zero_grad()
        self.z_act = Sigmoid()
        self.r_act = Sigmoid()
        self.h_act = Tanh()

    def init_weights(
        self, Wzh: np.ndarray, Wrh: np.ndarray, Wh: np.ndarray, Wzx: np.ndarray, Wrx: np.ndarray, Wx: np.ndarray
    ) -> None:
        """Set the six weights; the gradients are left as they are.

        Inputs:
        - Wzh, Wrh, Wh: the hidden-to-hidden weights of z, r and h~, each of shape (H, H)
        - Wzx, Wrx, Wx: the input-to-hidden weights of z, r and h~, each of shape (H, D)
        """
        self.Wzh = Wzh
        self.Wrh = Wrh
        self.Wh = Wh
        self.Wzx = Wzx
        self.Wrx = Wrx
        self.Wx = Wx

    def zero_grad(self) -> None:
        """Reset every gradient to zeros."""
        self.dWzh = np.zeros((self.h, self.h))
        self.dWrh = np.zeros((self.h, self.h))
        self.dWh = np.zeros((self.h, self.h))
        self.dWzx = np.zeros((self.h, self.d))
        self.dWrx = np.zeros((self.h, self.d))
        self.dWx = np.zeros((self.h, self.d))

    def __call__(self, x: np.ndarray, h: np.ndarray) -> np.ndarray:
        """Run one time step: the same as forward(x, h)."""
        return self.forward(x, h)

    def forward(self, x: np.ndarray, h: np.ndarray) -> np.ndarray:
        """Run one time step: the four equations of the module docstring.

        Inputs:
        - x: input at this step, of shape (D,)
        - h: hidden state of the previous step, of shape (H,)

        Returns:
        - h_t: the new hidden state, of shape (H,)

        Caches (backward needs them):
        - self.x: x; self.hidden: h
        - self.z, self.r, self.h_tilda: the two gates and the candidate state, each of shape (H,)
        """
        # BEGIN SOLUTION
        self.x = x
        self.hidden = h
        self.z = self.z_act(self.Wzh @ h + self.Wzx @ x)
        self.r = self.r_act(self.Wrh @ h + self.Wrx @ x)
        self.h_tilda = self.h_act(self.Wh @ (self.r * h) + self.Wx @ x)
        h_t = (1.0 - self.z) * h + self.z * self.h_tilda
        return h_t
        # END SOLUTION

    def backward(self, delta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Backpropagate through the last forward step, its four equations last one first.

        Inputs:
        - delta: dL/dh_t, of shape (1, H) or (H,)

        Returns a tuple of:
        - dx: dL/dx, of shape (1, D)
        - dh: dL/dh (the previous hidden state), of shape (1, H)

        Accumulates (until zero_grad()):
        - self.dWzh, self.dWrh, self.dWh (H, H) and self.dWzx, self.dWrx, self.dWx (H, D) += dL/dW
        """
        # BEGIN SOLUTION hint: go backward through the four forward equations, last one first
        delta = np.reshape(delta, -1)
        x, h = self.x, self.hidden
        z, r, h_tilda = self.z, self.r, self.h_tilda

        d_h_tilda = delta * z
        d_z = delta * (h_tilda - h)
        dh = delta * (1.0 - z)

        # Back through h~ = tanh(Wh (r*h) + Wx x).
        d_a_h = d_h_tilda * self.h_act.derivative(state=h_tilda)
        self.dWh += np.outer(d_a_h, r * h)
        self.dWx += np.outer(d_a_h, x)
        d_rh = self.Wh.T @ d_a_h
        d_r = d_rh * h
        dh += d_rh * r
        dx = self.Wx.T @ d_a_h

        # Back through the two gates.
        d_a_z = d_z * self.z_act.derivative(state=z)
        d_a_r = d_r * self.r_act.derivative(state=r)
        self.dWzh += np.outer(d_a_z, h)
        self.dWzx += np.outer(d_a_z, x)
        self.dWrh += np.outer(d_a_r, h)
        self.dWrx += np.outer(d_a_r, x)
        dh += self.Wzh.T @ d_a_z + self.Wrh.T @ d_a_r
        dx += self.Wzx.T @ d_a_z + self.Wrx.T @ d_a_r
        return dx.reshape(1, -1), dh.reshape(1, -1)
        # END SOLUTION


GRU_Cell = GRUCell
