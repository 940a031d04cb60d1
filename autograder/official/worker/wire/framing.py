"""Frames on the worker's report pipe: one per job, read as bytes arrive, decoded without trusting them.

    b"REC2" | n: uint64 | JSON length: uint64 | data length: uint64 | JSON | data

n is the job index (READY for the frame that says the worker is ready), the JSON `{"r": record, "a": arrays}`:
the record (see encode.py), and the dtype, shape and place of each array in the data (see arrays.py).
"""

import json
import struct
from typing import Any

import numpy as np

from .arrays import pack_arrays, unpack_arrays
from .bounds import MAX_ARRAY_BYTES, MAX_JSON_BYTES, Malformed

FRAME_MAGIC = b"REC2"
FRAME_HEAD = struct.Struct(">QQQ")
HEAD_BYTES = len(FRAME_MAGIC) + FRAME_HEAD.size
READY = (1 << 64) - 1


def frame(n: int, record: Any, arrays: dict[str, np.ndarray]) -> bytes:
    """Frame one job's report: n: job index (or READY); record: JSON-able; arrays: name -> array -> its bytes."""
    meta, data = pack_arrays(arrays)
    js = json.dumps({"r": record, "a": meta}).encode()
    return FRAME_MAGIC + FRAME_HEAD.pack(n, len(js), len(data)) + js + data


class FrameError(Exception):
    """The byte stream itself is broken (bad magic, out of order, oversized): nothing after it can be trusted."""


class FrameReader:
    """Splits the worker's byte stream into frames as bytes arrive, keeping at most one frame's bytes.

    first: the index of the first job frame expected (after the READY frame); end: one past the last job.
    """

    def __init__(self, first: int, end: int) -> None:
        """Expect the READY frame, then the job frames first to end - 1, in order."""
        self.next, self.end = first, end
        self.ready = False
        self._buf = bytearray()
        self._need = HEAD_BYTES
        self._head: tuple[int, int, int] | None = None
        self.error: str | None = None

    def feed(self, data: bytes) -> list[tuple[int, bytes, bytes]]:
        """Take the next bytes read -> the frames (n, JSON bytes, array bytes) completed by them.

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
        n, lj, ln = FRAME_HEAD.unpack(head[len(FRAME_MAGIC) :])
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


def decode_frame(js: bytes, data: bytes) -> tuple[Any, dict[str, np.ndarray]]:
    """Decode one frame's bytes -> (its record, its arrays). Raises Malformed on anything else, whatever went wrong."""
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
