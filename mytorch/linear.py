"""Fully connected layer y = x W^T + b.

Shape legend: N batch size, D in_feature, M out_feature.
"""

import numpy as np


class Linear:
    """Linear(in_feature, out_feature): a fully connected layer.

    Attributes:
    - W: weights, of shape (M, D); b: bias, of shape (M,)
    - dW, db: their gradients, of the same shapes: batch means, accumulated until zero_grad()
    - x: the last forward's input, of shape (N, D)
    """

    x: np.ndarray

    def __init__(self, in_feature: int, out_feature: int) -> None:
        """Draw W from N(0, 1), set b and the gradients to zeros."""
        self.in_feature = in_feature
        self.out_feature = out_feature
        self.W = np.random.randn(out_feature, in_feature)
        self.b = np.zeros(out_feature)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)

    def init_weights(self, W: np.ndarray, b: np.ndarray) -> None:
        """Set the parameters; the gradients are left as they are.

        Inputs:
        - W: weights, of shape (M, D)
        - b: bias, of shape (M,)
        """
        self.W = W
        self.b = b

    def zero_grad(self) -> None:
        """Reset dW and db to zeros."""
        self.dW = np.zeros_like(self.W, dtype=np.float64)
        self.db = np.zeros_like(self.b, dtype=np.float64)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Apply the layer: the same as forward(x)."""
        return self.forward(x)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Compute y = x W^T + b.

        Inputs:
        - x: input, of shape (N, D)

        Returns:
        - y: output, of shape (N, M)

        Caches:
        - self.x: x, for backward
        """
        # BEGIN SOLUTION
        self.x = x
        return x @ self.W.T + self.b
        # END SOLUTION

    def backward(self, delta: np.ndarray) -> np.ndarray:
        """Backpropagate through the last forward: dx = delta W, dW = delta^T x / N, db = sum of delta / N.

        Inputs:
        - delta: dL/dy per sample, of shape (N, M)

        Returns:
        - dx: dL/dx per sample, of shape (N, D)

        Accumulates (until zero_grad()):
        - self.dW += the batch mean of dL/dW, of shape (M, D)
        - self.db += the batch mean of dL/db, of shape (M,)
        """
        # BEGIN SOLUTION
        batch_size = delta.shape[0]
        self.dW += delta.T @ self.x / batch_size
        self.db += delta.sum(axis=0) / batch_size
        return delta @ self.W
        # END SOLUTION
