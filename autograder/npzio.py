"""Reading and writing `.npz` files without pickle, byte for byte reproducibly.

numpy's own `savez` stamps each member with the current time, so two runs
never give the same bytes; this writer fixes every header field instead.
"""

import hashlib
import io
import zipfile
from pathlib import Path

import numpy as np

_FIXED_TIME = (1980, 1, 1, 0, 0, 0)


def npz_bytes(arrays: dict[str, np.ndarray]) -> bytes:
    """arrays: name -> array (any non-object dtype) -> the bytes of an .npz holding them.

    Members are sorted by name and stored uncompressed, so the result depends on
    the array contents alone.
    """
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as zf:
        for name in sorted(arrays):
            arr = np.array(arrays[name], order="C")  # keeps 0-d arrays 0-d, unlike ascontiguousarray
            if arr.dtype.hasobject:
                raise TypeError(f"{name}: object arrays would need pickle")
            member = io.BytesIO()
            np.lib.format.write_array(member, arr, allow_pickle=False)
            info = zipfile.ZipInfo(name + ".npy", date_time=_FIXED_TIME)
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, member.getvalue())
    return buf.getvalue()


def load_npz(data: bytes | Path) -> dict[str, np.ndarray]:
    """data: .npz bytes or a path -> name -> array. Never unpickles."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    with np.load(source, allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}


def sha256(data: bytes) -> str:
    """data: bytes -> hex SHA-256 digest."""
    return hashlib.sha256(data).hexdigest()
