"""Arrays packed as raw bytes with their dtype and shape: no pickle, no archive format, nothing to decompress.

A frame carries a job's produced arrays this way (see framing.py), and the inputs file carries every job's inputs
to the worker (`write_arrays` / `read_arrays`). Unpacking trusts nothing: only plain dtypes, and shapes that
tile the bytes exactly.
"""

import json
import math
import struct
from typing import Any

import numpy as np

from .bounds import MAX_NODES, Malformed

# Array dtype kinds that load without pickle and mean something to a comparison.
ARRAY_KINDS = "biufcSUmM"


def pack_arrays(arrays: dict[str, np.ndarray]) -> tuple[list[list[Any]], bytes]:
    """Pack arrays one after another, in name order.

    arrays: name -> array (no object dtype) -> ([[name, dtype, shape, offset, nbytes], ...], raw bytes).
    """
    meta, chunks, offset = [], [], 0
    for name in sorted(arrays):
        arr = np.array(arrays[name], order="C", copy=True)  # keeps 0-d arrays 0-d
        data = arr.tobytes()
        meta.append([name, arr.dtype.str, list(arr.shape), offset, len(data)])
        chunks.append(data)
        offset += len(data)
    return meta, b"".join(chunks)


def write_arrays(arrays: dict[str, np.ndarray]) -> bytes:
    """Write arrays as one blob: arrays -> JSON length (uint64), the JSON metadata, the raw data."""
    meta, data = pack_arrays(arrays)
    js = json.dumps(meta).encode()
    return struct.pack(">Q", len(js)) + js + data


def read_arrays(blob: bytes) -> dict[str, np.ndarray]:
    """Read the bytes of `write_arrays` -> name -> array."""
    (lj,) = struct.unpack(">Q", blob[:8])
    return unpack_arrays(json.loads(blob[8 : 8 + lj]), blob[8 + lj :])


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
    """Unpack array metadata and raw bytes (see `pack_arrays`) -> name -> array.

    Raises Malformed unless every array's dtype is plain, its shape matches its bytes, and the arrays tile the
    data exactly.
    """
    if not isinstance(meta, list) or len(meta) > MAX_NODES:
        raise Malformed("malformed array metadata")
    arrays: dict[str, np.ndarray] = {}
    offset = 0
    for item in meta:
        if not (
            isinstance(item, list)
            and len(item) == 5
            and isinstance(item[0], str)
            and len(item[0]) <= 80
            and isinstance(item[2], list)
            and len(item[2]) <= 32
            and all(type(d) is int and d >= 0 for d in item[2])
            and item[3] == offset
            and type(item[4]) is int
        ):
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
