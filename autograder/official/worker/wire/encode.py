"""Encoding what a case produced (worker side): a small tagged JSON record, plus the arrays it refers to.

Runs in the worker, next to student code: it never calls a student's method (a subclass's own `__repr__`,
`__len__` or `__eq__` is student code), and a value it cannot inspect is reported by its type name.
"""

from typing import Any

import numpy as np

from .arrays import ARRAY_KINDS
from .bounds import MAX_DEPTH, MAX_INT_DIGITS, MAX_LINES, MAX_NODES, MAX_STR


class Encoder:
    """Turns produced values into JSON nodes plus named arrays, without calling student methods."""

    def __init__(self) -> None:
        """Start encoding one report, with no arrays yet."""
        self.arrays: dict[str, np.ndarray] = {}
        self.nodes = 0

    def _array(self, arr: np.ndarray, tag: str) -> dict[str, Any]:
        plain = arr.view(np.ndarray) if type(arr) is not np.ndarray else arr
        if plain.dtype.kind not in ARRAY_KINDS or plain.dtype.fields is not None:
            # Only the dtype and shape of such an array matter to a comparison.
            return {"t": "odd_array", "dtype": str(plain.dtype)[:40], "shape": list(plain.shape)}
        key = f"a{len(self.arrays)}"
        self.arrays[key] = np.array(plain, copy=True, order="C")
        return {"t": tag, "k": key}

    def encode(self, value: Any, depth: int = 0) -> dict[str, Any]:
        """Encode one value -> its tagged JSON node; its arrays are kept in `self.arrays`, named by the node."""
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH:
            return {"t": "opaque", "type": "too_large"}
        kind = type(value)
        if value is None:
            return {"t": "none"}
        if kind is bool:
            return {"t": "bool", "v": value}
        if isinstance(value, np.ndarray):
            return self._array(value, "array")
        if isinstance(value, np.generic):
            return self._array(np.asarray(value), "scalar")
        if isinstance(value, (int, float)):
            return _number(value)
        if kind is str:
            return {"t": "str", "v": value} if len(value) <= MAX_STR else {"t": "opaque", "type": "str"}
        if kind in (list, tuple):
            return {"t": kind.__name__, "v": [self.encode(v, depth + 1) for v in value]}
        if kind is dict and all(type(k) is str for k in value):
            return {"t": "dict", "v": [[k[:MAX_STR], self.encode(v, depth + 1)] for k, v in value.items()]}
        if type(value).__name__ == "_Missing":
            return {"t": "missing"}
        return {"t": "opaque", "type": kind.__name__[:80]}


def _number(value: int | float) -> dict[str, Any]:
    # int.__repr__ / float.__repr__: a subclass's own __repr__ is student code.
    kind = type(value)
    if isinstance(value, int):
        text = int.__repr__(value)
        if len(text) > MAX_INT_DIGITS:
            return {"t": "opaque", "type": kind.__name__}
        return {"t": "int", "v": text, "type": kind.__name__}
    return {"t": "float", "v": float.__repr__(value), "type": kind.__name__}


def _lines(lines: list[str] | None) -> list[str] | None:
    return None if lines is None else [str(line)[:MAX_STR] for line in lines[:MAX_LINES]]


def _pairs(enc: Encoder, values: dict[Any, Any]) -> list[list[Any]]:
    pairs = []
    for key, value in list(values.items()):
        if type(key) is str:
            try:
                pairs.append([key[:MAX_STR], enc.encode(value)])
            except Exception:  # noqa: BLE001 - a value that resists inspection is reported as opaque
                pairs.append([key[:MAX_STR], {"t": "opaque", "type": "unreadable"}])
    return pairs


def encode_error(kind: str, headline: str, where: list[str]) -> dict[str, Any]:
    """Encode why student code failed (its kind, as `isolation.ErrorKind` values, a headline, traceback lines)."""
    return {"kind": str(kind)[:40], "headline": str(headline)[:MAX_STR], "where": _lines(where)}


def encode_case(
    outputs: dict[Any, Any], records: dict[Any, Any], error: dict[str, Any] | None, warnings: list[str] | None
) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Encode what one case produced -> (JSON record, arrays). Never calls the student's methods.

    outputs: graded outputs; records: diagnostic records; error: an encode_error() or None; warnings: numpy's.
    """
    enc = Encoder()
    record = {
        "kind": "case",
        "outputs": _pairs(enc, outputs),
        "records": _pairs(enc, records),
        "error": error,
        "warnings": _lines(warnings),
    }
    return record, enc.arrays
