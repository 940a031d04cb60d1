"""Elementwise activations.

Every activation stores its output in ``self.state`` during ``forward`` and
computes its derivative from an output, never from the input: the RNN and GRU
backward passes only keep outputs around, so this is the form they need.

Shape legend: x and state may have any shape S; every output has that shape.
"""

import numpy as np


class Activation:
    """Base class: `__call__` is `forward`; `state` is the last output."""

    def __init__(self) -> None:
        self.state: np.ndarray | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply the activation elementwise.

        - x: input, of shape S
        Returns the output, of shape S (also kept in self.state).
        """
        raise NotImplementedError

    def derivative(self, state: np.ndarray | None = None) -> np.ndarray:
        """The derivative, computed from an output (not from the input).

        - state: an output of this activation, of shape S (default: self.state, the last output)
        Returns the elementwise derivative at that output, of shape S.
        """
        raise NotImplementedError


class Identity(Activation):
    """f(x) = x. A worked example: the other activations follow the same form."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """The identity: x itself.

        - x: input, of shape S
        Returns the output, of shape S (also kept in self.state).
        """
        self.state = x
        return x

    def derivative(self, state: np.ndarray | None = None) -> np.ndarray:
        """The derivative: ones.

        - state: an output, of shape S (default: self.state)
        Returns the derivative at that output, of shape S.
        """
        state = self.state if state is None else state
        return np.ones_like(state, dtype=np.float64)


class Sigmoid(Activation):
    """f(x) = 1 / (1 + exp(-x)); f' = f (1 - f)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """sigmoid(x), elementwise.

        - x: input, of shape S
        Returns the output, of shape S (also kept in self.state).
        """
        # BEGIN SOLUTION
        # exp only ever sees non-positive arguments, so |x| ~ 1e3 cannot overflow.
        e = np.exp(-np.abs(x))
        self.state = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self.state
        # END SOLUTION

    def derivative(self, state: np.ndarray | None = None) -> np.ndarray:
        """The derivative, state * (1 - state), from an output.

        - state: a sigmoid output, of shape S (default: self.state)
        Returns the derivative at that output, of shape S.
        """
        # BEGIN SOLUTION
        state = self.state if state is None else state
        return state * (1.0 - state)
        # END SOLUTION


class Tanh(Activation):
    """f(x) = tanh(x); f' = 1 - f^2."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """tanh(x), elementwise.

        - x: input, of shape S
        Returns the output, of shape S (also kept in self.state).
        """
        # BEGIN SOLUTION
        self.state = np.tanh(x)
        return self.state
        # END SOLUTION

    def derivative(self, state: np.ndarray | None = None) -> np.ndarray:
        """The derivative, 1 - state**2, from an output.

        - state: a tanh output, of shape S (default: self.state)
        Returns the derivative at that output, of shape S.
        """
        # BEGIN SOLUTION
        state = self.state if state is None else state
        return 1.0 - state * state
        # END SOLUTION


class ReLU(Activation):
    """f(x) = max(x, 0); f' = 1 where the output is positive, else 0."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """max(x, 0), elementwise.

        - x: input, of shape S
        Returns the output, of shape S (also kept in self.state).
        """
        # BEGIN SOLUTION
        self.state = np.maximum(x, 0.0)
        return self.state
        # END SOLUTION

    def derivative(self, state: np.ndarray | None = None) -> np.ndarray:
        """The derivative, 1.0 where state > 0, else 0.0, from an output.

        - state: a ReLU output, of shape S (default: self.state)
        Returns the derivative at that output, of shape S.
        """
        # BEGIN SOLUTION
        state = self.state if state is None else state
        return (state > 0).astype(np.float64)
        # END SOLUTION
