"""Fully connected layer y = x W^T + b.

Shape legend: N batch size, D in_feature, M out_feature.
"""

import numpy as np


class Linear:
    """Linear(in_feature, out_feature).

    Attributes:
    - W: weights of shape (M, D); b: bias of shape (M,)
    - dW, db: gradients of the same shapes, batch means, accumulated until zero_grad()
    """

    def __init__(self, in_feature: int, out_feature: int) -> None:
        self.in_feature = in_feature
        self.out_feature = out_feature
        self.W = np.random.randn(out_feature, in_feature)
        self.b = np.zeros(out_feature)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.x: np.ndarray | None = None

    def init_weights(self, W: np.ndarray, b: np.ndarray) -> None:
        """W: (M, D); b: (M,). Gradients are left as they are."""
        self.W = W
        self.b = b

    def zero_grad(self) -> None:
        """Reset dW and db to zeros."""
        self.dW = np.zeros_like(self.W, dtype=np.float64)
        self.db = np.zeros_like(self.b, dtype=np.float64)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x: input of shape (N, D) -> output of shape (N, M). Keeps x for backward."""
        # BEGIN SOLUTION
        self.x = x
        return x @ self.W.T + self.b
        # END SOLUTION

    def backward(self, delta: np.ndarray) -> np.ndarray:
        """delta: dL/dy per sample, of shape (N, M) -> dx: dL/dx per sample, of shape (N, D).

        Adds the batch means dL/dW (M, D) and dL/db (M,) to self.dW and self.db.
        """
        # BEGIN SOLUTION
        batch_size = delta.shape[0]
        self.dW += delta.T @ self.x / batch_size
        self.db += delta.sum(axis=0) / batch_size
        return delta @ self.W
        # END SOLUTION
