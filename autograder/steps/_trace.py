"""Recording what student code passes to the cells it calls, to say where a mismatch starts.

A recorder replaces one method of one object by a wrapper stored on the
instance: it copies the arguments and the result of every call, then hands
back exactly what the original returned. Nothing is graded from the records;
they only sharpen a failure message.
"""

import inspect
from typing import Any, Callable

import numpy as np


def _copy(value: Any) -> Any:
    if isinstance(value, np.ndarray):
        return np.array(value, copy=True)
    if isinstance(value, tuple):
        return tuple(_copy(v) for v in value)
    return value


def record_calls(obj: Any, method: str, log: list[dict[str, Any]]) -> None:
    """Wrap obj.<method> so each call appends {argument name: copy, ..., 'result': copy} to log.

    Does nothing when the object has no such method or refuses the attribute.
    """
    original: Callable[..., Any] | None = getattr(obj, method, None)
    if not callable(original):
        return
    try:
        names = list(inspect.signature(original).parameters)
    except (TypeError, ValueError):
        names = []

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        entry = {names[i] if i < len(names) else f"arg{i}": _copy(a) for i, a in enumerate(args)}
        entry.update({k: _copy(v) for k, v in kwargs.items()})
        result = original(*args, **kwargs)
        entry["result"] = _copy(result)
        log.append(entry)
        return result

    try:
        setattr(obj, method, wrapper)
    except (AttributeError, TypeError):
        pass


def close(got: Any, expected: np.ndarray, rtol: float = 1e-6, atol: float = 1e-8) -> bool:
    """Whether got is an array of expected's shape within the grading tolerances."""
    if not isinstance(got, np.ndarray):
        try:
            got = np.asarray(got, dtype=np.float64)
        except (TypeError, ValueError):
            return False
    if got.shape != expected.shape:
        # A (1, H) row and an (H,) vector hold the same numbers.
        if got.size != expected.size:
            return False
        got = got.reshape(expected.shape)
    with np.errstate(invalid="ignore", over="ignore"):
        return bool(np.all(np.abs(got - expected) <= atol + rtol * np.abs(expected)))


def differs(a: np.ndarray, b: np.ndarray) -> bool:
    """Whether two expected arrays are distinguishable (so a match to one rules out the other)."""
    return not close(a, b)
