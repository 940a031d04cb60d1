r"""Named arrays in one file that loads with one read: an index, then every array's raw bytes.

    b"RNNARR1\n" | index length: uint64, little-endian | index (JSON) | data

The index is `[[name, dtype, shape, offset], ...]`, sorted by name; dtypes
are little-endian (`"<f8"`, `"<U23"`, `"|b1"`) and each array's C-order
bytes start at `offset` into the data, a multiple of ALIGN. Reading is one
`read` of the file, one `json.loads` and a view per array: no archive, no
per-array header to parse, nothing pickled. The bytes depend on the arrays
alone (sorted names, zero padding), so the same arrays always give the same
file.
"""

import hashlib
import json
import math
import struct

import numpy as np

MAGIC = b"RNNARR1\n"
_LENGTH = struct.Struct("<Q")
ALIGN = 16  # every array starts on a 16-byte boundary of the data


class ArrayFileError(ValueError):
    """The bytes are not an arrays file (a wrong magic, an index that does not fit the data)."""


def _pad(n: int) -> int:
    return -n % ALIGN


def arrays_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """Return the bytes of the arrays file holding `arrays`.

    arrays: name -> array of any shape and any dtype but object. Raises TypeError for an object array.
    """
    index, chunks, offset = [], [], 0
    for name in sorted(arrays):
        arr = np.asarray(arrays[name])
        if arr.dtype.hasobject:
            raise TypeError(f"{name}: object arrays would need pickle")
        arr = np.ascontiguousarray(arr.astype(arr.dtype.newbyteorder("<"), copy=False)).reshape(arr.shape)
        data = arr.tobytes()
        index.append([name, arr.dtype.str, list(arr.shape), offset])
        chunks += [data, bytes(_pad(len(data)))]
        offset += len(data) + _pad(len(data))
    head = json.dumps(index, separators=(",", ":")).encode()
    head += b" " * _pad(len(MAGIC) + _LENGTH.size + len(head))
    return MAGIC + _LENGTH.pack(len(head)) + head + b"".join(chunks)


def load_arrays(data: bytes | bytearray) -> dict[str, np.ndarray]:
    """Read an arrays file; return name -> array, each with its stored dtype and shape.

    data: the bytes of an arrays file. Each array is a view of `data`, writable when data is a bytearray.
    Raises ArrayFileError when the bytes are not an arrays file.
    """
    start = len(MAGIC) + _LENGTH.size
    if data[: len(MAGIC)] != MAGIC or len(data) < start:
        raise ArrayFileError("not an arrays file (wrong magic)")
    (length,) = _LENGTH.unpack_from(data, len(MAGIC))
    try:
        index = json.loads(data[start : start + length])
        base = start + length
        arrays = {}
        for name, dtype, shape, offset in index:
            arrays[name] = np.frombuffer(data, dtype, math.prod(shape), base + offset).reshape(shape)
    except (ValueError, TypeError) as exc:
        raise ArrayFileError(f"the index does not fit the data ({exc})") from None
    return arrays


def sha256(data: bytes) -> str:
    """Return the hex SHA-256 digest of `data`."""
    return hashlib.sha256(data).hexdigest()
