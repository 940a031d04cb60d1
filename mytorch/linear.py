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
        """Set the parameters; the gradients are left as they are.

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
        return self.forward(x)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Compute y = x W^T + b, and keep x for backward.

        - x: input, of shape (N, D)
        Returns y: output, of shape (N, M).
        """
        # BEGIN SOLUTION
        self.x = x
        return x @ self.W.T + self.b
        # END SOLUTION

    def backward(self, delta: np.ndarray) -> np.ndarray:
        """Backward through the last forward.

        - delta: dL/dy per sample, of shape (N, M)
        Returns dx: dL/dx per sample, of shape (N, D).
        Adds to the gradients (they accumulate until zero_grad()):
        - dW: the batch mean of dL/dW, of shape (M, D)
        - db: the batch mean of dL/db, of shape (M,)
        """
        # BEGIN SOLUTION
        batch_size = delta.shape[0]
        self.dW += delta.T @ self.x / batch_size
        self.db += delta.sum(axis=0) / batch_size
        return delta @ self.W
        # END SOLUTION
