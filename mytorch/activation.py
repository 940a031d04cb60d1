"""Elementwise activations: Identity, Sigmoid, Tanh, ReLU.

Every activation caches its output in `self.state` during `forward` and
computes its derivative from an output, never from the input: the RNN and GRU
backward passes only keep outputs around, so this is the form they need.

Shape legend: x and state may have any shape S; every output has that shape.
"""

import numpy as np


class Activation:
    """Activation(): the base class; calling an activation calls `forward`.

    Attributes:
    - state: the last output, of shape S (None before the first forward)
    """

    def __init__(self) -> None:
        """Start with no cached output."""
        self.state: np.ndarray | None = None

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """Apply the activation: the same as forward(x)."""
        return self.forward(x)

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply the activation elementwise: y = f(x).

        Inputs:
        - x: input, of shape S

        Returns:
        - y: the output, of shape S

        Caches:
        - self.state: y
        """
        raise NotImplementedError

    def derivative(self, state: np.ndarray | None = None) -> np.ndarray:
        """Compute the derivative f'(x) from an output s = f(x), not from the input.

        Inputs:
        - state: an output s of this activation, of shape S (default: self.state, the last output)

        Returns:
        - the elementwise derivative at that output, of shape S
        """
        raise NotImplementedError

    def output(self, state: np.ndarray | None = None) -> np.ndarray:
        """Return `state` if it is given, else the last output (self.state).

        Raises ValueError when neither exists: derivative() was called before forward() without a state.
        """
        if state is not None:
            return state
        if self.state is None:
            raise ValueError(f"{type(self).__name__}.derivative() needs an output: call forward() first or pass state")
        return self.state


class Identity(Activation):
    """Identity(): f(x) = x, f' = 1. A worked example: the other activations follow the same form."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply the activation elementwise: y = x.

        Inputs:
        - x: input, of shape S

        Returns:
        - y: the output, of shape S

        Caches:
        - self.state: y
        """
        self.state = x
        return x

    def derivative(self, state: np.ndarray | None = None) -> np.ndarray:
        """Compute the derivative from an output s: f' = 1.

        Inputs:
        - state: an output s of this activation, of shape S (default: self.state, the last output)

        Returns:
        - the elementwise derivative at s, of shape S
        """
        state = self.output(state)
        return np.ones_like(state, dtype=np.float64)


class Sigmoid(Activation):
    """Sigmoid(): f(x) = 1 / (1 + exp(-x)), f' = f (1 - f)."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply the activation elementwise: y = 1 / (1 + exp(-x)).

        Inputs:
        - x: input, of shape S

        Returns:
        - y: the output, of shape S

        Caches:
        - self.state: y
        """
        # BEGIN SOLUTION
        # exp only ever sees non-positive arguments, so |x| ~ 1e3 cannot overflow.
        e = np.exp(-np.abs(x))
        self.state = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))
        return self.state
        # END SOLUTION

    def derivative(self, state: np.ndarray | None = None) -> np.ndarray:
        """Compute the derivative from an output s: f' = s (1 - s).

        Inputs:
        - state: an output s of this activation, of shape S (default: self.state, the last output)

        Returns:
        - the elementwise derivative at s, of shape S
        """
        # BEGIN SOLUTION
        state = self.output(state)
        return state * (1.0 - state)
        # END SOLUTION


class Tanh(Activation):
    """Tanh(): f(x) = tanh(x), f' = 1 - f^2."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply the activation elementwise: y = tanh(x).

        Inputs:
        - x: input, of shape S

        Returns:
        - y: the output, of shape S

        Caches:
        - self.state: y
        """
        # BEGIN SOLUTION
        self.state = np.tanh(x)
        return self.state
        # END SOLUTION

    def derivative(self, state: np.ndarray | None = None) -> np.ndarray:
        """Compute the derivative from an output s: f' = 1 - s^2.

        Inputs:
        - state: an output s of this activation, of shape S (default: self.state, the last output)

        Returns:
        - the elementwise derivative at s, of shape S
        """
        # BEGIN SOLUTION
        state = self.output(state)
        return 1.0 - state * state
        # END SOLUTION


class ReLU(Activation):
    """ReLU(): f(x) = max(x, 0), f' = 1 where the output is positive, else 0."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        """Apply the activation elementwise: y = max(x, 0).

        Inputs:
        - x: input, of shape S

        Returns:
        - y: the output, of shape S

        Caches:
        - self.state: y
        """
        # BEGIN SOLUTION
        self.state = np.maximum(x, 0.0)
        return self.state
        # END SOLUTION

    def derivative(self, state: np.ndarray | None = None) -> np.ndarray:
        """Compute the derivative from an output s: f' = 1 where s > 0, else 0.

        Inputs:
        - state: an output s of this activation, of shape S (default: self.state, the last output)

        Returns:
        - the elementwise derivative at s, of shape S
        """
        # BEGIN SOLUTION
        state = self.output(state)
        return (state > 0).astype(np.float64)
        # END SOLUTION
