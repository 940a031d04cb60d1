"""The wire format between the worker and the grader: one module both import.

The worker (running student code, as another OS user) reports what each job
produced as one frame on a pipe:

    b"REC2" | n: uint64 | JSON length: uint64 | data length: uint64 | JSON | data

n is the job index (READY for the frame that says the worker is ready), the
JSON `{"r": record, "a": arrays}`: the record a small tagged encoding of the
produced values (`encode_case`), "a" the dtype, shape and place of each array
in the data, which holds their raw bytes one after another (`pack_arrays`: no
pickle, no archive format, nothing to decompress). The grader reads
frames with `FrameReader`, which keeps at most one frame's bytes and refuses
oversized or out-of-order frames before reading them, and decodes each with
`decode_frame`, which trusts nothing: every failure of any kind (bad JSON,
recursion, a dtype or shape that does not fit the data, memory) becomes
`Malformed`, which fails that job's step only. The same array packing carries
the job inputs to the worker (`write_arrays` / `read_arrays`).

This file runs in the worker with numpy and the standard library only (it is
loaded by the fork server as `_wire.py`, see forkserver.py), on Python 3.10 and later.
"""

import json
import math
import struct
from typing import Any

import numpy as np

MAX_DEPTH = 8
MAX_NODES = 20_000
MAX_STR = 2_000
MAX_LINES = 40
MAX_INT_DIGITS = 400
MAX_ANSWER_ITEMS = 26
MAX_ANSWER_CHARS = 64
# One frame: its JSON stays small (the values are in the NPZ), its arrays are a case's outputs.
MAX_JSON_BYTES = 1 << 20
MAX_ARRAY_BYTES = 16 << 20
# Array dtype kinds that load without pickle and mean something to a comparison.
ARRAY_KINDS = "biufcSUmM"
FRAME_MAGIC = b"REC2"
FRAME_HEAD = struct.Struct(">QQQ")
HEAD_BYTES = len(FRAME_MAGIC) + FRAME_HEAD.size
READY = (1 << 64) - 1


# --- encoding (worker side) ------------------------------------------------------------------


class _Encoder:
    """Turns produced values into JSON nodes plus named arrays, without calling student methods."""

    def __init__(self) -> None:
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




def pack_arrays(arrays: dict[str, np.ndarray]) -> tuple[list[list[Any]], bytes]:
    """arrays: name -> array (no object dtype) -> ([[name, dtype, shape, offset, nbytes], ...], raw bytes)."""
    meta, chunks, offset = [], [], 0
    for name in sorted(arrays):
        arr = np.array(arrays[name], order="C", copy=True)  # keeps 0-d arrays 0-d
        data = arr.tobytes()
        meta.append([name, arr.dtype.str, list(arr.shape), offset, len(data)])
        chunks.append(data)
        offset += len(data)
    return meta, b"".join(chunks)


def frame(n: int, record: Any, arrays: dict[str, np.ndarray]) -> bytes:
    """n: job index (or READY); record: JSON-able; arrays: name -> array -> the bytes of one frame."""
    meta, data = pack_arrays(arrays)
    js = json.dumps({"r": record, "a": meta}).encode()
    return FRAME_MAGIC + FRAME_HEAD.pack(n, len(js), len(data)) + js + data


def write_arrays(arrays: dict[str, np.ndarray]) -> bytes:
    """arrays -> the bytes of an arrays file: JSON length (uint64), the JSON metadata, the raw data."""
    meta, data = pack_arrays(arrays)
    js = json.dumps(meta).encode()
    return struct.pack(">Q", len(js)) + js + data


def read_arrays(blob: bytes) -> dict[str, np.ndarray]:
    """The bytes of `write_arrays` -> name -> array."""
    (lj,) = struct.unpack(">Q", blob[:8])
    return unpack_arrays(json.loads(blob[8:8 + lj]), blob[8 + lj:])


def _pairs(enc: _Encoder, values: dict[Any, Any]) -> list[list[Any]]:
    pairs = []
    for key, value in list(values.items()):
        if type(key) is str:
            try:
                pairs.append([key[:MAX_STR], enc.encode(value)])
            except Exception:  # noqa: BLE001 - a value that resists inspection is reported as opaque
                pairs.append([key[:MAX_STR], {"t": "opaque", "type": "unreadable"}])
    return pairs


