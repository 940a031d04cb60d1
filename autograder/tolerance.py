"""The one rule for "close enough", used by comparisons, traces and locators alike.

An element matches when |got - expected| <= atol + rtol * |expected| and
both are finite (the rule of torch.testing.assert_close). Every array is
float64, so the default tolerances are tight; a step whose values come out of
long chains of operations sets its own.
"""

from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Tolerance:
    """rtol, atol: relative and absolute tolerance of one comparison."""

    rtol: float = 1e-6
    atol: float = 1e-8

    def within(self, got: np.ndarray, expected: np.ndarray) -> np.ndarray:
        """got, expected: float arrays of one shape -> bool array of that shape, True where they match."""
        with np.errstate(invalid="ignore", over="ignore"):
            return np.abs(got - expected) <= self.atol + self.rtol * np.abs(expected)

    def close(self, got: Any, expected: np.ndarray, reshape: bool = False) -> bool:
        """Whether got is an array of expected's shape whose every element matches.

        reshape: also accept got of another shape holding as many elements (a (1, H) row for an (H,) vector).
        Anything that is not a number array is not close.
        """
        if not isinstance(got, np.ndarray):
            try:
                got = np.asarray(got, dtype=np.float64)
            except (TypeError, ValueError):
                return False
        if got.dtype.kind not in "fiub":
            return False
        if got.shape != expected.shape:
            if not reshape or got.size != expected.size:
                return False
            got = got.reshape(expected.shape)
        return bool(np.all(self.within(got, expected)))


DEFAULT = Tolerance()
