"""Softmax cross-entropy on logits.

Shape legend: N batch size, C classes.
"""

import numpy as np


class SoftmaxCrossEntropy:
    """SoftmaxCrossEntropy(): the per-sample loss -sum_c y_c log softmax(x)_c, and its derivative softmax(x) - y.

    Attributes (set by forward):
    - logits: x, of shape (N, C); labels: y, of shape (N, C); sm: softmax(x), of shape (N, C)
    """

    logits: np.ndarray
    labels: np.ndarray
    sm: np.ndarray

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Compute the loss: the same as forward(x, y)."""
        return self.forward(x, y)

    def forward(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Compute the loss of each sample: loss_n = -sum_c y_nc log softmax(x_n)_c.

        Inputs:
        - x: logits, of shape (N, C)
        - y: one-hot labels, of shape (N, C)

        Returns:
        - loss: the per-sample loss, of shape (N,); finite for logits of magnitude 1e3

        Caches:
        - self.logits: x; self.labels: y; self.sm: softmax(x), of shape (N, C)
        """
        # BEGIN SOLUTION
        self.logits = x
        self.labels = y
        # Shifting by the row max leaves softmax unchanged and keeps exp from overflowing.
        shifted = x - x.max(axis=1, keepdims=True)
        log_sum = np.log(np.exp(shifted).sum(axis=1, keepdims=True))
        log_softmax = shifted - log_sum
        self.sm = np.exp(log_softmax)
        return -(y * log_softmax).sum(axis=1)
        # END SOLUTION

    def derivative(self) -> np.ndarray:
        """Compute the derivative of the last forward's loss: dx = softmax(x) - y.

        Returns:
        - dx: dL/dx per sample, of shape (N, C) (not divided by N)
        """
        # BEGIN SOLUTION
        return self.sm - self.labels
        # END SOLUTION