def encode_error(kind: str, headline: str, where: list[str]) -> dict[str, Any]:
    """Why student code failed (its kind, as `isolation.ErrorKind` values, a headline, traceback lines) -> JSON."""
    return {"kind": str(kind)[:40], "headline": str(headline)[:MAX_STR], "where": _lines(where)}


def encode_case(outputs: dict[Any, Any], records: dict[Any, Any], error: dict[str, Any] | None,
                warnings: list[str] | None) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """What one case produced (graded outputs, diagnostic records, an encode_error() or None, numpy's
    warnings) -> (JSON record, arrays). Never calls the student's methods."""
    enc = _Encoder()
    record = {"kind": "case", "outputs": _pairs(enc, outputs), "records": _pairs(enc, records), "error": error,
              "warnings": _lines(warnings)}
    return record, enc.arrays


def encode_answer(value: Any) -> Any:
    """A student's mc answer -> a plain string / list of strings / None, or an opaque type description."""
    if value is None:
        return None
    if type(value) is str:
        return value if len(value) <= MAX_ANSWER_CHARS else {"opaque": "str (too long)"}
    if type(value) in (list, tuple) and len(value) <= MAX_ANSWER_ITEMS:
        if all(type(v) is str and len(v) <= MAX_ANSWER_CHARS for v in value):
            return {"list": list(value), "type": type(value).__name__}
    return {"opaque": type(value).__name__[:80]}


# --- reading frames (grader side) -------------------------------------------------------------


class FrameError(Exception):
    """The byte stream itself is broken (bad magic, out of order, oversized): nothing after it can be trusted."""


class FrameReader:
    """Splits the worker's byte stream into frames as bytes arrive, keeping at most one frame's bytes.

    first: the index of the first job frame expected (after the READY frame); end: one past the last job.
    """

    def __init__(self, first: int, end: int) -> None:
        self.next, self.end = first, end
        self.ready = False
        self._buf = bytearray()
        self._need = HEAD_BYTES
        self._head: tuple[int, int, int] | None = None
        self.error: str | None = None

    def feed(self, data: bytes) -> list[tuple[int, bytes, bytes]]:
        """data: the next bytes read -> the frames (n, JSON bytes, NPZ bytes) completed by them.

        A wrong header (checked before its body is read) sets `error`; the frames
        completed before it are still returned, and nothing after it is read.
        """
        out: list[tuple[int, bytes, bytes]] = []
        view = memoryview(data)
        while view and self.error is None:
            take = min(len(view), self._need - len(self._buf))
            self._buf += view[:take]
            view = view[take:]
            if len(self._buf) < self._need:
                break
            if self._head is None:
                try:
                    self._head = self._check_head(bytes(self._buf))
                except FrameError as exc:
                    self.error = str(exc)
                    break
                self._buf = bytearray()
                self._need = self._head[1] + self._head[2]
            if len(self._buf) == self._need:
                n, lj, _ = self._head
                body = bytes(self._buf)
                out.append((n, body[:lj], body[lj:]))
                self._buf, self._need, self._head = bytearray(), HEAD_BYTES, None
        return out

    def _check_head(self, head: bytes) -> tuple[int, int, int]:
        if not head.startswith(FRAME_MAGIC):
            raise FrameError("the report stream is malformed (bad frame header)")
        n, lj, ln = FRAME_HEAD.unpack(head[len(FRAME_MAGIC):])
        if lj > MAX_JSON_BYTES or ln > MAX_ARRAY_BYTES + (1 << 16):
            raise FrameError(f"a report frame is too large ({lj + ln} bytes)")
        if not self.ready:
            if n != READY:
                raise FrameError("the report stream did not start with the ready frame")
            self.ready = True
            return n, lj, ln
        if n != self.next or n >= self.end:
            raise FrameError("the report stream is out of order")
        self.next += 1
        return n, lj, ln


# --- decoding (grader side) ------------------------------------------------------------------


class Malformed(Exception):
    """The worker's report for a job does not have the expected form."""


