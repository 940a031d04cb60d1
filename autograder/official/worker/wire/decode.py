"""Decoding what a worker reported for a case (grader side), trusting nothing.

Every failure of any kind (an unknown tag, recursion, an array referred to twice or never, a line too long)
becomes `Malformed`, which fails that job's step only. A value the worker could only name by its type decodes
to a stand-in carrying that type's name, so messages name the type the student used.
"""

from typing import Any

import numpy as np

from .bounds import MAX_DEPTH, MAX_INT_DIGITS, MAX_LINES, MAX_NODES, MAX_STR, Malformed


def _named(base: type, name: str) -> type:
    """Make a stand-in type carrying the student's type name, so messages name the type they used."""
    if not isinstance(name, str) or not name.isidentifier() or len(name) > 80:
        raise Malformed("a type name is not an identifier")
    if name == base.__name__:
        return base
    return type(name, (base,), {})


class _Opaque:
    """Base of the stand-ins for values the worker could only describe by their type name."""


class Decoder:
    """Decodes the tagged JSON nodes of one report, each array it refers to used once; trusts nothing.

    arrays: the report's arrays by name; missing: what a missing output decodes to (the grader's MISSING).
    """

    def __init__(self, arrays: dict[str, np.ndarray], missing: Any) -> None:
        """Start decoding one report whose arrays are `arrays`."""
        self.arrays = arrays
        self.used: set[str] = set()
        self.missing = missing
        self.nodes = 0

    def _array(self, node: dict[str, Any]) -> np.ndarray:
        key = node.get("k")
        if not isinstance(key, str) or key not in self.arrays or key in self.used:
            raise Malformed("an array reference is unknown or used twice")
        self.used.add(key)
        return self.arrays[key]

    def decode(self, node: Any, depth: int = 0) -> Any:
        """Decode one tagged node -> the value it stands for. Raises Malformed."""
        self.nodes += 1
        if self.nodes > MAX_NODES or depth > MAX_DEPTH + 1:
            raise Malformed("nested too deep or too many values")
        if not isinstance(node, dict) or not isinstance(node.get("t"), str):
            raise Malformed("a value is not a tagged object")
        t = node["t"]
        handler = _TAGS.get(t)
        if handler is None:
            raise Malformed(f"unknown or malformed value tag {t[:20]!r}")
        return handler(self, node, node.get("v"), depth)


def _malformed(node: dict[str, Any]) -> Malformed:
    return Malformed(f"unknown or malformed value tag {node['t'][:20]!r}")


def _bool(dec: Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    if not isinstance(v, bool):
        raise _malformed(node)
    return v


def _scalar(dec: Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    arr = dec._array(node)
    if arr.ndim != 0:
        raise Malformed("a scalar is not 0-dimensional")
    return arr[()]


def _int(dec: Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    if not (isinstance(v, str) and len(v) <= MAX_INT_DIGITS + 1):
        raise _malformed(node)
    try:
        return _named(int, str(node.get("type")))(int(v))
    except ValueError:
        raise Malformed("a malformed int") from None


def _float(dec: Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    if not (isinstance(v, str) and len(v) <= 40):
        raise _malformed(node)
    try:
        return _named(float, str(node.get("type")))(float(v))
    except ValueError:
        raise Malformed("a malformed float") from None


def _str(dec: Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    if not (isinstance(v, str) and len(v) <= MAX_STR):
        raise _malformed(node)
    return v


def _sequence(dec: Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    if not isinstance(v, list):
        raise _malformed(node)
    items = [dec.decode(item, depth + 1) for item in v]
    return items if node["t"] == "list" else tuple(items)


def _dict(dec: Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    if not isinstance(v, list):
        raise _malformed(node)
    out = {}
    for pair in v:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            raise Malformed("a malformed dict entry")
        out[pair[0]] = dec.decode(pair[1], depth + 1)
    return out


def _odd_array(dec: Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    shape, dtype = node.get("shape"), node.get("dtype")
    if not (
        isinstance(shape, list)
        and len(shape) <= 32
        and all(type(s) is int and 0 <= s for s in shape)
        and isinstance(dtype, str)
        and len(dtype) <= 40
    ):
        raise Malformed("a malformed array description")
    if int(np.prod(shape, dtype=np.float64)) > 1_000_000:
        raise Malformed("an array description is too large")
    # A stand-in of the same shape holding NaNs: only dtype (object) and shape reach the message.
    return np.full(tuple(shape), np.nan, dtype=object)


# Value tag -> its decoder(decoder, node, node["v"], depth); anything else is malformed.
_TAGS: dict[str, Any] = {
    "none": lambda dec, node, v, depth: None,
    "missing": lambda dec, node, v, depth: dec.missing,
    "bool": _bool,
    "array": lambda dec, node, v, depth: dec._array(node),
    "scalar": _scalar,
    "int": _int,
    "float": _float,
    "str": _str,
    "list": _sequence,
    "tuple": _sequence,
    "dict": _dict,
    "odd_array": _odd_array,
    "opaque": lambda dec, node, v, depth: _named(_Opaque, str(node.get("type")))(),
}


def _text_lines(lines: Any) -> list[str] | None:
    if lines is None:
        return None
    if not (
        isinstance(lines, list)
        and len(lines) <= MAX_LINES
        and all(isinstance(x, str) and len(x) <= MAX_STR for x in lines)
    ):
        raise Malformed("malformed message lines")
    return lines


def _decode_pairs(decoder: "Decoder", pairs: Any) -> dict[str, Any]:
    if not isinstance(pairs, list):
        raise Malformed("not a list of named values")
    out: dict[str, Any] = {}
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)) or pair[0] in out:
            raise Malformed("a malformed or repeated output name")
        out[pair[0]] = decoder.decode(pair[1])
    return out


def decode_error(node: Any, kinds: tuple[str, ...]) -> tuple[str, str, list[str]] | None:
    """Decode an encode_error() record (or None) -> (kind, headline, where lines) or None. Raises Malformed.

    kinds: the error kinds the grader knows; any other is malformed.
    """
    if node is None:
        return None
    if not (
        isinstance(node, dict)
        and set(node) == {"kind", "headline", "where"}
        and node["kind"] in kinds
        and isinstance(node["headline"], str)
        and 0 < len(node["headline"]) <= MAX_STR
    ):
        raise Malformed("a malformed error report")
    return node["kind"], node["headline"], _text_lines(node["where"]) or []


def decode_case(
    record: Any, arrays: dict[str, np.ndarray], missing: Any, kinds: tuple[str, ...]
) -> tuple[dict[str, Any], dict[str, Any], tuple[str, str, list[str]] | None, list[str]]:
    """Decode a case job's JSON record and arrays -> (outputs, records, error (see decode_error) or None, warnings).

    kinds: the error kinds the grader knows. Raises Malformed.
    """
    if not (
        isinstance(record, dict)
        and record.get("kind") == "case"
        and set(record) == {"kind", "outputs", "records", "error", "warnings"}
    ):
        raise Malformed("not a case report")
    decoder = Decoder(arrays, missing)
    outputs = _decode_pairs(decoder, record["outputs"])
    records = _decode_pairs(decoder, record["records"])
    if decoder.used != set(arrays):
        raise Malformed("the report holds arrays no output refers to")
    return outputs, records, decode_error(record["error"], kinds), _text_lines(record["warnings"]) or []
