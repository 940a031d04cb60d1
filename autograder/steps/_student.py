"""Importing student code inside a step's isolated run."""

import importlib
from typing import Any, Iterator

import numpy as np

from autograder.produced import MISSING


def student_attr(module: str, name: str) -> Any:
    """-> the object `name` of the student's `module`, e.g. ('mytorch.rnn_cell', 'RNNCell').

    Importing here, not at the top of a step module, means a broken file fails
    only the steps that use it.
    """
    return getattr(importlib.import_module(module), name)


def new_module(module: str, name: str, sizes: tuple[int, ...], weights: list[np.ndarray]) -> Any:
    """-> a fresh student module (e.g. RNNCell(d, h)) holding the case's weights, gradients zeroed."""
    obj = student_attr(module, name)(*sizes)
    obj.init_weights(*weights)
    obj.zero_grad()
    return obj


def new_cell(module: str, name: str, weights: tuple[str, ...], inputs: dict[str, np.ndarray]) -> Any:
    """-> a fresh student cell, e.g. GRUCell(D, H), holding the case's weights (named by `weights`), zero grads.

    inputs: the case's, with x (..., D) and h_prev (..., H) giving the cell's sizes.
    """
    sizes = (inputs["x"].shape[-1], inputs["h_prev"].shape[-1])
    return new_module(module, name, sizes, [inputs[k] for k in weights])


def grab(obj: Any, name: str) -> Any:
    """obj.name copied (so later student code can't change it), or MISSING if it was never set."""
    value = getattr(obj, name, MISSING)
    return np.array(value, copy=True) if isinstance(value, np.ndarray) else value


def backward_calls(module: Any, inputs: dict[str, np.ndarray]) -> Iterator[int]:
    """Yield k for each repeated call k of a case, calling module.zero_grad() first where the case says so."""
    for k, reset in enumerate(inputs["zero_grad_before"]):
        if reset:
            module.zero_grad()
        yield k


def members(result: Any, method: str, names: tuple[str, ...] = ("dx", "dh")) -> tuple[Any, ...]:
    """-> the members of what `method` returned (result), copied. Anything but a tuple of len(names) is a TypeError."""
    if not (isinstance(result, tuple) and len(result) == len(names)):
        raise TypeError(f"{method} must return the tuple ({', '.join(names)}), got {type(result).__name__}")
    return tuple(owned(r) for r in result)


def owned(value: Any) -> Any:
    """-> a returned value, copied if it is an array (student code may still hold and change it)."""
    return np.array(value, copy=True) if isinstance(value, np.ndarray) else value