def _dtype(text: Any) -> np.dtype:
    if not isinstance(text, str) or len(text) > 20:
        raise Malformed("a malformed dtype")
    try:
        dtype = np.dtype(text)
    except Exception:  # noqa: BLE001 - numpy's parser refuses in several ways
        raise Malformed(f"an unknown dtype {text[:20]!r}") from None
    if dtype.kind not in ARRAY_KINDS or dtype.fields is not None or dtype.hasobject or dtype.subdtype is not None:
        raise Malformed(f"an array of dtype {dtype}")
    return dtype


def unpack_arrays(meta: Any, data: bytes) -> dict[str, np.ndarray]:
    """Array metadata and raw bytes (see `pack_arrays`) -> name -> array. Raises Malformed unless every array's
    dtype is plain, its shape matches its bytes, and the arrays tile the data exactly."""
    if not isinstance(meta, list) or len(meta) > MAX_NODES:
        raise Malformed("malformed array metadata")
    arrays: dict[str, np.ndarray] = {}
    offset = 0
    for item in meta:
        if not (isinstance(item, list) and len(item) == 5 and isinstance(item[0], str) and len(item[0]) <= 80
                and isinstance(item[2], list) and len(item[2]) <= 32
                and all(type(d) is int and d >= 0 for d in item[2]) and item[3] == offset and type(item[4]) is int):
            raise Malformed("malformed array metadata")
        name, dtype, shape, nbytes = item[0], _dtype(item[1]), tuple(item[2]), item[4]
        count = math.prod(shape)
        if name in arrays or count * dtype.itemsize != nbytes or offset + nbytes > len(data):
            raise Malformed(f"array {name[:40]!r} does not match its data")
        if count:
            arrays[name] = np.frombuffer(data, dtype, count, offset).reshape(shape).copy()
        else:
            arrays[name] = np.empty(shape, dtype)
        offset += nbytes
    if offset != len(data):
        raise Malformed("the arrays data holds bytes no array accounts for")
    return arrays


def _named(base: type, name: str) -> type:
    """A stand-in type carrying the student's type name, so messages name the type they used."""
    if not isinstance(name, str) or not name.isidentifier() or len(name) > 80:
        raise Malformed("a type name is not an identifier")
    if name == base.__name__:
        return base
    return type(name, (base,), {})


class _Opaque:
    """Base of the stand-ins for values the worker could only describe by their type name."""


class _Decoder:
    def __init__(self, arrays: dict[str, np.ndarray], missing: Any) -> None:
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


def _bool(dec: _Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    if not isinstance(v, bool):
        raise _malformed(node)
    return v


def _scalar(dec: _Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    arr = dec._array(node)
    if arr.ndim != 0:
        raise Malformed("a scalar is not 0-dimensional")
    return arr[()]


def _int(dec: _Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    if not (isinstance(v, str) and len(v) <= MAX_INT_DIGITS + 1):
        raise _malformed(node)
    try:
        return _named(int, str(node.get("type")))(int(v))
    except ValueError:
        raise Malformed("a malformed int") from None


def _float(dec: _Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    if not (isinstance(v, str) and len(v) <= 40):
        raise _malformed(node)
    try:
        return _named(float, str(node.get("type")))(float(v))
    except ValueError:
        raise Malformed("a malformed float") from None


def _str(dec: _Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    if not (isinstance(v, str) and len(v) <= MAX_STR):
        raise _malformed(node)
    return v


def _sequence(dec: _Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    if not isinstance(v, list):
        raise _malformed(node)
    items = [dec.decode(item, depth + 1) for item in v]
    return items if node["t"] == "list" else tuple(items)


def _dict(dec: _Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    if not isinstance(v, list):
        raise _malformed(node)
    out = {}
    for pair in v:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)):
            raise Malformed("a malformed dict entry")
        out[pair[0]] = dec.decode(pair[1], depth + 1)
    return out


def _odd_array(dec: _Decoder, node: dict[str, Any], v: Any, depth: int) -> Any:
    shape, dtype = node.get("shape"), node.get("dtype")
    if not (isinstance(shape, list) and len(shape) <= 32 and all(type(s) is int and 0 <= s for s in shape)
            and isinstance(dtype, str) and len(dtype) <= 40):
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
    if not (isinstance(lines, list) and len(lines) <= MAX_LINES and all(isinstance(x, str) and len(x) <= MAX_STR
                                                                       for x in lines)):
        raise Malformed("malformed message lines")
    return lines


def _decode_pairs(decoder: "_Decoder", pairs: Any) -> dict[str, Any]:
    if not isinstance(pairs, list):
        raise Malformed("not a list of named values")
    out: dict[str, Any] = {}
    for pair in pairs:
        if not (isinstance(pair, list) and len(pair) == 2 and isinstance(pair[0], str)) or pair[0] in out:
            raise Malformed("a malformed or repeated output name")
        out[pair[0]] = decoder.decode(pair[1])
    return out


def decode_error(node: Any, kinds: tuple[str, ...]) -> tuple[str, str, list[str]] | None:
    """An encode_error() record (or None) -> (kind, headline, where lines) or None. Raises Malformed.

    kinds: the error kinds the grader knows; any other is malformed.
    """
    if node is None:
        return None
    if not (isinstance(node, dict) and set(node) == {"kind", "headline", "where"} and node["kind"] in kinds
            and isinstance(node["headline"], str) and 0 < len(node["headline"]) <= MAX_STR):
        raise Malformed("a malformed error report")
    return node["kind"], node["headline"], _text_lines(node["where"]) or []


def decode_case(record: Any, arrays: dict[str, np.ndarray], missing: Any, kinds: tuple[str, ...]
                ) -> tuple[dict[str, Any], dict[str, Any], tuple[str, str, list[str]] | None, list[str]]:
    """A case job's JSON record and arrays -> (outputs, records, error (see decode_error) or None, warning
    lines). kinds: the error kinds the grader knows. Raises Malformed."""
    if not (isinstance(record, dict) and record.get("kind") == "case"
            and set(record) == {"kind", "outputs", "records", "error", "warnings"}):
        raise Malformed("not a case report")
    decoder = _Decoder(arrays, missing)
    outputs = _decode_pairs(decoder, record["outputs"])
    records = _decode_pairs(decoder, record["records"])
    if decoder.used != set(arrays):
        raise Malformed("the arrays file holds arrays no output refers to")
    return outputs, records, decode_error(record["error"], kinds), _text_lines(record["warnings"]) or []


def decode_answer(value: Any) -> tuple[Any, str | None]:
    """One reported mc answer -> (the answer as str / list of str / None, or a problem). Nothing else is accepted."""
    if value is None:
        return None, None
    if isinstance(value, str):
        return (value, None) if len(value) <= MAX_ANSWER_CHARS else (None, "the answer is too long")
    if isinstance(value, dict) and set(value) == {"list", "type"} and value["type"] in ("list", "tuple"):
        items = value["list"]
        if (isinstance(items, list) and len(items) <= MAX_ANSWER_ITEMS
                and all(isinstance(x, str) and len(x) <= MAX_ANSWER_CHARS for x in items)):
            return (items if value["type"] == "list" else tuple(items)), None
    if isinstance(value, dict) and set(value) == {"opaque"} and isinstance(value["opaque"], str):
        return None, f"malformed answer (a {value['opaque'][:80]}): return a letter or a list of letters"
    return None, "malformed answer"


def decode_frame(js: bytes, data: bytes) -> tuple[Any, dict[str, np.ndarray]]:
    """One frame's bytes -> (its record, its arrays). Raises Malformed on anything else, whatever went wrong."""
    try:
        wrapper = json.loads(js.decode("utf-8"))
    except Exception as exc:  # noqa: BLE001 - RecursionError, MemoryError, ValueError...: all the frame's fault
        raise Malformed(f"the report is not valid JSON ({type(exc).__name__})") from None
    if not (isinstance(wrapper, dict) and set(wrapper) == {"r", "a"}):
        raise Malformed("the report is not a record with its arrays")
    try:
        return wrapper["r"], unpack_arrays(wrapper["a"], data)
    except Malformed:
        raise
    except Exception as exc:  # noqa: BLE001 - e.g. MemoryError on a shape that fits the bytes but not memory
        raise Malformed(f"the arrays cannot be read ({type(exc).__name__})") from None
